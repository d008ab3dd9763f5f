"""What a test case may assert: the expectation paths of the determination, read from its model.

`expect:` maps a dotted path of the determination (CONTRACT.md section 3, `creditrules.determination`) to a
value. The paths are not written down anywhere else: they are derived from the pydantic models, so a field added
to the determination is a valid path at once. Lists of objects with an `id` (sanctions, incentives, deadlines,
decisions, severe_list.procedure) are addressed by id: `deadlines.objection_handling.due`.

`check_case(case, pack, vocab)` is the static check of one case (`creditrules validate`, and before a case runs):
its event against the contract and the vocabulary, every path against the model, every value against the field's
type, every id against the ids the pack's rules can produce, every citation against the held text, and a case
that asserts nothing is an error. Each problem has the file:line:col of the test file.
"""
from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, fields, is_dataclass
from functools import cache, lru_cache
from typing import Any, Optional

from pydantic import BaseModel, TypeAdapter, ValidationError

from .. import determination as d
from .. import model as m
from ..errors import CreditRulesError, Diagnostic, Position, allowed, did_you_mean, quote
from ..lawtext import _COMPACT, parse_cite, resolve
from ..vocabulary import Vocabulary

_ROLE = re.compile(r"\s*\((?:not_applied|undetermined)\)\s*$")   # `20.1.2 (not_applied)`

# id-addressed lists: the field name, as the test runner compares them (by `id`)
ID_LISTS = ("sanctions", "incentives", "deadlines", "decisions", "procedure")
PARTIAL = ("includes", "excludes", "contains")


@dataclass(frozen=True)
class PathSpec:
    """One expectation path: `kind` scalar | list | idlist | object; `annotation` the field's type; `item` the model
    of a list's items; `field` the last name of the path (what the runner compares lists by)."""
    path: str
    kind: str
    annotation: Any
    item: Any = None
    field: str = ""
    description: str = ""


