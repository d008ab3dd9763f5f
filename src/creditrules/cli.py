"""The `creditrules` command (CONTRACT.md section 1). Exit codes: 0 done; 1 input, pack or test invalid; 2 usage;
3 an internal error (a bug in creditrules, reported in one line).

Errors go to stderr as `file:line:col: error code: message (hint)`, with the offending line and a caret; a
traceback never reaches a user for bad input.
"""
from __future__ import annotations

import functools
import json
import re
import sys
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console

from . import api
from .batch.formats import InputFormat, OutputFormat
from .errors import CreditRulesError, Diagnostic, InputError, UsageError
from .load import display_path
from .packs import base_dirs, compiled_pack, pack_dirs
from .tools import register as register_tools
from .vocabulary import SECTIONS, default_vocabulary

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Evaluate credit events against Chinese social-credit regulations encoded as policy packs.")
out = Console(soft_wrap=True, highlight=False, emoji=False)       # `l100.jsonl:100:` must not become an emoji
if not out.is_terminal:
    out = Console(soft_wrap=True, highlight=False, width=160, emoji=False)   # pipes and files: a fixed width
err = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)


class Fmt(str, Enum):
    json = "json"
    text = "text"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class EvaluatorName(str, Enum):
    reference = "reference"
    durable = "durable"
    columnar = "columnar"


class TraceLevel(str, Enum):
    full = "full"
    fired = "fired"
    none = "none"


def _source_line(d: Diagnostic) -> str | None:
    try:
        lines = Path(d.position.file).read_text(encoding="utf-8").splitlines()
        return lines[d.position.line - 1] if 0 < d.position.line <= len(lines) else None
    except (OSError, UnicodeDecodeError):
        return None


_PERSONAL = re.compile(r"(\b(?:name|id|number)[\"']?\s*:\s*)(\"[^\"]*\"|'[^']*'|[^,}\]#]+)")


def _masked(line: str) -> str:
    """An event's line as an error shows it: the values of `name`, `id` and `number` (names, ID numbers, credit
    codes, document numbers) are never repeated in a message (privacy)."""
    return _PERSONAL.sub(lambda m: m.group(1) + "…", line)


def _is_event_data(d: Diagnostic) -> bool:
    return "tests" in Path(d.position.file or "").parts


def report(diagnostics: list[Diagnostic], limit: int = 50, events: bool = False, lang: str = "en") -> None:
    """Each diagnostic (in Chinese with lang zh where it has Chinese words: `Diagnostic.text`), then its line with
    a caret; the lines of event data (an event file, a pack's test cases) with names and identifiers masked."""
    for d in diagnostics[:limit]:
        err.print(d.text(lang), markup=False)
        line = _source_line(d)
        if line is None or not d.position.column:
            continue
        before = line[: d.position.column - 1]
        if events or _is_event_data(d):
            line, before = _masked(line), _masked(before)       # the caret stays under the same item
        err.print(f"    {line}", markup=False)
        err.print("    " + " " * _display_width(before) + "^", markup=False)
    if len(diagnostics) > limit:
        err.print(f"... and {len(diagnostics) - limit} more", markup=False)


