"""The YAML test runner: each pack's `tests/*.yaml` cases, as `creditrules test` and as pytest items.

A case's `expect` maps a path in the determination to the value the article text requires. Lists of objects
(`sanctions`, `incentives`, `deadlines`, `decisions`, `severe_list.procedure`) are addressed and compared by `id`,
`citations` by compact form (`33.1.2` applied; `20.1.2 (not_applied)`, `55 (undetermined)` in the other roles), other
lists as sets; `{includes: [...]}`, `{excludes: [...]}` and
`{contains: "..."}` test part of one.

Before a case runs it is checked statically (`tools.expect.check_case`): a typo'd path, an id no rule can produce,
a case that asserts nothing fail it, with the place in the test file. Each case is evaluated with the full trace,
so `CaseResult.outcomes` holds every rule's outcome (for `creditrules coverage`).

`select(targets)` turns what a user names (a pack folder, its `tests/` folder, one test file, a folder of packs, a
jurisdiction name) into the packs and files to run; `run_selection(...)` runs them with an optional `-k` pattern
and returns a `TestReport` that counts an invalid pack as invalid (never as a failed case); `report_json` and
`report_junit` render it for a CI system.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import orjson

from .. import model as m
from ..backends import DEFAULT as DEFAULT_EVALUATOR
from ..engine.assemble import determine
from ..errors import CreditRulesError, Diagnostic, Position, UsageError
from ..event import parse_event
from ..workspace import default_workspace
from .expect import _SubDoc, check_case, producible_ids

__all__ = ["CaseResult", "PackRun", "TestReport", "check_expectation", "compact_citation", "coverage", "match",
           "report_json", "report_junit", "run_case", "run_pack_tests", "run_selection", "select", "_SubDoc"]

_ID_LISTS = {"sanctions", "incentives", "deadlines", "decisions", "procedure"}
_MISSING = object()


@dataclass
class CaseResult:
    case: m.TestCase
    ok: bool
    failures: list[str]
    fired: frozenset = frozenset()          # rules that fired in this case (for coverage)
    outcomes: dict = field(default_factory=dict)   # rule id -> trace outcome (fired, not_fired, undetermined ...)
    kind: str = ""                          # the event's kind
    version: str = ""                       # the pack version the case was evaluated under
    seconds: float = 0.0

    @property
    def position(self) -> Position:
        return self.case.pos


def compact_citation(c: dict, default_document: str) -> str:
    parts = [str(c["article"])] + [str(c[k]) for k in ("paragraph", "item") if c.get(k) is not None]
    body = ".".join(parts)
    return body if c["document"] == default_document else f"{c['document']}:{body}"


def _resolve(data: Any, path: str) -> tuple[Any, str | None]:
    """The value at a dotted path; list elements with an `id` are addressed by it."""
    node, last = data, None
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node, last = node[part], part
        elif isinstance(node, list) and all(isinstance(x, dict) and "id" in x for x in node):
            match_ = [x for x in node if x["id"] == part]
            if not match_:
                return _MISSING, part
            node, last = match_[0], part
        else:
            return _MISSING, part
    return node, last


def _keys(values: list, field_: str | None, default_document: str) -> list:
    if field_ == "citations":       # a provision cited in another role than applied: `20.1.2 (not_applied)`
        return [compact_citation(v, default_document) + (f" ({v['role']})" if v.get("role", "applied") != "applied"
                                                         else "") for v in values]
    if field_ in _ID_LISTS:
        return [v["id"] for v in values]
    return [_canonical(v) for v in values]


def _canonical(value: Any) -> Any:
    """Objects compare by content, whatever the key order."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict) else value


def _norm(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_norm(v) for v in value]
    return value


