"""The `creditrules` command (CONTRACT.md section 1). Exit codes: 0 done; 1 input, pack or test invalid; 2 usage;
3 an internal error (a bug in creditrules, reported in one line).

Errors go to stderr as `file:line:col: error code: message (hint)`, with the offending line and a caret; a
traceback never reaches a user for bad input.
"""
from __future__ import annotations

import functools
import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from . import api
from .errors import CreditRulesError, Diagnostic, UsageError
from .load import display_path
from .packs import base_dirs, compiled_pack, pack_dirs
from .vocabulary import SECTIONS, default_vocabulary

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Evaluate credit events against Chinese social-credit regulations encoded as policy packs.")
out = Console(soft_wrap=True, highlight=False)
if not out.is_terminal:
    out = Console(soft_wrap=True, highlight=False, width=160)   # pipes and files: a fixed width; trees wrap
err = Console(stderr=True, soft_wrap=True, highlight=False)


class Fmt(str, Enum):
    json = "json"
    text = "text"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class EvaluatorName(str, Enum):
    reference = "reference"
    durable = "durable"


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


def report(diagnostics: list[Diagnostic], limit: int = 50) -> None:
    for d in diagnostics[:limit]:
        err.print(str(d), markup=False)
        line = _source_line(d)
        if line is not None and d.position.column:
            err.print(f"    {line}", markup=False)
            err.print("    " + " " * _display_width(line[: d.position.column - 1]) + "^", markup=False)
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
        except CreditRulesError as exc:
            report(exc.diagnostics)
            raise typer.Exit(1)
    return wrapper


def _summary_text(det) -> str:
    lines = [f"{det.event_id}: {det.pack.id} {det.pack.version} ({det.pack.status})",
             f"  dishonesty: {det.dishonesty.level}",
             f"  severe list: eligible={det.severe_list.eligible} criteria={', '.join(det.severe_list.criteria) or '-'}",
             f"  sanctions: {', '.join(s.id for s in det.sanctions) or '-'}",
             f"  incentives: {', '.join(i.id for i in det.incentives) or '-'}",
             "  publication: " + (f"{det.publication.disclosure or 'disclosure not fixed'}, {det.publication.start} -> "
                                  f"{det.publication.max_end or 'end not fixed'}" if det.publication.citations else "-"),
             f"  repair: eligible={det.repair.eligible} earliest={det.repair.earliest}",
             *(f"  deadline {d.id}: {d.due}" for d in det.deadlines),
             *(f"  decision {d.id}: {d.value}" + (f" until {d.until}" if d.until else "") for d in det.decisions)]
    if det.missing_facts:
        lines.append(f"  missing facts: {', '.join(det.missing_facts)}")
    lines += [f"  warning: {w}" for w in det.warnings]
    return "\n".join(lines)


def _is_batch(event_file: str) -> bool:
    return event_file == "-" or Path(event_file).suffix.lower() == ".jsonl"


def _evaluate_batch(event_file: str, jurisdiction: str, as_of: Optional[str], fmt: Fmt, evaluator: str, lang: str,
                    trace: str) -> int:
    """Stream a JSONL batch: one output line per input record, in input order, written as it is produced; a bad
    record is an error record in place (and a line on stderr). Data never goes through rich."""
    from .records import iter_jsonl
    if event_file != "-" and not Path(event_file).is_file():
        api.read_event(event_file)          # raises the file-missing error
    source = sys.stdin.buffer if event_file == "-" else Path(event_file)
    where = "<stdin>" if event_file == "-" else event_file
    write = sys.stdout.buffer.write
    failed = False
    for item in api.evaluate_records(iter_jsonl(source), jurisdiction, as_of, evaluator=evaluator, lang=lang,
                                     trace=trace, where=where):
        if item.error is not None:
            failed = True
            for d in item.error.diagnostics:
                position = f"{where}:{item.line}" if item.line else where
                sys.stderr.write(f"{position}: error {d.code}: {d.message}" + (f" ({d.hint})" if d.hint else "") + "\n")
        if fmt is Fmt.json:
            write(item.to_json() + b"\n")
        elif item.error is None:
            write((f"line {item.line}: " + _summary_text(item.determination) + "\n").encode("utf-8"))
    sys.stdout.flush()
    return 1 if failed else 0


