"""Tools for the legal staff who edit packs (they do not program): an editor schema, honest tests, coverage by
article and outcome, and the impact of a change. Each is a module of its own; the commands are registered on the
`creditrules` app by `register(app)`.

    schema.py     JSON Schemas of pack.yaml, rules/*.yaml, ledger.yaml, tests/*.yaml  (`creditrules schema`)
    expect.py     what a test case may assert; the static check of a case             (`creditrules validate`)
    testing.py    the YAML test runner (file, folder, -k, text/json/junit)             (`creditrules test`)
    coverage.py   per article, the rules and the cases of each outcome                 (`creditrules coverage`)
    diff.py       which determinations a change of the pack changes                    (`creditrules diff`)
    corpus.py     the seeded generator of each pack's corpus/events.jsonl
    html.py       the one-page HTML the coverage and diff views are written as

This module imports nothing heavy: the CLI imports it at start.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path


class ViewFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"


def register(app) -> None:
    """Add `schema`, `coverage` and `diff` to the `creditrules` typer app."""
    import typer

    from ..cli import _guard, out

    @app.command("schema")
    @_guard
    def schema_(out_dir: Path | None = typer.Option(None, "--out", help="folder to write the four schemas to "
                                                       "(default: print where the shipped copies are)"),
                pack: Path | None = typer.Option(None, "--pack", help="only this pack's names: the core set, "
                                                    "its vocabulary.yaml and its layers' (default: every shipped "
                                                    "pack's)")):
        """JSON Schemas of pack.yaml, rules/*.yaml, ledger.yaml and tests/*.yaml, for a YAML editor (completion,
        descriptions in Chinese and English, red underlines). `.vscode/settings.json` maps the files to them."""
        from . import schema as S
        vocab = S.vocabulary_for(pack)
        if out_dir is None:
            for name, file in S.FILES.items():
                out.print(f"{S.SCHEMA_DIR / file}  ({', '.join(S.GLOBS[name])})", markup=False)
            out.print("write them elsewhere with --out DIR", markup=False)
            return
        for path in S.write(out_dir, vocab):
            out.print(f"{path}", markup=False)

    @app.command("coverage")
    @_guard
    def coverage_(jurisdiction: str = typer.Argument(..., help="a jurisdiction name or a pack folder"),
                  fmt: ViewFormat = typer.Option(ViewFormat.text, "--format", help="text | html | json"),
                  output: Path | None = typer.Option(None, "--output", "-o", help="write to this file"),
                  fail_under: float | None = typer.Option(None, "--fail-under", help="exit 1 when fewer than N "
                                                             "percent of the rules' possible outcomes are exercised"),
                  show_all: bool = typer.Option(False, "--all", help="text: list complete articles and rules too"),
                  evaluator: str = typer.Option("reference", "--evaluator")):
        """Per article (paragraph, item): the rules that encode it, and the test cases that make each rule true,
        false and undetermined; rules never tested on an outcome they can have; citations that may name the wrong
        item."""
        from ..packs import pack_dir
        from . import coverage as C
        found = C.coverage_report(pack_dir(jurisdiction), evaluator)
        if fmt is ViewFormat.json:
            import json
            text = json.dumps(found.as_json(), ensure_ascii=False, indent=2) + "\n"
        elif fmt is ViewFormat.html:
            text = C.render_html(found)
        else:
            text = C.render_text(found, show_all)
        _emit(text, output, out)
        if fail_under is not None and found.percent < fail_under:
            report_line = (f"{found.pack}: {found.percent:.1f}% of the rules' possible outcomes exercised, under "
                           f"--fail-under {fail_under:g}")
            from ..cli import err
            err.print(report_line, markup=False)
            raise typer.Exit(1)

    @app.command("diff")
    @_guard
    def diff_(packs: list[Path] = typer.Argument(..., help="OLD_PACK NEW_PACK; with --git, one pack folder"),
              events: Path | None = typer.Option(None, "--events", help="the corpus, JSONL (default: the new "
                                                    "pack's corpus/*.jsonl)"),
              git: str | None = typer.Option(None, "--git", help="compare the pack folder with itself at this "
                                                "committed revision (HEAD, a tag, a commit)"),
              as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
              fmt: ViewFormat = typer.Option(ViewFormat.text, "--format", help="text | json | html"),
              output: Path | None = typer.Option(None, "--output", "-o", help="write to this file"),
              max_events: int = typer.Option(200, "--max-events", help="changed events listed one by one"),
              evaluator: str = typer.Option("reference", "--evaluator")):
        """Which determinations change between two packs over a corpus of events: by field (dishonesty level,
        list eligibility, sanctions added or removed, publication dates ...) and by rule, with counts and example
        event ids."""
        from ..errors import Diagnostic, Position, UsageError
        from ..packs import pack_dir
        from . import diff as D
        if git is not None:
            if len(packs) != 1:
                raise UsageError([Diagnostic("bad-option", "with --git, name one pack folder (it is compared with "
                                             "itself at the revision)", Position())])
            new = pack_dir(packs[0])
            corpus = events or D.default_corpus(new)
            with D.pack_at_revision(new, git) as old:
                found = D.diff_packs(old, new, corpus, as_of, evaluator=evaluator, max_events=max_events,
                                     old_label=f"{D.display_path(new)}@{git}")
        else:
            if len(packs) != 2:
                raise UsageError([Diagnostic("bad-option", "name two packs: OLD_PACK NEW_PACK (or one with --git "
                                             "REV)", Position())])
            old, new = pack_dir(packs[0]), pack_dir(packs[1])
            corpus = events or D.default_corpus(new)
            found = D.diff_packs(old, new, corpus, as_of, evaluator=evaluator, max_events=max_events)
        if fmt is ViewFormat.json:
            import json
            text = json.dumps(found.as_json(), ensure_ascii=False, indent=2) + "\n"
        elif fmt is ViewFormat.html:
            text = D.render_html(found)
        else:
            text = D.render_text(found)
        _emit(text, output, out)

    register_weave_and_new_pack(app)


def register_weave_and_new_pack(app) -> None:
    """Add `weave` and `new-pack` (issue 10 items 5 and 8; called from `register`)."""
    import typer

    from ..cli import _guard, out

    @app.command("weave")
    @_guard
    def weave_(jurisdiction: str = typer.Argument(..., help="a jurisdiction name or a pack folder"),
               output: Path | None = typer.Option(None, "--out", "-o", help="write the page to this file "
                                                  "(default: print it)"),
               lang: str = typer.Option("zh", "--lang", help="zh | en: the language of the plain-words rules"),
               evaluator: str = typer.Option("reference", "--evaluator")):
        """The pack woven with its law (Catala's literate style): each article's text, followed by the rules that
        cite it (condition and conclusion in plain words), its ledger status and the test cases of each rule."""
        from ..errors import Diagnostic, Position, UsageError
        from ..packs import pack_dir
        from . import weave as W
        if lang not in ("zh", "en"):
            raise UsageError([Diagnostic("bad-option", f"--lang must be zh or en, got `{lang}`", Position())])
        _emit(W.render_html(W.weave(pack_dir(jurisdiction), evaluator), lang), output, out)

    @app.command("new-pack")
    @_guard
    def new_pack_(jurisdiction: str = typer.Argument(..., help="the new pack's name (lower case, e.g. shaanxi)"),
                  text: Path = typer.Option(..., "--text", help="the regulation's text, a UTF-8 .txt file"),
                  title: str | None = typer.Option(None, "--title", help="the regulation's Chinese title "
                                                   "(default: the text's first line)"),
                  title_en: str | None = typer.Option(None, "--title-en", help="its English title"),
                  out_dir: Path | None = typer.Option(None, "--out", help="the folder to create (default: "
                                                      "policies/J)")):
        """Scaffold a pack from a law's text: pack.yaml, the article index, a ledger listing every article as still
        to do, an empty rule file and an empty test file; then say what remains (`creditrules validate` says the
        same)."""
        from ..load import display_path
        from . import newpack as N
        made = N.scaffold(jurisdiction, text, out=out_dir, title=title, title_en=title_en)
        for path in made.files:
            out.print(display_path(path), markup=False)
        out.print(f"{display_path(made.directory)}: {made.articles} articles. Still to do:", markup=False)
        for line in N.remaining(made.directory):
            out.print(f"  - {line}", markup=False)


def _emit(text: str, output: Path | None, console) -> None:
    import sys
    if output is not None:
        output.write_text(text, encoding="utf-8")
        console.print(f"{output}", markup=False)
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