def check_expectation(det: dict, path: str, expected: Any, default_document: str) -> str | None:
    """None when the determination meets the expectation, else what differs."""
    actual, field_ = _resolve(det, path)
    if actual is _MISSING:
        return f"`{path}`: the determination has no `{field_}` here (expected {expected!r})"
    expected = _norm(expected)
    if isinstance(expected, dict) and set(expected) <= {"includes", "excludes", "contains"} and expected:
        problems = []
        if isinstance(actual, list):
            keys = _keys(actual, field_, default_document)
            for want in expected.get("includes", []) or []:
                if want not in keys:
                    problems.append(f"lacks {want!r}")
            for unwanted in expected.get("excludes", []) or []:
                if unwanted in keys:
                    problems.append(f"has {unwanted!r}")
            if "contains" in expected and not any(expected["contains"] in str(k) for k in keys):
                problems.append(f"no entry contains {expected['contains']!r}")
            shown = keys
        else:
            if "contains" in expected and expected["contains"] not in str(actual):
                problems.append(f"does not contain {expected['contains']!r}")
            if set(expected) - {"contains"}:
                problems.append("includes/excludes need a list")
            shown = actual
        return f"`{path}` {'; '.join(problems)} (actual: {shown!r})" if problems else None
    if isinstance(actual, list):
        keys = _keys(actual, field_, default_document)
        want = [_canonical(x) for x in (expected if isinstance(expected, list) else [expected])]
        if sorted(map(str, keys)) != sorted(map(str, want)):
            return f"`{path}`: expected {sorted(map(str, want))}, got {sorted(map(str, keys))}"
        return None
    if actual != expected:
        return f"`{path}`: expected {expected!r}, got {actual!r}"
    return None


def run_case(case: m.TestCase, pack_dir, evaluator: str = DEFAULT_EVALUATOR, ids: dict | None = None) -> CaseResult:
    """Run one case with the full trace: its static problems first (a case that asserts nothing, a path the
    determination lacks ...), then every expectation against the determination."""
    started = time.perf_counter()
    workspace = default_workspace()
    plan = workspace.compiled(pack_dir)
    static = [d for d in check_case(case, plan.pack, plan.vocab, ids if ids is not None else producible_ids(plan.pack),
                                    with_event=False) if d.severity == "error"]
    try:
        doc = _SubDoc(case.event_doc, case.event_path) if case.event_doc is not None else None
        event = parse_event(case.event, plan.vocab, doc)
    except CreditRulesError as exc:
        return CaseResult(case, False, [f"the event is invalid: {d}" for d in exc.diagnostics] + [str(d) for d in static],
                          seconds=time.perf_counter() - started)
    as_of = case.as_of or dt.date.today()
    found = determine(plan, event, as_of, workspace.prepared(plan, evaluator), trace="full").determination
    det = json.loads(orjson.dumps(found))
    failures = [str(d) for d in static]
    for path, expected in case.expect.items():
        problem = check_expectation(det, str(path), expected, plan.pack.default_document)
        if problem:
            failures.append(f"{case.expect_positions.get(path, case.pos)}: {problem}")
    outcomes = {t["rule"]: t["outcome"] for t in det["trace"]}
    fired = frozenset(r for r, o in outcomes.items() if o == "fired")
    return CaseResult(case, not failures, failures, fired, outcomes, event.kind, det["pack"]["version"],
                      time.perf_counter() - started)


def coverage(pack_dir, results: list[CaseResult]) -> tuple[int, list]:
    """(rules in the pack, the rules no test case fired), in rule order, each with its position."""
    plan = default_workspace().compiled(pack_dir)
    fired = set().union(*(r.fired for r in results)) if results else set()
    return len(plan.rules), [r.source for r in plan.rules if r.id not in fired]


def run_pack_tests(pack_dir, evaluator: str = DEFAULT_EVALUATOR, only_file: Path | None = None,
                   pattern: str | None = None) -> list[CaseResult]:
    """The results of a pack's cases (and its layers'), optionally only those of one file or folder of
    `tests/` and those whose name matches `pattern` (see `match`). PackError when the pack or a test file is
    invalid."""
    workspace = default_workspace()
    cases = workspace.tests(pack_dir)
    ids = producible_ids(workspace.compiled(pack_dir).pack)
    out = []
    for case in cases:
        if only_file is not None and not _within(Path(case.file), only_file):
            continue
        if pattern and not match(pattern, f"{Path(case.file).name}::{case.name}"):
            continue
        out.append(run_case(case, pack_dir, evaluator, ids))
    return out


