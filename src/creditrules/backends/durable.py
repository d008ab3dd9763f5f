"""The durable_rules backend: each stratum of the plan is a durable_rules ruleset, run for real.

The plan's condition nodes are translated here, and only here, into durable_rules expressions: per rule, `r<i>_T`
matches when the condition is true and `r<i>_F` when it is false; neither matching means unknown. Each fact asserted
is a *dense message* holding every attribute the stratum reads, encoded from the fact view:

    k s b            kind, subject type, basis type (ABSENT when no basis)
    c, c__<tag>      conduct given (1 / ABSENT), and each tag read (True / False / ABSENT when conduct is unknown)
    f__<fact>        a fact's value (dates as ordinals; a list fact: True), ABSENT when not given
    f__<fact>__<m>   a list fact's member (True / False / ABSENT)
    p__<path>        present (True / False)
    o__<i>           rule i's outcome (True / False / ABSENT when undetermined)
    age              周岁 at the conduct, ABSENT when unknown
    d__<n>           a date comparison, decided in Python over the view (durable_rules compares no dates)

Sharp edges handled (../shared/notes/durable-rules.md, docs/durable-rules.md): the Host's timer threads are never
started; every fact gets a state id of its own, deleted afterwards; facts, not events, so every matching rule
fires; `$nex` hangs, so absence is an explicit ABSENT value and every comparison is guarded (a bare `$gt` matched
the ABSENT string); every ruleset has a catch-all rule so no fact leaves state behind. One Host per prepared plan,
built once (the workspace keeps it, keyed by the plan's digest); one caller at a time.
"""
from __future__ import annotations

import datetime as dt
import itertools
import threading
from typing import Any, Callable, Optional

from durable import engine

from ..plan import conditions as n
from ..plan.conditions import Truth
from ..plan.facts import AGE, BASIS, CONDUCT, KIND, SUBJECT
from ..plan.plan import Plan

ABSENT = "~absent~"
_NEGATE = {"eq": "ne", "ne": "eq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
_OP = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte", "ne": "$neq"}
Expr = Optional[dict]


class _QuietHost(engine.Host):
    """A Host without the background dispatch/timer threads (they poll forever and raced post_batch)."""

    def _run(self):  # noqa: D401 - overriding the thread start-up on purpose
        return None


def _and(parts: list[Expr]) -> Expr:
    if any(p is None for p in parts):
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[Expr]) -> Expr:
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else {"$or": kept}


def _comparison(key: str, op: str, value: Any) -> tuple[dict, dict]:
    given = {"$neq": {key: ABSENT}}

    def one(o: str) -> dict:
        return {key: value} if o == "eq" else {_OP[o]: {key: value}}
    return _and([given, one(op)]), _and([given, one(_NEGATE[op])])   # type: ignore[return-value]


def _encode(value: Any) -> Any:
    return value.toordinal() if isinstance(value, dt.date) else value


