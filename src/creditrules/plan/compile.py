"""Compile stage: a validated pack -> a frozen `Plan` (plan/plan.py). A pure function; the workspace caches it.

1. rules are ordered into strata (a rule after every rule it reads and every exception that may override it);
2. each condition becomes typed nodes (plan/conditions.py) reading the fact view through the schema's keys;
3. each conclusion becomes a typed conclusion (plan/conclusions.py) with its citations resolved;
4. every cited provision is resolved against the held text once (label, title, words);
5. static shortcuts: per event kind, the rules that can be other than false; per version, the rules it leaves out.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Optional

from .. import model as m
from ..determination import CitationRef
from ..gcpause import paused_gc
from ..lawtext import Cite, resolve
from ..timerules import WorkingDayCalendar
from ..validate import dependency_graph
from ..vocabulary import Vocabulary
from . import conclusions as c
from . import conditions as n
from .facts import FactSchema, FactSlot, date_key, fact_key, offset_key, outcome_key, present_key
from .plan import Plan, PlanRule, Provision, frozen_map


class _Compiler:
    def __init__(self, pack: m.Pack, vocab: Vocabulary, index_of: dict[str, int]):
        self.pack = pack
        self.vocab = vocab
        self.index_of = index_of
        self.offsets: list[Any] = []
        self.date_paths: dict[str, None] = {}
        self.read_facts: set[str] = set()
        self.read_kinds: set[str] = set()
        self.read_conduct: set[str] = set()

    def _fact_value(self, fact: str, value: Any) -> Any:
        term = self.vocab.facts.get(fact)
        if term is not None and term.type == "date" and value is not None and not isinstance(value, dt.date):
            return dt.date.fromisoformat(str(value))
        return value

    def _date_path(self, path: str) -> str:
        self.date_paths[path] = None
        if path.startswith("facts."):
            self.read_facts.add(path[6:])
        return date_key(path)

    def _offset(self, expr: Any) -> str:
        if expr not in self.offsets:
            self.offsets.append(expr)
        if isinstance(expr, m.YearDate):
            self.read_facts.add(expr.year_path[6:])
        else:
            for p in expr.paths:
                self._date_path(p)
        return offset_key(self.offsets.index(expr))

    def condition(self, cond: m.Condition) -> n.Node:
        if isinstance(cond, m.Always):
            return n.Always()
        if isinstance(cond, m.All):
            return n.All(tuple(self.condition(x) for x in cond.children))
        if isinstance(cond, m.AnyOf):
            return n.AnyOf(tuple(self.condition(x) for x in cond.children))
        if isinstance(cond, m.Not):
            return n.Not(self.condition(cond.child))
        if isinstance(cond, m.KindIn):
            self.read_kinds.update(cond.values)
            return n.KindIn(frozenset(cond.values), tuple(cond.values))
        if isinstance(cond, m.SubjectIn):
            return n.SubjectIn(frozenset(cond.values), tuple(cond.values))
        if isinstance(cond, m.ConductAny):
            self.read_conduct.update(cond.values)
            return n.ConductAny(frozenset(cond.values), tuple(cond.values))
        if isinstance(cond, m.BasisIn):
            return n.BasisIn(frozenset(cond.values), tuple(cond.values))
        if isinstance(cond, m.Present):
            if cond.path in self.vocab.facts:
                self.read_facts.add(cond.path)
            return n.Present(cond.path, present_key(cond.path))
        if isinstance(cond, m.RuleRef):
            return n.RuleHolds(cond.rule, outcome_key(self.index_of[cond.rule]))
        if isinstance(cond, m.AgeAtEvent):
            return n.AgeCompare(cond.op, cond.value)
        if isinstance(cond, m.DateCompare):
            left = self._date_path(cond.left)
            if isinstance(cond.right, (m.DateExpr, m.YearDate)):
                return n.DateCompare(cond.left, left, cond.op, None, self._offset(cond.right), cond.right)
            return n.DateCompare(cond.left, left, cond.op, cond.right, None, None)
        if isinstance(cond, m.FactTest):
            self.read_facts.add(cond.name)
            key = fact_key(cond.name)
            if cond.op == "is_true":
                return n.FactIs(cond.name, key)
            if cond.op == "any_of":
                return n.FactIncludesAny(cond.name, key, frozenset(cond.value), tuple(cond.value))
            if cond.op == "in":
                values = tuple(self._fact_value(cond.name, x) for x in cond.value)
                return n.FactIn(cond.name, key, frozenset(values), values)
            return n.FactCompare(cond.name, key, cond.op, self._fact_value(cond.name, cond.value))
        raise TypeError(f"cannot compile condition {cond!r}")  # pragma: no cover - the loader builds only these

    def conclusion(self, rule: m.Rule, con: m.Conclusion, provisions: dict[Cite, Provision]) -> c.Conclusion:
        own = tuple(con.cites) or tuple(rule.cites)
        base: dict[str, Any] = dict(cites=own, refs=tuple(provisions[x].ref for x in own),
                                    recorded=tuple(provisions[x] for x in dict.fromkeys([*con.cites, *rule.cites])),
                                    pos=con.pos)
        f = con.fields
        k = con.kind
        if k == "dishonesty":
            return c.DishonestyLevel(level=f["level"], **base)
        if k == "severe_criterion":
            return c.SevereCriterion(**base)
        if k == "severe_list":
            return c.SevereListing(deferred=f.get("value") == "deferred",
                                   deferral_stated=any(o.kind == "deferral" for o in rule.then), **base)
        if k in ("procedure_step", "sanction", "incentive"):
            title = f.get("title_zh") or _title(own, provisions)
            oid = f.get("id") or rule.id
            if k == "procedure_step":
                return c.ProcedureStep(id=oid, title_zh=title, **base)
            if k == "sanction":
                return c.Sanction(id=oid, tier=f["tier"], target=f.get("target", "subject"), title_zh=title, **base)
            return c.Incentive(id=oid, title_zh=title, **base)
        if k == "publication":
            for path in f.get("start") or ():
                self._date_path(path)
            return c.PublicationTerms(terms=tuple(f.items()), **base)
        if k == "repair":
            return c.RepairTerms(terms=tuple(f.items()), **base)
        if k == "deadline":
            for path in f["from"]:
                self._date_path(path)
            return c.Deadline(id=f["id"], working_days=f["working_days"], start_paths=tuple(f["from"]), **base)
        if k == "decision":
            return c.Decision(id=f["id"], value=f.get("value"), until=f.get("until"), **base)
        if k == "warning":
            return c.Notice(text=f["text"], **base)
        if k == "deferral":
            return c.Deferral(what=f["what"], to=f["to"], **base)
        raise TypeError(f"cannot compile conclusion {k}")  # pragma: no cover


def _title(cites: tuple[Cite, ...], provisions: dict[Cite, Provision]) -> str:
    """A measure's title where the pack gives none: the words of its most precise provision."""
    best = next((x for x in cites if x.item is not None), None) or next((x for x in cites if x.paragraph is not None), cites[0])
    return provisions[best].text.strip().rstrip("；;。，,：:").strip()


