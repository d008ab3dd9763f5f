"""The YAML test runner: each pack's `tests/*.yaml` cases, as `creditrules test` and as pytest items.

A case's `expect` maps a path in the determination to the value the article text requires. Lists of objects
(`sanctions`, `incentives`, `deadlines`, `decisions`, `severe_list.procedure`) are addressed and compared by `id`,
`citations` by compact form (`33.1.2`), other lists as sets; `{includes: [...]}`, `{excludes: [...]}` and
`{contains: "..."}` test part of one.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import orjson

from . import model as m
from .backends import DEFAULT as DEFAULT_EVALUATOR
from .engine.assemble import determine
from .errors import CreditRulesError, Position
from .event import parse_event
from .workspace import default_workspace

_ID_LISTS = {"sanctions", "incentives", "deadlines", "decisions", "procedure"}
_MISSING = object()


@dataclass
class CaseResult:
    case: m.TestCase
    ok: bool
    failures: list[str]
    fired: frozenset = frozenset()          # rules that fired in this case (for coverage)

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
            match = [x for x in node if x["id"] == part]
            if not match:
                return _MISSING, part
            node, last = match[0], part
        else:
            return _MISSING, part
    return node, last


def _keys(values: list, field: str | None, default_document: str) -> list:
    if field == "citations":
        return [compact_citation(v, default_document) for v in values]
    if field in _ID_LISTS:
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
    actual, field = _resolve(det, path)
    if actual is _MISSING:
        return f"`{path}`: the determination has no `{field}` here (expected {expected!r})"
    expected = _norm(expected)
    if isinstance(expected, dict) and set(expected) <= {"includes", "excludes", "contains"} and expected:
        problems = []
        if isinstance(actual, list):
            keys = _keys(actual, field, default_document)
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
        keys = _keys(actual, field, default_document)
        want = [_canonical(x) for x in (expected if isinstance(expected, list) else [expected])]
        if sorted(map(str, keys)) != sorted(map(str, want)):
            return f"`{path}`: expected {sorted(map(str, want))}, got {sorted(map(str, keys))}"
        return None
    if actual != expected:
        return f"`{path}`: expected {expected!r}, got {actual!r}"
    return None


def run_case(case: m.TestCase, pack_dir, evaluator: str = DEFAULT_EVALUATOR) -> CaseResult:
    workspace = default_workspace()
    plan = workspace.compiled(pack_dir)
    try:
        doc = _SubDoc(case.event_doc, case.event_path) if case.event_doc is not None else None
        event = parse_event(case.event, plan.vocab, doc)
    except CreditRulesError as exc:
        return CaseResult(case, False, [f"the event is invalid: {d}" for d in exc.diagnostics])
    as_of = case.as_of or dt.date.today()
    found = determine(plan, event, as_of, workspace.prepared(plan, evaluator), trace="full").determination
    det = json.loads(orjson.dumps(found))
    failures = []
    for path, expected in case.expect.items():
        problem = check_expectation(det, str(path), expected, plan.pack.default_document)
        if problem:
            failures.append(f"{case.expect_positions.get(path, case.pos)}: {problem}")
    fired = frozenset(t["rule"] for t in det["trace"] if t["outcome"] == "fired")
    return CaseResult(case, not failures, failures, fired)


def coverage(pack_dir, results: list[CaseResult]) -> tuple[int, list]:
    """(rules in the pack, the rules no test case fired), in rule order, each with its position."""
    plan = default_workspace().compiled(pack_dir)
    fired = set().union(*(r.fired for r in results)) if results else set()
    return len(plan.rules), [r.source for r in plan.rules if r.id not in fired]


class _SubDoc:
    """A view of a YAML document rooted at the case's `event`, so event errors point into the test file."""

    def __init__(self, doc, prefix: tuple):
        self.doc, self.prefix = doc, tuple(prefix)

    def position(self, path=(), key: bool = False):
        return self.doc.position(self.prefix + tuple(path), key=key)


def run_pack_tests(pack_dir, evaluator: str = DEFAULT_EVALUATOR) -> list[CaseResult]:
    return [run_case(case, pack_dir, evaluator) for case in default_workspace().tests(pack_dir)]
