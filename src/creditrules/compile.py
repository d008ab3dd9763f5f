"""Compile stage: a validated pack -> `CompiledPack`, built once, evaluating many events.

- Rules are ordered into strata: a rule comes after every rule it reads (`rule:` leaves) and every exception
  that may override it, so each stratum can be decided from the event plus the outcomes of earlier strata.
- Each condition is compiled twice, with the same three-valued meaning (docs/pack-format.md section 5):
  to a Python closure (the reference evaluator) and to a pair of durable_rules expressions, one matching when
  the condition is true and one when it is false (neither matches: unknown).
- Citations are resolved against the held text once, so a determination carries label and words for free.
"""
from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from typing import Any, Callable

from . import model as m
from .lawtext import Cite, resolve
from .validate import dependency_graph
from .vocabulary import Vocabulary, default_vocabulary

Truth = bool | None          # True, False, or None for unknown
ABSENT = "~absent~"          # durable backend: the value of an attribute the event lacks (see notes)

_OPS: dict[str, Callable[[Any, Any], bool]] = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt,
                                               "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def fact_key(name: str) -> str:
    return f"f__{name}"


def member_key(name: str, member: str) -> str:
    return f"f__{name}__{member}"


def present_key(path: str) -> str:
    return "p__" + path.replace(".", "__")


def outcome_key(index: int) -> str:
    return f"o__{index}"


@dataclass
class ResolvedCite:
    cite: Cite
    compact: str
    label: str
    text: str
    title: str | None = None
    model: object = None            # the Citation output model, built once


@dataclass
class CompiledRule:
    index: int
    rule: m.Rule
    stratum: int
    overridden_by: list[int]
    evaluate: Callable[[dict], Truth]           # the reference closure over a fact view
    durable_true: dict | None                    # durable_rules expression matching when true
    durable_false: dict | None                   # ... and when false
    keys: frozenset[str]                         # view attributes the condition reads
    cites: list[ResolvedCite]
    titles: dict[int, str] = field(default_factory=dict)   # conclusion index -> title_zh
    readers: list[int] = field(default_factory=list)       # rules that read this one (`rule:` leaves, overrides)
    read_keys: tuple[str, ...] = ()                         # sorted `keys`: the memo key of its explanation
    explained: dict = field(default_factory=dict)          # memo: values of read_keys -> (truth, because, missing)
    traced: dict = field(default_factory=dict)             # memo: outcome + read values -> TraceEntry
    outcome_key: str = ""                                   # the view attribute holding its outcome
    only_criteria: bool = False                             # see concludes_only_criteria

    def __post_init__(self) -> None:
        self.outcome_key = outcome_key(self.index)
        self.only_criteria = self.concludes_only_criteria

    @property
    def labels(self) -> list[str]:
        return [rc.label for rc in self.cites]

    @property
    def concludes_only_criteria(self) -> bool:
        """Only feeds other rules (criteria): its unknowns matter only if a reader is left unknown too."""
        return all(c.kind == "severe_criterion" for c in self.rule.then)


@dataclass
class CompiledPack:
    pack: m.Pack
    vocab: Vocabulary
    rules: list[CompiledRule]
    strata: list[list[CompiledRule]]
    by_id: dict[str, CompiledRule]
    cites: dict[Cite, ResolvedCite]
    all_keys: frozenset[str]
    derived: list = field(default_factory=list)     # (view key, DateCompare): computed when the view is built

    def resolved(self, cite: Cite) -> ResolvedCite:
        return self.cites[cite]


def derived_key(n: int) -> str:
    return f"d__{n}"