def _strata(pack: m.Pack) -> dict[str, int]:
    graph = dependency_graph(pack)
    level: dict[str, int] = {}
    # depth first without recursion: a chain of `rule:` references may be thousands of rules long (issue 13)
    for start in graph:
        if start in level:
            continue
        stack, open_ = [(start, iter(graph[start]))], {start}
        while stack:
            rule_id, deps = stack[-1]
            for d in deps:
                if d in graph and d not in level and d not in open_:   # open_: never, validated acyclic
                    open_.add(d)
                    stack.append((d, iter(graph[d])))
                    break
            else:
                stack.pop()
                open_.discard(rule_id)
                level[rule_id] = 1 + max((level.get(d, 0) for d in graph[rule_id] if d in graph), default=-1)
    return level


def _provisions(pack: m.Pack, rules: list[m.Rule]) -> dict[Cite, Provision]:
    out: dict[Cite, Provision] = {}
    for rule in rules:
        for cite in rule.all_cites():
            if cite in out:
                continue
            document = pack.documents[cite.document]
            law = document.law
            found = resolve(law, cite) if law else f"no text for `{cite.document}`"
            compact = cite.compact(pack.default_document)
            label, text = found if isinstance(found, tuple) else (compact, "")
            article = law.articles.get(cite.article) if law else None
            ref = CitationRef(cite.document, cite.article, cite.paragraph, cite.item, label)
            title = article.title if article else None
            cited = {role: {"document": cite.document, "article": cite.article, "paragraph": cite.paragraph,
                            "item": cite.item, "label": label, "title": title, "text": text, "role": role}
                     for role in ("applied", "not_applied", "undetermined")}
            out[cite] = Provision(cite, compact, ref, label, title, text, document.status == "draft",
                                  document.title_zh, frozen_map(cited))
    return out


