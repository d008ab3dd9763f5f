"""`--why-not ID`: why a measure (or any rule) does or does not apply, down to the facts, and the smallest change of
the event's facts that would make it apply.

The chain is rendered from the plan's own verdicts (`Evaluation.verdict`): below each rule, the parts that stand in
the way (false or unknown where the rule needs them true; true where an exception must not hold), through `rule:`
leaves into the rules they read and into the exceptions that override them, down to the facts. Nothing here
decides anything: the smallest change is found by evaluating variants of the event with `api.evaluation` (a
missing or false yes/no fact set, a conduct tag or list member the condition names added, an enum value the
condition names), singly, then in pairs, then in threes, within a fixed budget, keeping the smallest sets that
make the target rule fire.
"""
from __future__ import annotations

import copy
import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..engine.assemble import Evaluation
from ..engine.because import because
from ..errors import CreditRulesError, Diagnostic, InputError, Position, did_you_mean
from ..plan import conditions as n
from ..plan.conclusions import output_id
from ..plan.conditions import Verdict
from ..plan.plan import Plan, PlanRule
from . import words as wd
from .data import _Builder

FORMAT = "creditrules.why_not/1"
MAX_DEPTH = 16          # rules reading rules: the packs go 5 deep
MAX_CANDIDATES = 24     # single changes tried
MAX_PAIR_BASE = 16      # pairs are drawn from the first 16 candidates (120 pairs at most)
MAX_TRIPLE_BASE = 8     # then triples from the first 8 (56 at most), while the budget lasts
MAX_EVALUATIONS = 200   # variants evaluated in all (about 1 ms each)
PER_LEAF = 3            # values tried per condition leaf (the first tags / members / values it names)


def known_outcome_ids(plan: Plan) -> dict[str, list[str]]:
    """Every id a user may ask about (sanction, incentive, decision, deadline, step, or a rule id) -> rule ids."""
    ids: dict[str, list[str]] = {}
    for rule in plan.rules:
        ids.setdefault(rule.id, []).append(rule.id)
        for con in rule.conclusions:
            oid = output_id(con)
            if oid is not None and rule.id not in ids.setdefault(oid, []):
                ids[oid].append(rule.id)
    return ids


def unknown_outcome(plan: Plan, target: str) -> InputError:
    ids = known_outcome_ids(plan)
    return InputError([Diagnostic("unknown-outcome", f"no sanction, incentive, decision, deadline or rule `{target}` "
                                  f"in pack {plan.id}", Position(), did_you_mean(target, ids))])


# --- the chain --------------------------------------------------------------------------------------------------

def _mark(truth: Any) -> str:
    return "unknown" if truth is None else "true" if truth else "false"


class _Chain:
    def __init__(self, found: Evaluation, lang: str):
        self.found, self.plan, self.lang = found, found.plan, lang
        self.w = wd.words(lang)
        self.leaves: list[tuple[Verdict, bool]] = []       # the leaves that stand in the way, with the truth wanted

    def rule_node(self, rule: PlanRule, want: bool, depth: int, exception: bool = False) -> dict:
        outcome = self.found.outcome(rule)
        verdict = self.found.verdict(rule)
        node = {"rule": rule.id, "outcome": outcome, "outcome_words": self.w["outcomes"][outcome],
                "because": because(verdict, self.lang), "exception": exception, "mark": None,
                "children": self.rule_parts(rule, want, depth)}
        return node

    def rule_parts(self, rule: PlanRule, want: bool, depth: int) -> list[dict]:
        """Why `rule`'s effective outcome is not `want`: its condition's parts, or the exception in the way."""
        if depth > MAX_DEPTH:
            return []
        found = self.found
        outcome = found.outcome(rule)
        effective = found.outcomes.effective[rule.index]
        if effective is want or outcome == "not_in_version":
            return []
        raw = found.outcomes.raw[rule.index]
        if want and raw is True:             # the condition holds: an exception holds, or may
            return [self.rule_node(self.plan.rules[o], False, depth + 1, exception=True) for o in rule.overridden_by
                    if found.outcomes.effective[o] is not False]
        return self.parts(found.verdict(rule), want, depth)

    def parts(self, v: Verdict, want: bool, depth: int) -> list[dict]:
        """The parts of verdict `v` that keep it from `want`, down to the leaves (composites flattened)."""
        if v.truth is want or depth > MAX_DEPTH:
            return []
        node = v.node
        if isinstance(node, n.Not):
            return self.parts(v.children[0], not want, depth)
        if isinstance(node, (n.All, n.AnyOf)):
            out: list[dict] = []
            for child in v.children:
                if child.truth is not want:
                    out += self.parts(child, want, depth)
            return out
        if isinstance(node, n.RuleHolds):
            rule = self.plan.rule(node.rule)
            found = self.rule_node(rule, want, depth + 1)
            children = found["children"]
            if len(children) == 1 and not children[0]["children"] and children[0].get("text") == found["because"]:
                found["children"] = []          # the rule's words are its one leaf's words: said once
            return [{**found, "mark": _mark(v.truth)}]
        self.leaves.append((v, want))
        return [{"mark": _mark(v.truth), "text": because(v, self.lang), "children": []}]