def _within(path: Path, target: Path) -> bool:
    p, t = path.resolve(), target.resolve()
    return p == t or t in p.parents


# --- -k PATTERN ---------------------------------------------------------------------------------------------------

def _tokens(pattern: str) -> list[str]:
    """Words and parentheses; a parenthesis inside a word is part of it when balanced there (`19(2)`)."""
    out: list[str] = []
    for chunk in pattern.split():
        tail: list[str] = []
        while chunk.startswith("(") and chunk.count("(") > chunk.count(")"):
            out.append("(")
            chunk = chunk[1:]
        while chunk.endswith(")") and chunk.count(")") > chunk.count("("):
            tail.append(")")
            chunk = chunk[:-1]
        if chunk:
            out.append(chunk)
        out += tail
    return out


def match(pattern: str, text: str) -> bool:
    """pytest-like `-k`: words match as case-insensitive substrings of `file::case name`; `and`, `or`, `not`
    and parentheses combine them (`-k "severe and not tax"`). UsageError for a pattern that does not parse."""
    tokens = _tokens(pattern)
    text = text.lower()
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def expr() -> bool:
        value = term()
        while peek() == "or":
            take()
            value = term() or value
        return value

    def term() -> bool:
        value = factor()
        while peek() == "and":
            take()
            value = factor() and value
        return value

    def factor() -> bool:
        tok = peek()
        if tok is None or tok in ("and", "or", ")"):
            raise _bad_pattern(pattern)
        take()
        if tok == "not":
            return not factor()
        if tok == "(":
            value = expr()
            if peek() != ")":
                raise _bad_pattern(pattern)
            take()
            return value
        return tok.lower() in text

    if not tokens:
        return True
    result = expr()
    if pos != len(tokens):
        raise _bad_pattern(pattern)
    return result


def _bad_pattern(pattern: str) -> UsageError:
    return UsageError([Diagnostic("bad-option", f"`-k {pattern}` is not a pattern", Position(),
                                  "words, combined with and / or / not and parentheses: -k \"severe and not tax\"")])


# --- what to run --------------------------------------------------------------------------------------------------

@dataclass
class Target:
    pack_dir: Path
    only: Optional[Path] = None       # one test file, or a pack's tests/ folder (None: every case)


def select(targets: list[str] | None) -> list[Target]:
    """The packs (and files) a user names: a pack folder, its `tests/` folder or one test file (a layer's tests
    run with the pack it supplements), a folder holding packs, or a jurisdiction name; none: every pack."""
    from ..packs import base_dirs, pack_dirs
    if not targets:
        return [Target(b) for d in pack_dirs() for b in base_dirs(Path(d))]
    out: list[Target] = []
    for raw in targets:
        path = Path(raw)
        if path.is_file() and path.suffix in (".yaml", ".yml") and (path.parent.parent / "pack.yaml").is_file() \
                and path.parent.name == "tests":
            out += [Target(b, path) for b in base_dirs(path.parent.parent)]
        elif path.is_dir() and (path / "pack.yaml").is_file():
            out += [Target(b) for b in base_dirs(path)]
        elif path.is_dir() and path.name == "tests" and (path.parent / "pack.yaml").is_file():
            out += [Target(b, path) for b in base_dirs(path.parent)]
        elif path.is_dir() and any(path.glob("*/pack.yaml")):
            out += [Target(b) for d in pack_dirs(path) for b in base_dirs(d)]
        elif not path.exists() and os.sep not in raw and "/" not in raw:
            out.append(Target(default_workspace().resolve(raw)))       # a jurisdiction name (PackError if unknown)
        else:
            raise UsageError([Diagnostic("no-tests", f"`{raw}` is not a pack folder, a pack's tests/ folder, a test "
                                         "file (<pack>/tests/*.yaml) or a folder of packs", Position(raw))])
    return out