@paused_gc()
def compile_plan(pack: m.Pack, vocab: Vocabulary, calendar: Optional[WorkingDayCalendar] = None, *,
                 digest: str = "", source: str = "") -> Plan:
    """Compile a pack that `validate_pack` accepted (with the vocabulary it was validated against)."""
    levels = _strata(pack)
    position = {id(r): i for i, r in enumerate(pack.rules)}          # (not list.index: quadratic in rules)
    ordered = sorted(pack.rules, key=lambda r: (levels[r.id], position[id(r)]))
    index_of = {r.id: i for i, r in enumerate(ordered)}
    provisions = _provisions(pack, ordered)
    comp = _Compiler(pack, vocab, index_of)
    graph = dependency_graph(pack)
    readers: dict[str, list[int]] = {r.id: [] for r in ordered}
    for reader_id, deps in graph.items():
        for dep in deps:
            if dep in readers:
                readers[dep].append(index_of[reader_id])
    overridden_by: dict[str, list[int]] = {r.id: [] for r in ordered}
    for rule in ordered:
        for target in rule.overrides:
            overridden_by[target].append(index_of[rule.id])
    rules: list[PlanRule] = []
    for i, rule in enumerate(ordered):
        condition = comp.condition(rule.when)
        conclusions = tuple(comp.conclusion(rule, con, provisions) for con in rule.then)
        cites = tuple(rule.all_cites())
        rules.append(PlanRule(
            index=i, id=rule.id, group=rule.group, stratum=levels[rule.id], condition=condition,
            conclusions=conclusions, overridden_by=tuple(sorted(overridden_by[rule.id])),
            readers=tuple(readers[rule.id]), reads=tuple(x.rule for x in n.walk(condition) if isinstance(x, n.RuleHolds)),
            versions=frozenset(rule.versions) if rule.versions is not None else None, cites=cites,
            refs=tuple(provisions[x].ref for x in cites), outcome_key=outcome_key(i),
            only_criteria=all(isinstance(x, c.SevereCriterion) for x in conclusions), title=rule.title, source=rule))
    rules = [dataclasses.replace(r, shared=_shared(r, rules)) if r.overridden_by else r for r in rules]
    n_strata = 1 + max((r.stratum for r in rules), default=0)
    strata = tuple(tuple(r.index for r in rules if r.stratum == s) for s in range(n_strata))

    # kind shortcut: a rule whose condition is false under a kind is not evaluated for events of that kind
    rule_kinds: dict[str, Optional[frozenset[str]]] = {}
    for r in rules:                                   # in stratum order: referenced rules come first
        rule_kinds[r.id] = n.possible_kinds(r.condition, rule_kinds)

    excluded = {v.id: frozenset(r.index for r in rules if r.versions is not None and v.id not in r.versions)
                for v in pack.versions}

    def possible(i: int, version: str, kind: str) -> bool:
        kinds = rule_kinds[rules[i].id]
        return i not in excluded[version] and (kinds is None or kind in kinds)
    candidates = {(v, kind): tuple(tuple(i for i in stratum if possible(i, v, kind)) for stratum in strata)
                  for v in excluded for kind in vocab.kinds}
    declinable = {key: tuple(i for stratum in per_stratum for i in stratum if _declinable(rules[i]))
                  for key, per_stratum in candidates.items()}
    schema = FactSchema(
        facts={name: FactSlot(name, term.type or "bool", fact_key(name)) for name, term in vocab.facts.items()},
        date_paths=tuple(comp.date_paths), read_facts=frozenset(comp.read_facts),
        read_kinds=frozenset(comp.read_kinds), read_conduct=frozenset(comp.read_conduct))
    return Plan(pack=pack, vocab=vocab, calendar=calendar or WorkingDayCalendar(), digest=digest, source=source,
                rules=tuple(rules), strata=strata, by_id=frozen_map(index_of), schema=schema,
                offsets=tuple(comp.offsets), provisions=frozen_map(provisions), candidates=frozen_map(candidates),
                excluded=frozen_map(excluded), declinable=frozen_map(declinable),
                withheld=frozenset(r.index for r in rules if r.source.retroactivity == "new_consequence"))