# --- candidate changes ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One change of the event: `op` set | add | remove | delete at `path` (facts.<name>, conduct, basis.type)."""
    op: str
    path: str
    name: str
    value: Any = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.op, self.path, repr(self.value)


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


def _satisfying(op: str, value: Any, want: bool, ftype: str, values: tuple[Any, ...]) -> list[Any]:
    """Values v with `v op value` == want (a few, for int, date and enum facts)."""
    if not want:
        op = {"eq": "ne", "ne": "eq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}[op]
    if op == "eq":
        return [value]
    if op == "ne":
        return [x for x in values if x != value][:1] if ftype == "enum" else (
            [value + 1] if ftype == "int" and isinstance(value, int) else [])
    step: Any = 1 if ftype == "int" else dt.timedelta(days=1) if ftype == "date" else None
    if step is None or value is None:
        return []
    try:
        return [{"gt": value + step, "gte": value, "lt": value - step, "lte": value}[op]]
    except (OverflowError, TypeError):
        return []


def candidates(plan: Plan, event: dict, leaves: Iterable[tuple[Verdict, bool]]) -> list[Change]:
    """The changes of the event that would turn each leaf in the way to the truth wanted (a few per leaf)."""
    out: dict[tuple[str, str, str], Change] = {}
    facts = event.get("facts") or {}
    slots = plan.schema.facts
    vocab = plan.vocab.facts

    def add(change: Change) -> None:
        out.setdefault(change.key, change)

    for v, want in leaves:
        node = v.node
        if isinstance(node, n.FactIs):
            add(Change("set", f"facts.{node.name}", node.name, want))
        elif isinstance(node, (n.FactCompare, n.FactIn)):
            slot = slots.get(node.name)
            term = vocab.get(node.name)
            ftype = slot.type if slot else ""
            allowed = tuple(term.values) if term is not None else ()
            if isinstance(node, n.FactIn):
                chosen = list(node.shown) if want else [x for x in allowed if x not in node.values]
            else:
                chosen = _satisfying(node.op, node.value, want, ftype, allowed)
            for x in chosen[:PER_LEAF]:
                add(Change("set", f"facts.{node.name}", node.name, _plain(x)))
        elif isinstance(node, n.FactIncludesAny):
            if want:
                for x in node.shown[:PER_LEAF]:
                    add(Change("add", f"facts.{node.name}", node.name, x))
            elif facts.get(node.name):
                add(Change("remove", f"facts.{node.name}", node.name, tuple(sorted(node.members))))
        elif isinstance(node, n.ConductAny):
            if want:
                for x in node.shown[:PER_LEAF]:
                    add(Change("add", "conduct", "conduct", x))
            elif event.get("conduct"):
                add(Change("remove", "conduct", "conduct", tuple(sorted(node.values))))
        elif isinstance(node, n.BasisIn) and want:
            for x in node.shown[:PER_LEAF]:
                add(Change("set", "basis.type", "basis", x))
        elif isinstance(node, n.Present) and node.path in slots:
            if want and slots[node.path].type == "bool":
                add(Change("set", f"facts.{node.path}", node.path, True))
            elif not want and node.path in facts:
                add(Change("delete", f"facts.{node.path}", node.path))
    return list(out.values())


def apply(event: dict, changes: Iterable[Change]) -> dict:
    """A copy of `event` (plain data) with the changes made."""
    e = copy.deepcopy(event)
    for ch in changes:
        if ch.path == "conduct":
            tags = list(e.get("conduct") or [])
            if ch.op == "add" and ch.value not in tags:
                tags.append(ch.value)
            elif ch.op == "remove":
                tags = [t for t in tags if t not in ch.value]
            e["conduct"] = tags
        elif ch.path == "basis.type":
            e["basis"] = {**(e.get("basis") or {}), "type": ch.value}
        else:
            facts = e.setdefault("facts", {})
            if ch.op == "set":
                facts[ch.name] = ch.value
            elif ch.op == "delete":
                facts.pop(ch.name, None)
            elif ch.op == "add":
                members = list(facts.get(ch.name) or [])
                if ch.value not in members:
                    members.append(ch.value)
                facts[ch.name] = members
            elif ch.op == "remove":
                facts[ch.name] = [x for x in facts.get(ch.name) or [] if x not in ch.value]
    return e


def _describe_now(ch: Change, event: dict, w: dict, lang: str) -> str:
    if ch.path == "conduct":
        tags = event.get("conduct")
        return w["conduct_missing"] if tags is None else w["conduct_is"].format(value=wd.value(list(tags), lang))
    if ch.path == "basis.type":
        basis = event.get("basis")
        return w["basis_missing"] if not basis else w["basis_is"].format(value=basis.get("type"))
    facts = event.get("facts") or {}
    if ch.name not in facts:
        return w["is_missing"].format(name=ch.name)
    current = facts[ch.name]
    if current is False:
        return w["is_false"].format(name=ch.name)
    return w["is_value"].format(name=ch.name, value=wd.value(current, lang))


def _describe_set(ch: Change, w: dict, lang: str, alone: bool) -> str:
    if ch.path == "conduct":
        return w["add_conduct"].format(value=ch.value) if ch.op == "add" else w["set_value"].format(
            name="conduct", value=wd.value(ch.value, lang))
    if ch.path == "basis.type":
        return w["set_basis"].format(value=ch.value)
    name = ("其" if lang == "zh" else "it") if alone else (f"{ch.name} " if lang == "zh" else ch.name)
    if ch.op == "add":
        return w["add_member"].format(name=name, value=ch.value)
    if ch.op == "delete":
        return w["is_missing"].format(name=name)
    if ch.value is True:
        return w["set_true"].format(name=name)
    if ch.value is False:
        return w["set_false"].format(name=name)
    return w["set_value"].format(name=name, value=wd.value(ch.value, lang))


class _Search:
    def __init__(self, found: Evaluation, rules: list[PlanRule], lang: str):
        self.found, self.rules, self.lang = found, rules, lang
        self.event = found.event.model_dump(mode="json", exclude_none=True)
        self.tried = 0

    def fires(self, changes: tuple[Change, ...]) -> list[str] | None:
        """The target rules that fire with these changes made (None: none, or the variant is not a valid event)."""
        from .. import api
        if self.tried >= MAX_EVALUATIONS:
            return None
        self.tried += 1
        det = self.found.determination
        try:
            variant = api.evaluation(apply(self.event, changes), self.found.plan.source, det["as_of"], trace="none")
        except CreditRulesError:
            return None
        fired = [r.id for r in self.rules if variant.outcome(variant.plan.rule(r.id)) == "fired"]
        return fired or None

    def run(self, changes: list[Change]) -> list[tuple[tuple[Change, ...], list[str]]]:
        found: list[tuple[tuple[Change, ...], list[str]]] = []
        for ch in changes[:MAX_CANDIDATES]:
            fired = self.fires((ch,))
            if fired:
                found.append(((ch,), fired))
        if found:
            return found
        for size in (2, 3):
            base = changes[:MAX_PAIR_BASE if size == 2 else MAX_TRIPLE_BASE]
            for combo in itertools.combinations(base, size):
                if len({ch.path for ch in combo if ch.op == "set"}) < sum(1 for ch in combo if ch.op == "set"):
                    continue                  # two values for one fact
                if self.tried >= MAX_EVALUATIONS:
                    return found
                fired = self.fires(combo)
                if fired:
                    found.append((combo, fired))
            if found:
                return found
        return found


def why_not_data(found: Evaluation, target: str, lang: str = "zh") -> dict:
    """Why `target` (an outcome id or a rule id) does or does not apply, as plain data: each rule that could conclude
    it, its outcome and the chain down to the facts, and the smallest changes that would make it apply."""
    lang = "zh" if lang == "zh" else "en"
    plan = found.plan
    ids = known_outcome_ids(plan)
    if target not in ids:
        raise unknown_outcome(plan, target)
    w = wd.words(lang)
    builder = _Builder(found, lang)
    chain = _Chain(found, lang)
    rules = [plan.rule(r) for r in ids[target]]
    nodes = []
    for rule in rules:
        node = chain.rule_node(rule, True, 0)
        node["citations"] = builder.cites(rule.refs)
        nodes.append(node)
    applies = any(found.outcome(r) == "fired" for r in rules)
    search = _Search(found, rules, lang)
    changes_found: list[dict] = []
    cands: list[Change] = []
    if not applies:
        cands = candidates(plan, search.event, chain.leaves)
        for changes, fired in search.run(cands)[:6]:
            labels = []
            for rule_id in fired:
                for ref in plan.rule(rule_id).refs[:2]:
                    label = wd.compact_label(ref, lang, plan.pack.default_document)
                    if label not in labels:
                        labels.append(label)
            now = (w["and"] if lang == "en" else "，").join(_describe_now(ch, search.event, w, lang) for ch in changes)
            sets = (w["and"] if lang == "en" else "，").join(_describe_set(ch, w, lang, len(changes) == 1)
                                                            for ch in changes)
            applies_words = w["change_applies"].format(labels=w["list_sep"].join(labels))
            space = " " if sets[:1].isascii() else ""
            text = (f"{now}；若{space}{sets}，{applies_words}" if lang == "zh" else
                    f"{now}; with {sets}, {applies_words}")
            changes_found.append({"text": text, "rules": fired, "labels": labels,
                                  "changes": [{"op": ch.op, "path": ch.path, "value": ch.value} for ch in changes]})
    if applies:
        summary = w["already"]
    elif changes_found:
        summary = ""
    elif cands:
        summary = w["no_change"].format(n=search.tried, facts=w["list_sep"].join(sorted({c.name for c in cands})))
    else:
        summary = w["no_candidates"]
    return {"format": FORMAT, "lang": lang, "target": target, "header": builder.header(), "applies": applies,
            "rules": nodes, "changes": changes_found, "tried": search.tried, "summary": summary}