@dataclass
class PackRun:
    directory: Path
    pack_id: str = ""
    results: list[CaseResult] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)     # the pack (or a test file) is invalid: nothing ran

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.ok)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.ok)


@dataclass
class TestReport:
    runs: list[PackRun]
    evaluator: str = DEFAULT_EVALUATOR
    pattern: Optional[str] = None

    __test__ = False            # not a pytest class

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.runs)

    @property
    def failed(self) -> int:
        return sum(r.failed for r in self.runs)

    @property
    def invalid(self) -> int:
        return sum(1 for r in self.runs if not r.valid)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.invalid

    def summary(self) -> str:
        """`N passed, N failed` (and the packs whose cases could not run)."""
        text = f"{self.passed} passed, {self.failed} failed"
        if self.invalid:
            text += f", {self.invalid} pack{'s' if self.invalid != 1 else ''} invalid (cases not run)"
        return text


def run_selection(targets: list[Target], evaluator: str = DEFAULT_EVALUATOR, pattern: str | None = None) -> TestReport:
    if pattern:
        match(pattern, "")                  # a bad pattern is a usage error before anything runs
    runs = []
    for target in targets:
        run = PackRun(target.pack_dir)
        try:
            run.pack_id = default_workspace().compiled(target.pack_dir).pack.id
            run.results = run_pack_tests(target.pack_dir, evaluator, target.only, pattern)
        except UsageError:
            raise
        except CreditRulesError as exc:
            run.errors = list(exc.diagnostics) or [Diagnostic("pack-invalid", "the pack is invalid",
                                                              Position(str(target.pack_dir)))]
        runs.append(run)
    return TestReport(runs, evaluator, pattern)


# --- output for a CI system ---------------------------------------------------------------------------------------

def _display(path) -> str:
    from ..load import display_path
    return display_path(Path(path))


def report_json(report: TestReport) -> dict:
    return {"passed": report.passed, "failed": report.failed, "invalid_packs": report.invalid,
            "evaluator": report.evaluator, "pattern": report.pattern,
            "packs": [{"pack": run.pack_id or None, "directory": _display(run.directory), "valid": run.valid,
                       "errors": [d.as_dict() for d in run.errors], "passed": run.passed, "failed": run.failed,
                       "cases": [{"name": r.case.name, "file": r.case.pos.file, "line": r.case.pos.line,
                                  "column": r.case.pos.column, "ok": r.ok, "failures": r.failures,
                                  "seconds": round(r.seconds, 4)} for r in run.results]}
                      for run in report.runs]}


def report_junit(report: TestReport) -> bytes:
    """JUnit XML (the schema CI systems read: testsuites > testsuite per pack > testcase, failure / error)."""
    import xml.etree.ElementTree as ET
    root = ET.Element("testsuites", name="creditrules", tests=str(report.passed + report.failed + report.invalid),
                      failures=str(report.failed), errors=str(report.invalid))
    for run in report.runs:
        name = run.pack_id or run.directory.name
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(run.results) or (0 if run.valid else 1)),
                              failures=str(run.failed), errors=str(0 if run.valid else 1),
                              time=f"{sum(r.seconds for r in run.results):.3f}")
        if not run.valid:
            case = ET.SubElement(suite, "testcase", classname=name, name="pack is valid", file=_display(run.directory))
            error = ET.SubElement(case, "error", message=f"{len(run.errors)} error(s): the pack's cases did not run",
                                  type="pack-invalid")
            error.text = "\n".join(str(d) for d in run.errors)
        for r in run.results:
            case = ET.SubElement(suite, "testcase", classname=f"{name}.{Path(r.case.file).stem}", name=r.case.name,
                                 file=r.case.pos.file, line=str(r.case.pos.line), time=f"{r.seconds:.3f}")
            if not r.ok:
                failure = ET.SubElement(case, "failure", message=r.failures[0] if r.failures else "failed",
                                        type="expectation")
                failure.text = "\n".join(r.failures)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"