class _ConditionCompiler:
    def __init__(self, vocab: Vocabulary, index_of: dict[str, int], derived: list):
        self.vocab = vocab
        self.index_of = index_of
        self.keys: set[str] = set()
        self.derived = derived           # (key, leaf) computed into the fact view, shared by the whole pack

    def _derive(self, leaf) -> str:
        for key, known in self.derived:
            if known == leaf:
                break
        else:
            key = derived_key(len(self.derived))
            self.derived.append((key, leaf))
        self.keys.update([key, key + "__why", key + "__missing"])
        return key

    def _value(self, fact: str, value: Any) -> Any:
        term = self.vocab.facts.get(fact)
        if term is not None and term.type == "date" and value is not None:
            return dt.date.fromisoformat(str(value)).toordinal()
        return value

    # --- reference: Python closures (Kleene logic) ---
    def python(self, c: m.Condition) -> Callable[[dict], Truth]:
        if isinstance(c, m.Always):
            return lambda v: True
        if isinstance(c, m.All):
            parts = [self.python(x) for x in c.children]

            def all_(v):
                result: Truth = True
                for part in parts:
                    r = part(v)
                    if r is False:
                        return False
                    if r is None:
                        result = None
                return result
            return all_
        if isinstance(c, m.AnyOf):
            parts = [self.python(x) for x in c.children]

            def any_(v):
                result: Truth = False
                for part in parts:
                    r = part(v)
                    if r is True:
                        return True
                    if r is None:
                        result = None
                return result
            return any_
        if isinstance(c, m.Not):
            inner = self.python(c.child)
            return lambda v: (None if (r := inner(v)) is None else not r)
        if isinstance(c, m.KindIn):
            values = frozenset(c.values)
            self.keys.add("k")
            return lambda v: v["k"] in values
        if isinstance(c, m.SubjectIn):
            values = frozenset(c.values)
            self.keys.add("s")
            return lambda v: v["s"] in values
        if isinstance(c, m.ConductAny):
            keys = [f"c__{t}" for t in c.values]
            self.keys.update(["c", *keys])
            return lambda v: (None if "c" not in v else any(k in v for k in keys))
        if isinstance(c, m.BasisIn):
            values = frozenset(c.values)
            self.keys.add("b")
            return lambda v: (None if "b" not in v else v["b"] in values)
        if isinstance(c, m.Present):
            key = present_key(c.path)
            self.keys.add(key)
            return lambda v: key in v
        if isinstance(c, m.RuleRef):
            key = outcome_key(self.index_of[c.rule])
            self.keys.add(key)
            return lambda v: v.get(key)
        if isinstance(c, m.DateCompare):
            key = self._derive(c)
            return lambda v: v.get(key)
        if isinstance(c, m.AgeAtEvent):
            op, val = _OPS[c.op], c.value
            self.keys.add("age")
            return lambda v: (None if "age" not in v else op(v["age"], val))
        if isinstance(c, m.FactTest):
            key = fact_key(c.name)
            self.keys.add(key)
            if c.op == "is_true":
                return lambda v: v.get(key)
            if c.op == "any_of":
                members = [member_key(c.name, x) for x in c.value]
                self.keys.update(members)
                return lambda v: (None if key not in v else any(v.get(k) is True for k in members))
            if c.op == "in":
                values = frozenset(self._value(c.name, x) for x in c.value)
                return lambda v: (None if key not in v else v[key] in values)
            op, val = _OPS[c.op], self._value(c.name, c.value)
            return lambda v: (None if key not in v else op(v[key], val))
        raise TypeError(f"cannot compile condition {c!r}")  # pragma: no cover - the loader builds only these

    # --- durable_rules: one expression for "true", one for "false"; None never matches ---
    def durable(self, c: m.Condition) -> tuple[dict | None, dict | None]:
        if isinstance(c, m.Always):
            return {"$neq": {"k": ABSENT}}, None
        if isinstance(c, (m.All, m.AnyOf)):
            pairs = [self.durable(x) for x in c.children]
            trues, falses = [p[0] for p in pairs], [p[1] for p in pairs]
            if isinstance(c, m.All):
                return _and(trues), _or(falses)
            return _or(trues), _and(falses)
        if isinstance(c, m.Not):
            t, f = self.durable(c.child)
            return f, t
        if isinstance(c, m.KindIn):
            return _or([{"k": x} for x in c.values]), _and([{"$neq": {"k": x}} for x in c.values])
        if isinstance(c, m.SubjectIn):
            return _or([{"s": x} for x in c.values]), _and([{"$neq": {"s": x}} for x in c.values])
        if isinstance(c, m.ConductAny):
            given = {"$neq": {"c": ABSENT}}
            return (_and([given, _or([{f"c__{t}": True} for t in c.values])]),
                    _and([given, *[{f"c__{t}": False} for t in c.values]]))
        if isinstance(c, m.BasisIn):
            given = {"$neq": {"b": ABSENT}}
            return (_or([{"b": x} for x in c.values]),
                    _and([given, *[{"$neq": {"b": x}} for x in c.values]]))
        if isinstance(c, m.Present):
            key = present_key(c.path)
            return {key: True}, {key: False}
        if isinstance(c, m.RuleRef):
            key = outcome_key(self.index_of[c.rule])
            return {key: True}, {key: False}
        if isinstance(c, m.DateCompare):
            key = self._derive(c)
            return {key: True}, {key: False}
        if isinstance(c, m.AgeAtEvent):
            return _comparison("age", c.op, c.value)
        if isinstance(c, m.FactTest):
            key = fact_key(c.name)
            if c.op == "is_true":
                return {key: True}, {key: False}
            given = {"$neq": {key: ABSENT}}
            if c.op == "any_of":
                members = [member_key(c.name, x) for x in c.value]
                return _or([{k: True} for k in members]), _and([given, *[{k: False} for k in members]])
            if c.op == "in":
                values = [self._value(c.name, x) for x in c.value]
                return _or([{key: x} for x in values]), _and([given, *[{"$neq": {key: x}} for x in values]])
            return _comparison(key, c.op, self._value(c.name, c.value))
        raise TypeError(f"cannot compile condition {c!r}")  # pragma: no cover