def _unwrap_optional(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and (issubclass(t, BaseModel) or is_dataclass(t))


def _model_fields(model: Any) -> list[tuple[str, Any]]:
    """(name as written in the JSON, annotation) of a pydantic model or a dataclass of the determination."""
    hints = typing.get_type_hints(model, vars(d))
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [(info.serialization_alias or info.alias or name, hints[name]) for name, info in model.model_fields.items()]
    return [(f.name, hints[f.name]) for f in fields(model)]


def _has_id(model: Any) -> bool:
    return _is_model(model) and any(name == "id" for name, _ in _model_fields(model))


def _walk(model: Any, prefix: str, out: dict[str, PathSpec]) -> None:
    for name, annotation in _model_fields(model):
        path = f"{prefix}{name}"
        t = _unwrap_optional(annotation)
        if _is_model(t):
            out[path] = PathSpec(path, "object", annotation, field=name)
            _walk(t, path + ".", out)
        elif typing.get_origin(t) is list:
            (item,) = typing.get_args(t) or (Any,)
            if _has_id(item):
                out[path] = PathSpec(path, "idlist", annotation, item, name)
                out[path + ".<id>"] = PathSpec(path + ".<id>", "object", item, field=name)
                _walk(item, path + ".<id>.", out)
            else:
                out[path] = PathSpec(path, "list", annotation, item, name)
        else:
            out[path] = PathSpec(path, "scalar", annotation, field=name)


@lru_cache(maxsize=1)
def expectation_paths() -> dict[str, PathSpec]:
    """Every path a case may assert, `<id>` standing for an id of an id-addressed list."""
    out: dict[str, PathSpec] = {}
    _walk(d.Determination, "", out)
    return out


def id_lists() -> list[str]:
    """The id-addressed lists, as path prefixes (`sanctions`, `severe_list.procedure` ...)."""
    return [p for p, s in expectation_paths().items() if s.kind == "idlist"]


def spec_for(path: str) -> tuple[Optional[PathSpec], Optional[str]]:
    """(the spec of `path`, the id it names in an id-addressed list, if any); (None, None) when no such path."""
    paths = expectation_paths()
    if path in paths and "<id>" not in path:
        return paths[path], None
    for prefix in sorted(id_lists(), key=len, reverse=True):
        if path.startswith(prefix + "."):
            rest = path[len(prefix) + 1:]
            ident, _, tail = rest.partition(".")
            generic = f"{prefix}.<id>" + (f".{tail}" if tail else "")
            if ident and generic in paths:
                return paths[generic], ident
    return None, None


# --- what the pack can produce -------------------------------------------------------------------------------

_FAMILY = {"sanctions": "sanction", "incentives": "incentive", "deadlines": "deadline", "decisions": "decision",
           "procedure": "procedure_step"}


def producible_ids(pack: m.Pack) -> dict[str, set[str]]:
    """The ids each id-addressed list can hold under this pack (from the rules' conclusions), `criteria` (rules
    concluding a severe criterion) and `rules` (every rule id)."""
    out: dict[str, set[str]] = {name: set() for name in _FAMILY}
    out["criteria"], out["rules"] = set(), set()
    kind_to_list = {v: k for k, v in _FAMILY.items()}
    for rule in pack.rules:
        out["rules"].add(rule.id)
        for con in rule.then:
            if con.kind == "severe_criterion":
                out["criteria"].add(rule.id)
            elif con.kind in kind_to_list and isinstance(con.fields.get("id"), str):
                out[kind_to_list[con.kind]].add(con.fields["id"])
    return out


def _missing_names(vocab: Vocabulary) -> set[str]:
    from ..model import DATE_PATHS
    from ..plan.facts import FIELD_PATHS
    return set(vocab.facts) | set(FIELD_PATHS) | set(DATE_PATHS)


# --- checking one case ----------------------------------------------------------------------------------------

class _SubDoc:
    """A view of a YAML document rooted at a path (the case's `event`), so event errors point into the test file."""

    def __init__(self, doc, prefix: tuple):
        self.doc, self.prefix = doc, tuple(prefix)

    def position(self, path=(), key: bool = False):
        return self.doc.position(self.prefix + tuple(path), key=key)


def check_event(case: m.TestCase, vocab: Vocabulary) -> tuple[Any, list[Diagnostic]]:
    """(the parsed event or None, its problems with positions in the test file)."""
    from ..event import parse_event
    doc = _SubDoc(case.event_doc, case.event_path) if case.event_doc is not None else None
    try:
        return parse_event(case.event, vocab, doc, where=case.pos), []
    except CreditRulesError as exc:
        return None, list(exc.diagnostics)


@cache
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def _value_problem(annotation: Any, value: Any) -> Optional[str]:
    """Why `value` cannot be the value of a field of this type (None when it can)."""
    if isinstance(value, dt.date):
        value = value.isoformat()
    try:
        _adapter(annotation).validate_python(value)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        expected = err.get("ctx", {}).get("expected")
        return f"expected {expected}" if expected else err["msg"].lower()
    except Exception:  # noqa: BLE001 - a type pydantic cannot check (Any): any value will do
        return None
    return None


def _member_problem(spec: PathSpec, member: Any, pack: m.Pack, vocab: Vocabulary, ids: dict[str, set[str]]
                    ) -> Optional[tuple[str, str]]:
    """(message, hint) when a member of a list expectation cannot ever be in that list under this pack."""
    name = spec.field
    if name in ID_LISTS or name == "criteria" or name == "rules":
        known = ids["rules" if name == "rules" else "criteria" if name == "criteria" else name]
        if not isinstance(member, str) or member not in known:
            what = {"criteria": "severe criterion (a rule concluding `severe_criterion`)", "rules": "rule"}.get(name)
            if what is None:                # (not a .get default: `_FAMILY` has no entry for criteria or rules)
                what = f"{_FAMILY[name].replace('_', ' ')} id"
            return (f"no rule of the pack can produce {what} `{quote(member)}` in `{spec.path}`",
                    " ".join(filter(None, [did_you_mean(member, known), allowed(known, 8) if known else
                                           "the pack produces none"])))
        return None
    if name == "citations":
        text = str(member)
        role = _ROLE.search(text)
        if role:                       # `20.1.2 (not_applied)`: the top-level citations carry a role
            if spec.path != "citations":
                return (f"`{quote(member)}` in `{spec.path}`: only the top-level `citations` carry a role",
                        "write the role in `citations`, or drop it here")
            text = text[:role.start()]
        if not _COMPACT.match(text.replace(" ", "")):
            return (f"`{quote(member)}` in `{spec.path}` is not a citation in compact form",
                    "expected citations are compared as `33`, `33.2`, `33.1.2` or `doc:33.1.2`, with `(not_applied)` "
                    "or `(undetermined)` after it for those roles")
        try:
            cite = parse_cite(text, pack.default_document, pack.titles())
        except ValueError as exc:
            return str(exc), ""
        doc = pack.documents.get(cite.document)
        if doc is None:
            return f"no document `{cite.document}` in this pack", did_you_mean(cite.document, pack.documents)
        if doc.law is not None:
            found = resolve(doc.law, cite)
            if isinstance(found, str):
                return found, ""
        return None
    if name == "missing_facts":
        names = _missing_names(vocab)
        if not isinstance(member, str) or member not in names:
            return (f"`{quote(member)}` in `missing_facts` is no fact or field of the vocabulary",
                    did_you_mean(member, names))
    return None


def check_expectation_spec(path: str, value: Any, pack: m.Pack, vocab: Vocabulary, ids: dict[str, set[str]],
                           pos_of) -> list[Diagnostic]:
    """The problems of one `path: value` of a case's `expect` (pos_of(sub) gives the position of a part)."""
    spec, ident = spec_for(path)
    if spec is None:
        names = [p for p in expectation_paths() if "<id>" not in p]
        hint = did_you_mean(path, names) or ("lists of objects are addressed by id: " +
                                             ", ".join(f"{p}.<id>" for p in id_lists()))
        return [Diagnostic("bad-expect-path", f"the determination has no field `{path}`", pos_of((), True), hint)]
    out: list[Diagnostic] = []
    if ident is not None:
        family = spec.path.split(".<id>")[0].rsplit(".", 1)[-1]
        known = ids.get(family, set())
        if ident not in known:
            out.append(Diagnostic("bad-expect-value", f"no rule of the pack can produce `{quote(ident)}` in "
                                  f"`{spec.path.split('.<id>')[0]}`", pos_of((), True),
                                  " ".join(filter(None, [did_you_mean(ident, known),
                                                         allowed(known, 8) if known else ""]))))
    partial = isinstance(value, dict) and value and set(value) <= set(PARTIAL)
    if isinstance(value, dict) and not partial and spec.kind != "object":
        bad = sorted(set(value) - set(PARTIAL))
        return out + [Diagnostic("bad-expect-value", f"`{path}`: unknown test `{quote(bad[0])}`", pos_of((bad[0],), True),
                                 " ".join(filter(None, [did_you_mean(bad[0], PARTIAL), "allowed: includes, excludes, "
                                                        "contains"])))]
    if spec.kind in ("list", "idlist"):
        if partial:
            for op in ("includes", "excludes"):
                members = value.get(op)
                if members is None:
                    continue
                if not isinstance(members, list):
                    out.append(Diagnostic("bad-expect-value", f"`{path}`: `{op}` takes a list", pos_of((op,))))
                    continue
                for i, member in enumerate(members):
                    problem = _member_problem(spec, member, pack, vocab, ids)
                    if problem and op == "excludes":
                        # an exclusion of what the pack cannot produce always holds: a typo, or a guard that a
                        # removed conclusion does not come back (the shipped packs keep such guards)
                        out.append(Diagnostic("excludes-unproducible", problem[0] + ": this exclusion always holds",
                                              pos_of((op, i)), problem[1] or "a typo? (fine if it guards against "
                                              "a conclusion the pack no longer draws)", severity="warning"))
                    elif problem:
                        out.append(Diagnostic("bad-expect-value", problem[0], pos_of((op, i)), problem[1]))
            if "contains" in value and not isinstance(value["contains"], str):
                out.append(Diagnostic("bad-expect-value", f"`{path}`: `contains` takes text", pos_of(("contains",))))
        else:
            members = value if isinstance(value, list) else [value]
            for i, member in enumerate(members):
                problem = _member_problem(spec, member, pack, vocab, ids)
                if problem:
                    out.append(Diagnostic("bad-expect-value", problem[0],
                                          pos_of((i,) if isinstance(value, list) else ()), problem[1]))
        return out
    if partial:
        if set(value) - {"contains"}:
            out.append(Diagnostic("bad-expect-value", f"`{path}` is not a list: only `contains` applies to it",
                                  pos_of(())))
        elif not isinstance(value["contains"], str):
            out.append(Diagnostic("bad-expect-value", f"`{path}`: `contains` takes text", pos_of(("contains",))))
        return out
    if spec.kind == "scalar":
        problem = _value_problem(spec.annotation, value)
        if problem:
            out.append(Diagnostic("bad-expect-value", f"`{path}` cannot be `{quote(value)}`: {problem}", pos_of(())))
    return out


def check_case(case: m.TestCase, pack: m.Pack, vocab: Vocabulary, ids: dict[str, set[str]] | None = None,
               with_event: bool = True) -> list[Diagnostic]:
    """Every static problem of one test case (module docstring), with positions in its test file."""
    ids = ids if ids is not None else producible_ids(pack)
    out: list[Diagnostic] = []
    if with_event:
        out += check_event(case, vocab)[1]
    if not case.expect:
        out.append(Diagnostic("empty-expect", f"the case `{quote(case.name)}` asserts nothing: `expect` is empty",
                              _case_pos(case, ("expect",)), "add at least one path and the value the article "
                              "text requires, e.g. `dishonesty.level: general`"))
    for path, value in case.expect.items():
        def pos_of(sub: tuple, key: bool = False, _path=path) -> Position:
            if not sub and key:
                return case.expect_positions.get(_path, case.pos)
            return _case_pos(case, ("expect", _path, *sub), key=key) if case.event_doc is not None else case.pos
        out += check_expectation_spec(str(path), value, pack, vocab, ids, pos_of)
    return out


def _case_pos(case: m.TestCase, sub: tuple, key: bool = False) -> Position:
    if case.event_doc is None:
        return case.pos
    base = tuple(case.event_path[:-1])
    try:
        return case.event_doc.position(base + sub, key=key)
    except TypeError:
        return case.pos