_NEGATIVE_KINDS = (c.DishonestyLevel, c.SevereCriterion, c.SevereListing)


def _declinable(rule: PlanRule) -> bool:
    """Whether the rule's not applying is a conclusion in itself (CONTRACT.md section 3: "a negative or
    undetermined conclusion cites the provision that decides it"): not dishonesty information, a severe-list
    criterion not met, no right to repair, or a general rule an exception set aside."""
    return bool(rule.overridden_by) or any(
        isinstance(x, _NEGATIVE_KINDS) or (isinstance(x, c.RepairTerms) and "eligible" in x.as_dict)
        for x in rule.conclusions)


_CITING = ("cites", "refs", "recorded", "pos")


def _same_content(a: c.Conclusion, b: c.Conclusion) -> bool:
    """Two conclusions say the same thing, whatever they cite."""
    return type(a) is type(b) and all(getattr(a, f.name) == getattr(b, f.name)
                                      for f in dataclasses.fields(a) if f.name not in _CITING)


def _shared(rule: PlanRule, rules: list[PlanRule]) -> tuple[tuple[c.Conclusion, frozenset[int]], ...]:
    """The parts of a general rule's conclusions that its exceptions conclude as well, each with the exceptions
    that agree (issue 12, item 2: an undetermined exception blocks only what it would change). Publication and
    repair terms are compared term by term: Jilin 19(1) and 37(3) both publish a severe penalty for three years
    from the day it takes effect, so while 37(3) is undetermined the start and the maximum stand, and only the
    minimum and the repair wait for it."""
    out: list[tuple[c.Conclusion, frozenset[int]]] = []
    exceptions = [(o, rules[o].conclusions) for o in rule.overridden_by]
    for con in rule.conclusions:
        if isinstance(con, (c.PublicationTerms, c.RepairTerms)):
            groups: dict[frozenset[int], list[tuple[str, Any]]] = {}
            for key, value in con.terms:
                agree = frozenset(o for o, theirs in exceptions if any(
                    type(x) is type(con) and key in x.as_dict and x.as_dict[key] == value
                    for x in theirs))
                if agree:
                    groups.setdefault(agree, []).append((key, value))
            out += [(dataclasses.replace(con, terms=tuple(terms)), agree) for agree, terms in groups.items()]
        else:
            agree = frozenset(o for o, theirs in exceptions if any(_same_content(con, x) for x in theirs))
            if agree:
                out.append((con, agree))
    return tuple(out)