_NEGATE = {"eq": "ne", "ne": "eq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
_DURABLE_OP = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte", "ne": "$neq"}


def _comparison(key: str, op: str, value: Any) -> tuple[dict, dict]:
    given = {"$neq": {key: ABSENT}}      # a bare $gt matches the ABSENT string: always guard

    def one(o: str) -> dict:
        return {key: value} if o == "eq" else {_DURABLE_OP[o]: {key: value}}
    return _and([given, one(op)]), _and([given, one(_NEGATE[op])])


def _and(parts: list[dict | None]) -> dict | None:
    if any(p is None for p in parts):
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[dict | None]) -> dict | None:
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else {"$or": kept}


def _strata(pack: m.Pack) -> dict[str, int]:
    graph = dependency_graph(pack)
    level: dict[str, int] = {}

    def depth(rule_id: str) -> int:
        if rule_id not in level:
            level[rule_id] = 0           # validated acyclic: provisional value never read back
            level[rule_id] = 1 + max((depth(d) for d in graph[rule_id] if d in graph), default=-1)
        return level[rule_id]
    for rule_id in graph:
        depth(rule_id)
    return level


def title_from(text: str) -> str:
    return text.strip().rstrip("；;。，,：:").strip()


def compile_pack(pack: m.Pack, vocab: Vocabulary | None = None) -> CompiledPack:
    """Compile a pack that `validate_pack` accepted."""
    vocab = vocab or default_vocabulary()
    levels = _strata(pack)
    ordered = sorted(pack.rules, key=lambda r: (levels[r.id], pack.rules.index(r)))
    index_of = {r.id: i for i, r in enumerate(ordered)}
    resolved: dict[Cite, ResolvedCite] = {}
    for rule in ordered:
        for cite in rule.all_cites():
            law = pack.documents[cite.document].law
            found = resolve(law, cite) if law else f"no text for `{cite.document}`"
            label, text = found if isinstance(found, tuple) else (cite.compact(pack.default_document), "")
            article = law.articles.get(cite.article) if law else None
            resolved[cite] = ResolvedCite(cite, cite.compact(pack.default_document), label, text,
                                          article.title if article else None)
    overridden_by: dict[str, list[int]] = {r.id: [] for r in ordered}
    for rule in ordered:
        for target in rule.overrides:
            overridden_by[target].append(index_of[rule.id])
    compiled: list[CompiledRule] = []
    all_keys: set[str] = {"k", "s"}
    derived: list = []
    for i, rule in enumerate(ordered):
        cc = _ConditionCompiler(vocab, index_of, derived)
        fn = cc.python(rule.when)
        true_expr, false_expr = cc.durable(rule.when)
        all_keys |= cc.keys
        titles = {}
        for j, con in enumerate(rule.then):
            if con.kind in ("sanction", "incentive", "procedure_step"):
                title = con.fields.get("title_zh")
                if not title:
                    cites = con.cites or rule.cites
                    best = next((c for c in cites if c.item is not None), None) or next((c for c in cites if c.paragraph is not None), cites[0])
                    title = title_from(resolved[best].text)
                titles[j] = title
        compiled.append(CompiledRule(i, rule, levels[rule.id], sorted(overridden_by[rule.id]), fn, true_expr, false_expr,
                                     frozenset(cc.keys), [resolved[c] for c in rule.all_cites()], titles,
                                     read_keys=tuple(sorted(cc.keys))))
    all_keys |= {outcome_key(r.index) for r in compiled}
    graph = dependency_graph(pack)
    for reader_id, deps in graph.items():
        for dep in deps:
            if dep in index_of:
                compiled[index_of[dep]].readers.append(index_of[reader_id])
    n_strata = 1 + max((r.stratum for r in compiled), default=0)
    strata = [[r for r in compiled if r.stratum == s] for s in range(n_strata)]
    return CompiledPack(pack, vocab, compiled, strata, {r.rule.id: r for r in compiled}, resolved, frozenset(all_keys),
                        derived)