class _Translator:
    """Plan nodes -> (expression when true, expression when false), and the message attributes they read."""

    def __init__(self) -> None:
        self.readers: dict[str, Callable[[dict], Any]] = {}
        self.dates: dict[n.DateCompare, str] = {}

    def _read(self, attr: str, fn: Callable[[dict], Any]) -> str:
        self.readers.setdefault(attr, fn)
        return attr

    def node(self, node: Any) -> tuple[Expr, Expr]:
        if isinstance(node, n.Always):
            return {"$neq": {"k": ABSENT}}, None
        if isinstance(node, (n.All, n.AnyOf)):
            pairs = [self.node(x) for x in node.children]
            trues, falses = [p[0] for p in pairs], [p[1] for p in pairs]
            return (_and(trues), _or(falses)) if isinstance(node, n.All) else (_or(trues), _and(falses))
        if isinstance(node, n.Not):
            t, f = self.node(node.child)
            return f, t
        if isinstance(node, (n.KindIn, n.SubjectIn)):
            attr = self._read("k", lambda v: v[KIND]) if isinstance(node, n.KindIn) else self._read("s", lambda v: v[SUBJECT])
            return _or([{attr: x} for x in node.shown]), _and([{"$neq": {attr: x}} for x in node.shown])
        if isinstance(node, n.BasisIn):
            attr = self._read("b", lambda v: v.get(BASIS, ABSENT))
            return (_or([{attr: x} for x in node.shown]),
                    _and([{"$neq": {attr: ABSENT}}, *[{"$neq": {attr: x}} for x in node.shown]]))
        if isinstance(node, n.ConductAny):
            self._read("c", lambda v: 1 if CONDUCT in v else ABSENT)
            tags = [self._read(f"c__{t}", _member(CONDUCT, t)) for t in node.shown]
            given = {"$neq": {"c": ABSENT}}
            return _and([given, _or([{t: True} for t in tags])]), _and([given, *[{t: False} for t in tags]])
        if isinstance(node, n.Present):
            attr = self._read("p__" + node.path.replace(".", "__"), lambda v, k=node.key: k in v)
            return {attr: True}, {attr: False}
        if isinstance(node, n.RuleHolds):
            attr = self._read("o__" + node.key.split(":")[1], lambda v, k=node.key: _truth(v.get(k, False)))
            return {attr: True}, {attr: False}
        if isinstance(node, n.DateCompare):
            attr = self.dates.setdefault(node, f"d__{len(self.dates)}")
            self._read(attr, lambda v, leaf=node: _truth(leaf.truth(v)))
            return {attr: True}, {attr: False}
        if isinstance(node, n.AgeCompare):
            attr = self._read("age", lambda v: v.get(AGE, ABSENT))
            return _comparison(attr, node.op, node.value)
        if isinstance(node, (n.FactIs, n.FactCompare, n.FactIn, n.FactIncludesAny)):
            attr = self._read("f__" + node.name, lambda v, k=node.key: _fact(v, k))
            if isinstance(node, n.FactIs):
                return {attr: True}, {attr: False}
            given = {"$neq": {attr: ABSENT}}
            if isinstance(node, n.FactIncludesAny):
                members = [self._read(f"{attr}__{x}", _member(node.key, x)) for x in node.shown]
                return _or([{k: True} for k in members]), _and([given, *[{k: False} for k in members]])
            if isinstance(node, n.FactIn):
                values = [_encode(x) for x in node.shown]
                return _or([{attr: x} for x in values]), _and([given, *[{"$neq": {attr: x}} for x in values]])
            return _comparison(attr, node.op, _encode(node.value))
        raise TypeError(f"cannot translate {node!r}")  # pragma: no cover - every node kind is handled above


def _truth(value: Truth) -> Any:
    return ABSENT if value is None else value


def _fact(view: dict, key: str) -> Any:
    value = view.get(key)
    if value is None:
        return ABSENT
    if isinstance(value, frozenset):
        return True
    return _encode(value)


def _member(key: str, member: str) -> Callable[[dict], Any]:
    def read(view: dict) -> Any:
        given = view.get(key)
        return ABSENT if given is None else member in given
    return read


_ids = itertools.count()


def _noop(c) -> None:
    return None


class DurableBackend:
    name = "durable"

    def __init__(self, plan: Plan):
        self._host = _QuietHost()
        self._lock = threading.Lock()            # one host, one caller at a time (not proven thread-safe)
        self._results: dict[str, dict[int, bool]] = {}
        self._strata: list[tuple[str, tuple[int, ...], tuple[tuple[str, Callable], ...]]] = []
        for s, indices in enumerate(plan.strata):
            tr = _Translator()
            tr._read("k", lambda v: v[KIND])
            definition: dict[str, Any] = {"seen": {"all": [{"m": {"$neq": {"k": ABSENT}}}], "run": _noop}}
            for i in indices:
                true_expr, false_expr = tr.node(plan.rules[i].condition)
                for suffix, expr, value in (("T", true_expr, True), ("F", false_expr, False)):
                    if expr is not None:
                        definition[f"r{i}_{suffix}"] = {"all": [{"m": expr}], "run": self._action(i, value)}
            name = f"creditrules_{plan.pack.id}_{s}_{next(_ids)}"
            self._host.register_rulesets({name: definition})
            self._strata.append((name, indices, tuple(sorted(tr.readers.items()))))

    def _action(self, index: int, value: bool):
        results = self._results

        def act(c):
            results[c.m["sid"]][index] = value
        return act

    def decide(self, stratum: int, rules: tuple[int, ...], view: dict) -> dict[int, Truth]:
        """Every rule of the stratum (not only `rules`): the engine keeps those of the version, so durable_rules
        also cross-checks the plan's kind shortcut."""
        name, indices, readers = self._strata[stratum]
        message = {attr: read(view) for attr, read in readers}
        with self._lock:
            sid = f"e{next(_ids)}"
            message["sid"] = sid
            self._results[sid] = {}
            self._host.assert_fact(name, message)       # `seen` always matches: never unhandled
            self._host.delete_state(name, sid)
            found = self._results.pop(sid)
        return {i: found.get(i) for i in indices}