def _display_width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _guard(fn):
    """Bad input -> plain diagnostics and exit 1; a wrong call (unknown jurisdiction, evaluator) exit 2; never a
    traceback. Anything else is a bug in creditrules: `main` reports it in one line, exit 3."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UsageError as exc:
            report(exc.diagnostics)
            raise typer.Exit(2)
        except InputError as exc:                       # an event's lines hold names and ID numbers: masked
            report(exc.diagnostics, events=True, lang=getattr(kwargs.get("lang"), "value", "en"))
            raise typer.Exit(1)
        except CreditRulesError as exc:
            report(exc.diagnostics, lang=getattr(kwargs.get("lang"), "value", "en"))
            raise typer.Exit(1)
    return wrapper


def _summary_text(det, lang: str = "zh") -> str:
    """A determination in a few lines of words, in `lang` (explain/summary.py): no Python values."""
    from .explain.summary import summary_text
    return summary_text(det, lang)


def _is_batch(event_file: str, input_format: Optional[InputFormat] = None) -> bool:
    from .batch.formats import is_batch_file
    return is_batch_file(event_file, input_format.value if input_format else None)


def _evaluate_batch(event_file: str, jurisdiction: str, as_of: Optional[str], fmt: Fmt, evaluator: Optional[str],
                    lang: str, trace: str, workers: Optional[int] = None, output: Optional[str] = None,
                    output_format: Optional[OutputFormat] = None, input_format: Optional[InputFormat] = None,
                    quiet: bool = False, table: Optional[str] = None) -> int:
    """A batch (JSONL, CSV, Parquet; `-` for stdin) through creditrules.batch: streamed, in input order, on every
    core; a bad record is an error record in place and a line on stderr. Data never goes through rich."""
    from .batch.cli import evaluate_batch
    return evaluate_batch(event_file, jurisdiction, as_of,
                          text=(lambda det: _summary_text(det, lang)) if fmt is Fmt.text else None,
                          evaluator=evaluator, lang=lang, trace=trace, workers=workers, output=output,
                          output_format=output_format.value if output_format else None,
                          input_format=input_format.value if input_format else None, quiet=quiet, table=table)


@app.command()
@_guard
def evaluate(event_file: str = typer.Argument(..., help="one event (YAML/JSON), or a batch: .jsonl (- for "
                                                       "standard input), .csv or .parquet"),
             jurisdiction: str = typer.Option(..., "--jurisdiction", "-j", help="henan, jilin, xinjiang, bingtuan, or a pack folder"),
             as_of: Optional[str] = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
             fmt: Fmt = typer.Option(Fmt.json, "--format"),
             evaluator: Optional[EvaluatorName] = typer.Option(None, "--evaluator", help="reference | columnar | "
                                                               "durable (default: reference; a batch to the flat "
                                                               "Parquet table: columnar)"),
             lang: Lang = typer.Option(Lang.zh, "--lang", help="language of the engine's own words (default zh, as "
                                       "for every command)"),
             trace: Optional[TraceLevel] = typer.Option(None, "--trace", help="full | fired | none (default: full for "
                                                        "one event, fired for a batch)"),
             workers: Optional[int] = typer.Option(None, "--workers", help="batch: worker processes (default: every "
                                                   "core; 1 = in this process)"),
             output: Optional[str] = typer.Option(None, "--output", "-o", help="batch: write here (default stdout)"),
             output_format: Optional[OutputFormat] = typer.Option(None, "--output-format", help="batch: jsonl | "
                                                                  "parquet (default: from --output's suffix)"),
             input_format: Optional[InputFormat] = typer.Option(None, "--input-format", help="batch: jsonl | csv | "
                                                                "parquet (default: from the suffix)"),
             table: Optional[str] = typer.Option(None, "--table", help="batch to Parquet: flat (the columns, the "
                                                 "default) | full (and each determination's JSON)"),
             quiet: bool = typer.Option(False, "--quiet", "-q", help="batch: no progress bar, no summary line"),
             apply_out_of_force: bool = typer.Option(False, "--apply-out-of-force", help="conduct before the pack was "
                                                     "in force: apply its new consequences too (default: withheld, "
                                                     "立法法 art. 104), labelled as such")):
    """Evaluate one event, or a batch: JSONL, CSV or Parquet, `-` for JSONL on stdin (a bad record is reported in
    place; every good one is still evaluated, in input order)."""
    if _is_batch(event_file, input_format) and apply_out_of_force:
        from .errors import Position
        raise UsageError([Diagnostic("bad-option", "--apply-out-of-force is for one event (evaluate, explain) and "
                                     "the library (evaluate_many(..., apply_out_of_force=True)); batches withhold",
                                     Position())])
    if _is_batch(event_file, input_format):
        raise typer.Exit(_evaluate_batch(event_file, jurisdiction, as_of, fmt, evaluator.value if evaluator else None,
                                         lang.value, (trace or TraceLevel.fired).value, workers, output,
                                         output_format, input_format, quiet, table))
    if workers is not None or output is not None or output_format is not None or table is not None:
        from .errors import Position
        raise UsageError([Diagnostic("bad-option", "--workers, --output, --output-format and --table are for "
                                     "batches (.jsonl, .csv, .parquet or -)", Position())])
    det = api.evaluate(event_file, jurisdiction, as_of, evaluator=(evaluator or EvaluatorName.reference).value,
                       lang=lang.value,
                       trace=(trace or TraceLevel.full).value, apply_out_of_force=apply_out_of_force)
    if fmt is Fmt.json:
        import orjson
        sys.stdout.buffer.write(orjson.dumps(det.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        out.print(_summary_text(det, lang.value), markup=False)


from .batch.cli import register as _register_batch; _register_batch(app)  # noqa: E402,E702,I001 - batch IN OUT


class ExplainFormat(str, Enum):
    text = "text"
    html = "html"
    json = "json"
    pdf = "pdf"


@app.command()
@_guard
def explain(event_file: Path = typer.Argument(..., help="one event (YAML/JSON)"),
            jurisdiction: str = typer.Option(..., "--jurisdiction", "-j"),
            as_of: Optional[str] = typer.Option(None, "--as-of"),
            sanction: Optional[str] = typer.Option(None, "--sanction", help="explain only this sanction"),
            why_not: Optional[str] = typer.Option(None, "--why-not", help="why a sanction/incentive/decision/rule "
                                                  "does not apply, down to the facts, and the smallest change"),
            lang: Lang = typer.Option(Lang.zh, "--lang"),
            fmt: ExplainFormat = typer.Option(ExplainFormat.text, "--format", help="text | html (one self-contained "
                                              "page) | json (the explanation as data) | pdf (the HTML page, printed "
                                              "by headless Chromium; needs --output)"),
            full_text: bool = typer.Option(False, "--full-text", help="the whole provision, not its first clause"),
            output: Optional[Path] = typer.Option(None, "--output", "-o", help="write to this file (default: "
                                                  "standard output)"),
            apply_out_of_force: bool = typer.Option(False, "--apply-out-of-force", help="conduct before the pack "
                                                    "was in force: apply its new consequences too")):
    """Why: the verdict in one line, then every conclusion with its rule and the article's own words."""
    from .explain import (
        explanation_data,
        explanation_tree,
        known_outcome_ids,
        unknown_outcome,
        why_not_data,
        why_not_tree,
    )
    found = api.evaluation(event_file, jurisdiction, as_of, lang=lang.value, apply_out_of_force=apply_out_of_force)
    if sanction and sanction not in {s["id"] for s in found.determination["sanctions"]}:
        if sanction not in known_outcome_ids(found.plan):
            raise unknown_outcome(found.plan, sanction)
        if not why_not:
            why_not = sanction                 # a sanction that does not apply: say why not
    if fmt is ExplainFormat.text:
        renderable = (why_not_tree(found, why_not, lang.value) if why_not else
                      explanation_tree(found, lang.value, sanction, full_text=full_text))
        if output is None:
            out.print(renderable, soft_wrap=False)   # wrap, never crop the law
        else:
            with output.open("w", encoding="utf-8") as handle:
                Console(file=handle, soft_wrap=False, highlight=False, width=100, color_system=None).print(renderable)
        return
    if fmt is ExplainFormat.json:
        import orjson
        data = why_not_data(found, why_not, lang.value) if why_not else explanation_data(found, lang.value,
                                                                                         sanction=sanction)
        body = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"
    else:
        from .explain.html import render_html, render_why_not_html
        page = (render_why_not_html(why_not_data(found, why_not, lang.value)) if why_not else
                render_html(explanation_data(found, lang.value, sanction=sanction)))
        if fmt is ExplainFormat.pdf:
            from .errors import Position
            from .explain.pdf import html_to_pdf
            if output is None:
                raise UsageError([Diagnostic("bad-option", "--format pdf writes a file: give --output FILE.pdf",
                                             Position())])
            html_to_pdf(page, output)
            return
        body = page.encode("utf-8")
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        output.write_bytes(body)