@app.command()
@_guard
def evaluate(event_file: str = typer.Argument(..., help="one event (YAML/JSON), or many (JSONL, one per line; - for "
                                                       "standard input)"),
             jurisdiction: str = typer.Option(..., "--jurisdiction", "-j", help="henan, jilin, xinjiang, bingtuan, or a pack folder"),
             as_of: Optional[str] = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
             fmt: Fmt = typer.Option(Fmt.json, "--format"),
             evaluator: EvaluatorName = typer.Option(EvaluatorName.reference, "--evaluator"),
             lang: Lang = typer.Option(Lang.en, "--lang", help="language of the engine's own words"),
             trace: Optional[TraceLevel] = typer.Option(None, "--trace", help="full | fired | none (default: full for "
                                                        "one event, fired for a batch)")):
    """Evaluate one event, or a JSONL batch (a bad line is reported in place; every good line is still evaluated)."""
    if _is_batch(event_file):
        raise typer.Exit(_evaluate_batch(event_file, jurisdiction, as_of, fmt, evaluator.value, lang.value,
                                         (trace or TraceLevel.fired).value))
    det = api.evaluate(event_file, jurisdiction, as_of, evaluator=evaluator.value, lang=lang.value,
                       trace=(trace or TraceLevel.full).value)
    if fmt is Fmt.json:
        import orjson
        sys.stdout.buffer.write(orjson.dumps(det.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        out.print(_summary_text(det), markup=False)


@app.command()
@_guard
def explain(event_file: Path = typer.Argument(..., help="one event (YAML/JSON)"),
            jurisdiction: str = typer.Option(..., "--jurisdiction", "-j"),
            as_of: Optional[str] = typer.Option(None, "--as-of"),
            sanction: Optional[str] = typer.Option(None, "--sanction", help="explain only this sanction"),
            why_not: Optional[str] = typer.Option(None, "--why-not", help="why a sanction/incentive/decision/rule does not apply"),
            lang: Lang = typer.Option(Lang.zh, "--lang")):
    """Why: every conclusion with the rule, the article's own words and the facts behind it."""
    from .determination import Determination
    from .explain import explanation_tree, known_outcome_ids, unknown_outcome, why_not_tree
    found = api.evaluation(event_file, jurisdiction, as_of, lang=lang.value)
    if why_not:
        out.print(why_not_tree(found, why_not, lang.value), soft_wrap=False)   # wrap, never crop the law
        return
    det = Determination.model_validate(found.determination)
    if sanction and sanction not in {s.id for s in det.sanctions}:
        if sanction not in known_outcome_ids(found.plan):
            raise unknown_outcome(found.plan, sanction)
        out.print(f"sanction {sanction} does not apply to {det.event_id}; run with --why-not {sanction} to see why", markup=False)
        return
    out.print(explanation_tree(det, lang.value, sanction), soft_wrap=False)


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
def validate(packs: Optional[List[Path]] = typer.Argument(None, help="pack folders (default: every pack)")):
    """Check packs: YAML shape, vocabulary, citations against the held text, rule references, the article ledger."""
    from .load import load_pack_dir
    from .validate import validate_pack
    failed = False
    for directory in [b for d in (packs or pack_dirs()) for b in base_dirs(Path(d))]:
        try:
            pack = load_pack_dir(directory)
            vocab = default_vocabulary()
        except CreditRulesError as exc:
            report(exc.diagnostics)
            err.print(f"{directory}: invalid ({len(exc.diagnostics)} errors)", markup=False)
            failed = True
            continue
        result = validate_pack(pack, vocab)
        s = result.summary
        if result.errors:
            report(result.errors)
            failed = True
        out.print(f"{pack.id}{' + ' + ', '.join(pack.layers) if pack.layers else ''}: {'ok' if result.ok else 'INVALID'} — "
                  f"{len(pack.rules)} rules, {len(pack.tests)} test cases; "
                  f"{s.articles} articles: {s.encoded} encoded, {s.declaratory} declaratory, {s.out_of_scope} out of scope"
                  + (f", {s.pack_metadata} in pack.yaml" if s.pack_metadata else "") + "; "
                  + f"{s.gaps} ledger gaps, {s.unresolved_citations} unresolved citations"
                  + (f", {len(result.errors)} errors" if result.errors else ""), markup=False)
    raise typer.Exit(1 if failed else 0)


@app.command("test")
def test_(packs: Optional[List[Path]] = typer.Argument(None, help="pack folders (default: every pack)"),
          evaluator: EvaluatorName = typer.Option(EvaluatorName.reference, "--evaluator"),
          show_coverage: bool = typer.Option(False, "--coverage", help="list the rules no test case fires")):
    """Run the YAML test cases shipped with each pack."""
    from .testing import coverage, run_pack_tests
    total = failed_count = 0
    for directory in [b for d in (packs or pack_dirs()) for b in base_dirs(Path(d))]:
        try:
            results = run_pack_tests(directory, evaluator.value)
        except CreditRulesError as exc:
            report(exc.diagnostics)
            err.print(f"{directory}: pack invalid, tests not run", markup=False)
            failed_count += 1
            continue
        bad = [r for r in results if not r.ok]
        total += len(results)
        failed_count += len(bad)
        for r in bad:
            err.print(f"FAIL {r.case.pos}: {r.case.name}", markup=False)
            for line in r.failures:
                err.print(f"    {line}", markup=False)
        out.print(f"{display_path(Path(directory))}: {len(results) - len(bad)} passed, {len(bad)} failed", markup=False)
        if show_coverage:
            n_rules, unfired = coverage(directory, results)
            out.print(f"  coverage: {n_rules - len(unfired)}/{n_rules} rules fired by at least one case", markup=False)
            for rule in unfired:
                out.print(f"    never fired: {rule.pos}: {rule.id}", markup=False)
    out.print(f"{total - failed_count} passed, {failed_count} failed", markup=False)
    raise typer.Exit(1 if failed_count else 0)


@app.command()
def vocab(fmt: Fmt = typer.Option(Fmt.text, "--format")):
    """Event kinds, conduct tags and facts, with zh labels and the articles (per pack) that read them."""
    from .plan.render import reads_names
    v = default_vocabulary()
    readers: dict[tuple[str, str], set[str]] = {}
    for directory in pack_dirs():
        try:
            compiled = compiled_pack(directory)
        except CreditRulesError:
            continue
        for rule in compiled.rules:
            labels = {f"{compiled.pack.id} {compiled.provisions[c].compact}" for c in rule.cites}
            for key in reads_names(rule.condition):
                readers.setdefault(key, set()).update(labels)
    data = {section: {name: {"zh": t.zh, "en": t.en, **({"type": t.type} if t.type else {}),
                             **({"values": list(t.values)} if t.values else {}),
                             "read_by": sorted(readers.get((section, name), set()))}
                      for name, t in v.names(section).items()} for section in SECTIONS}
    if fmt is Fmt.json:
        out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False)
        return
    for section, entries in data.items():
        out.print(f"[bold]{section}[/bold]")
        for name, t in entries.items():
            extra = f" ({t['type']}{': ' + ', '.join(t['values']) if t.get('values') and t['type'] == 'enum' else ''})" if "type" in t else ""
            reads = f"  [dim]read by {', '.join(t['read_by'][:6])}{' ...' if len(t['read_by']) > 6 else ''}[/dim]" if t["read_by"] else ""
            out.print(f"  {name}{extra} — {t['zh']} / {t['en']}{reads}")


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
    import os
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence, reported plainly
        if os.environ.get("CREDITRULES_DEBUG"):
            raise
        err.print(f"internal error in creditrules: {exc.__class__.__name__}: {exc} (this is a bug, not your input; "
                  "run again with CREDITRULES_DEBUG=1 for the details and report them)", markup=False)
        sys.exit(3)


if __name__ == "__main__":
    main()