@app.command()
@_guard
def plan(jurisdiction: str = typer.Argument(..., help="a jurisdiction name or a pack folder"),
         fmt: Fmt = typer.Option(Fmt.text, "--format")):
    """The evaluation plan the pack compiles to: strata, rules, condition nodes, conclusions, the fact schema."""
    from .plan.render import plan_text
    compiled = api.plan_for(jurisdiction)
    if fmt is Fmt.json:
        import orjson
        sys.stdout.buffer.write(orjson.dumps(compiled.summary(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        sys.stdout.write(plan_text(compiled))


@app.command()
def validate(packs: Optional[List[Path]] = typer.Argument(None, help="pack folders (default: every pack)"),
             lang: Lang = typer.Option(Lang.zh, "--lang", help="language of YAML syntax errors and unknown names (default zh)")):
    """Check packs: YAML shape, vocabulary, citations against the held text, rule references, the article ledger,
    and every test case (its event, its expectation paths and values; a case that asserts nothing)."""
    from .load import load_pack_dir
    from .tools.schema import vocabulary_for
    from .validate import validate_pack
    failed = False
    for directory in [b for d in (packs or pack_dirs()) for b in base_dirs(Path(d))]:
        try:
            pack = load_pack_dir(directory)
            vocab = vocabulary_for(directory)          # the library's, plus the pack's own vocabulary/ additions
        except CreditRulesError as exc:
            report(exc.diagnostics, lang=lang.value)
            err.print(f"{directory}: invalid ({len(exc.diagnostics)} errors)", markup=False)
            failed = True
            continue
        result = validate_pack(pack, vocab)
        s = result.summary
        if result.errors:
            report(result.errors, lang=lang.value)
            failed = True
        if result.warnings:
            report(result.warnings, lang=lang.value)
        out.print(f"{pack.id}{' + ' + ', '.join(pack.layers) if pack.layers else ''}: {'ok' if result.ok else 'INVALID'} — "
                  f"{len(pack.rules)} rules, {len(pack.tests)} test cases; "
                  f"{s.articles} articles: {s.encoded} encoded, {s.declaratory} declaratory, {s.out_of_scope} out of scope"
                  + (f", {s.pack_metadata} in pack.yaml" if s.pack_metadata else "") + "; "
                  + f"{s.gaps} ledger gaps, {s.unresolved_citations} unresolved citations"
                  + (f", {len(result.errors)} errors" if result.errors else "")
                  + (f", {len(result.warnings)} warnings" if result.warnings else ""), markup=False)
    raise typer.Exit(1 if failed else 0)


class TestFmt(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"


@app.command("test")
@_guard
def test_(packs: Optional[List[str]] = typer.Argument(None, help="pack folders, a pack's tests/ folder, test files, "
                                                                 "a folder of packs or jurisdiction names (default: "
                                                                 "every pack)"),
          evaluator: EvaluatorName = typer.Option(EvaluatorName.reference, "--evaluator"),
          show_coverage: bool = typer.Option(False, "--coverage", help="list the rules no test case fires (per "
                                             "article and outcome: `creditrules coverage J`)"),
          pattern: Optional[str] = typer.Option(None, "-k", help="only cases whose `file::name` matches: words "
                                                "(substrings, any case) with and / or / not"),
          fmt: TestFmt = typer.Option(TestFmt.text, "--format", help="text | json | junit (JUnit XML, for CI)"),
          lang: Lang = typer.Option(Lang.zh, "--lang", help="language of YAML syntax errors and unknown names (default zh)")):
    """Run the YAML test cases shipped with each pack. Exit 1 when a case fails or a pack is invalid."""
    from .tools.testing import coverage, report_json, report_junit, run_selection, select
    result = run_selection(select(packs), evaluator.value, pattern)
    if fmt is TestFmt.json:
        sys.stdout.buffer.write(json.dumps(report_json(result), ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    elif fmt is TestFmt.junit:
        sys.stdout.buffer.write(report_junit(result))
    for run in result.runs:
        if not run.valid:
            report(run.errors, lang=lang.value)
            err.print(f"{display_path(run.directory)}: pack invalid, tests not run", markup=False)
            continue
        for r in run.results:
            if not r.ok:
                err.print(f"FAIL {r.case.pos}: {r.case.name}", markup=False)
                for line in r.failures:
                    err.print(f"    {line}", markup=False)
        if fmt is not TestFmt.text:
            continue
        out.print(f"{display_path(run.directory)}: {run.passed} passed, {run.failed} failed", markup=False)
        if show_coverage:
            n_rules, unfired = coverage(run.directory, run.results)
            out.print(f"  coverage: {n_rules - len(unfired)}/{n_rules} rules fired by at least one case", markup=False)
            for rule in unfired:
                out.print(f"    never fired: {rule.pos}: {rule.id}", markup=False)
    if fmt is TestFmt.text:
        out.print(result.summary(), markup=False)
    raise typer.Exit(0 if result.ok else 1)


@app.command()
@_guard
def vocab(jurisdiction: Optional[str] = typer.Option(None, "--jurisdiction", "-j", help="only the names this pack "
                                                     "reads: the core set and its own vocabulary.yaml (default: "
                                                     "every pack's)"),
          fmt: Fmt = typer.Option(Fmt.text, "--format")):
    """Event kinds, conduct tags and facts, with zh labels, where each is declared (the library's core.yaml or a
    pack's vocabulary.yaml) and the articles (per pack) that read them."""
    from .plan.render import reads_names
    from .vocabulary import shown
    plans = [api.plan_for(jurisdiction)] if jurisdiction else []
    if not jurisdiction:
        for directory in pack_dirs():
            try:
                plans.append(compiled_pack(directory))
            except CreditRulesError:
                continue
    readers: dict[tuple[str, str], set[str]] = {}
    terms: dict[tuple[str, str], Any] = {}
    declared: dict[tuple[str, str], list[str]] = {}
    for compiled in plans:
        for rule in compiled.rules:
            labels = {f"{compiled.pack.id} {compiled.provisions[c].compact}" for c in rule.cites}
            for key in reads_names(rule.condition):
                readers.setdefault(key, set()).update(labels)
        for section in SECTIONS:
            for name, t in compiled.vocab.names(section).items():
                terms.setdefault((section, name), t)
                where = declared.setdefault((section, name), [])
                if shown(t.declared_in) not in where:
                    where.append(shown(t.declared_in))
    if not plans:
        for section in SECTIONS:
            for name, t in default_vocabulary().names(section).items():
                terms[section, name], declared[section, name] = t, [shown(t.declared_in)]
    data = {section: {name: {"zh": t.zh, "en": t.en, **({"type": t.type} if t.type else {}),
                             **({"values": list(t.values)} if t.values else {}),
                             "declared_in": declared[section, name],
                             "read_by": sorted(readers.get((section, name), set()))}
                      for (sec, name), t in sorted(terms.items()) if sec == section} for section in SECTIONS}
    if fmt is Fmt.json:
        out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False)
        return
    for section, entries in data.items():
        out.print(section, markup=False)
        for name, e in entries.items():
            extra = (f" ({e['type']}{': ' + ', '.join(e['values']) if e.get('values') and e['type'] == 'enum' else ''})"
                     if "type" in e else "")
            reads = (f"  read by {', '.join(e['read_by'][:6])}{' ...' if len(e['read_by']) > 6 else ''}"
                     if e["read_by"] else "")
            out.print(f"  {name}{extra} — {e['zh']} / {e['en']}  [{', '.join(e['declared_in'])}]{reads}",
                      markup=False)


@app.command()
def index(packs: Optional[List[Path]] = typer.Argument(None, help="pack folders (default: every pack)")):
    """Write each document's article index (source/<doc>.articles.yaml) from its text, as the parser reads it."""
    from .lawtext import index_path, render_index
    from .load import load_pack_dir
    failed = False
    for directory in packs or pack_dirs():
        try:
            pack = load_pack_dir(directory)
        except CreditRulesError as exc:
            report(exc.diagnostics)
            failed = True
            continue
        for doc in pack.documents.values():
            if doc.law is None:
                continue
            path = index_path(doc.source)
            text = render_index(doc.law, doc.source.name, doc.source.read_text(encoding="utf-8"))
            changed = not path.is_file() or path.read_text(encoding="utf-8") != text
            path.write_text(text, encoding="utf-8")
            out.print(f"{display_path(path)}: {len(doc.law.articles)} articles" + (" (updated)" if changed else " (unchanged)"),
                      markup=False)
    raise typer.Exit(1 if failed else 0)


@app.command()
@_guard
def source(jurisdiction: str = typer.Argument(...), article: Optional[int] = typer.Argument(None),
           document: Optional[str] = typer.Option(None, "--document")):
    """Show the law text a pack holds, as the parser read it (articles, paragraphs, items)."""
    from .lawtext import int_to_cn
    from .load import load_pack_dir
    from .packs import pack_dir
    pack = load_pack_dir(pack_dir(jurisdiction))
    from .errors import InputError, Position, did_you_mean
    doc = pack.documents.get(document or pack.default_document)
    if doc is None or doc.law is None:
        raise UsageError([Diagnostic("unknown-document", f"no document `{document}` with a held text in pack {pack.id}",
                                     Position(), did_you_mean(str(document), pack.documents))])
    numbers = [article] if article else sorted(doc.law.articles)
    for n in numbers:
        a = doc.law.articles.get(n)
        if a is None:
            raise InputError([Diagnostic("unknown-article", f"article {n} is not in the held text of {doc.id} "
                                         f"(1-{max(doc.law.articles)})", Position())])
        out.print(f"[bold]第{int_to_cn(n)}{doc.law.article_word}[/bold]" + (f"【{a.title}】" if a.title else "") + f"  ({a.chapter or ''}; {doc.source.name}:{a.line})")
        for p in a.paragraphs:
            out.print(f"  {p.number}. {p.text}", markup=False)
            for i in p.items:
                out.print(f"     ({i.number}) {i.text}", markup=False)


_ORIGINS = {"path": "folder path", "env": "$CREDITRULES_POLICIES", "cwd": "./policies", "installed": "installed"}


@app.command("packs")
@_guard
def packs_(fmt: Fmt = typer.Option(Fmt.text, "--format")):
    """Each jurisdiction found ($CREDITRULES_POLICIES, ./policies, installed): where it resolves, versions, status,
    digest. Exit 1 when a pack is invalid."""
    from .workspace import default_workspace
    ws = default_workspace()
    rows, invalid = [], []
    for loc in ws.jurisdictions():
        row = {"jurisdiction": loc.name, "source": str(loc.folder), "origin": loc.origin,
               "shadows": [{"source": str(folder), "origin": origin} for origin, folder in loc.shadowed]}
        try:
            loaded = ws.loaded(loc.folder)
            row.update(id=loaded.pack.id, status="ok", digest=loaded.digest, layers=list(loaded.pack.layers),
                       versions=[{"id": v.id, "status": v.status,
                                  "effective_from": v.effective_from.isoformat() if v.effective_from else None,
                                  "effective_to": v.effective_to.isoformat() if v.effective_to else None}
                                 for v in loaded.pack.versions], errors=[])
        except CreditRulesError as exc:
            invalid.append(exc)
            row.update(id=None, status="invalid", digest=ws.digest(loc.folder), layers=[], versions=[],
                       errors=[d.as_dict() for d in exc.diagnostics])
        rows.append(row)
    if fmt is Fmt.json:
        out.print(json.dumps(rows, ensure_ascii=False, indent=2), markup=False)
    else:
        if not rows:
            out.print("no policy packs found in " + ", ".join(f"{root} ({_ORIGINS[o]})" for o, root in ws.roots()),
                      markup=False)
        for row in rows:
            versions = "; ".join(f"{v['id']} {v['status']}" + (f" from {v['effective_from']}" if v["effective_from"] else "")
                                 + (f" to {v['effective_to']}" if v["effective_to"] else "") for v in row["versions"])
            out.print(f"{row['jurisdiction']}: {row['status']}" + (f" ({len(row['errors'])} errors)" if row["errors"] else "")
                      + (f" — {versions}" if versions else "")
                      + (f" + {', '.join(row['layers'])}" if row["layers"] else ""), markup=False)
            out.print(f"  source: {row['source']} ({_ORIGINS[row['origin']]})", markup=False)
            for shadow in row["shadows"]:
                out.print(f"  shadows: {shadow['source']} ({_ORIGINS[shadow['origin']]})", markup=False)
            out.print(f"  digest: {row['digest']}", markup=False)
        for exc in invalid:
            report(exc.diagnostics, limit=10)
    raise typer.Exit(1 if invalid else 0)


register_tools(app)        # schema, coverage, diff (creditrules/tools)


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("creditrules")
    except Exception:  # noqa: BLE001 - not installed (a bare checkout on sys.path): the package's own number
        from . import __version__
        return __version__


def _print_version(value: bool) -> None:
    if value:
        out.print(f"creditrules {_version()}", markup=False)
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                          help="print `creditrules <version>` and exit")):
    pass


def main() -> None:
    """Entry point: bad input exits 1 with its place (see _guard); a bug in creditrules itself exits 3 with one
    line saying so, never a traceback (set CREDITRULES_DEBUG=1 to see it)."""
    import errno
    import os
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        sys.stderr.write("creditrules: interrupted\n")
        sys.exit(130)
    except SystemExit:
        raise
    except BrokenPipeError:             # `| head -1`: the reader left; what was written is whole lines
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error at exit
        except OSError:
            pass
        sys.exit(141)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EBADF, errno.EROFS, errno.EACCES):
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except OSError:
                pass
            sys.stderr.write(f"creditrules: cannot write the output: {exc.strerror or exc}\n")
            sys.exit(1)
        if os.environ.get("CREDITRULES_DEBUG"):
            raise
        err.print(f"internal error in creditrules: {exc.__class__.__name__}: {exc} (this is a bug, not your input; "
                  "run again with CREDITRULES_DEBUG=1 for the details and report them)", markup=False)
        sys.exit(3)
    except Exception as exc:  # noqa: BLE001 - the last line of defence, reported plainly
        if os.environ.get("CREDITRULES_DEBUG"):
            raise
        err.print(f"internal error in creditrules: {exc.__class__.__name__}: {exc} (this is a bug, not your input; "
                  "run again with CREDITRULES_DEBUG=1 for the details and report them)", markup=False)
        sys.exit(3)


from .serve.cli import register as _register_serve; _register_serve(app)  # noqa: E402,E702 - serve, log show|replay

if __name__ == "__main__":
    main()
