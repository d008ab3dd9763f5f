"""Evaluate stage: one event + a plan + a prepared backend -> a determination, as plain data.

1. the pack version is chosen by legal date (versions.py);
2. the event becomes a fact view (facts.py);
3. the backend decides each stratum's conditions (true / false / unknown); exceptions apply
   (`overrides`: effective = condition AND NOT exception, three-valued); outcomes go into the view for the next
   stratum (decide);
4. only the rules that are not false are visited: their conclusions go to the collectors (collectors.py), the
   undetermined ones report their missing facts where they could change the result;
5. the trace is rendered from verdicts at the level asked for (full | fired | none).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional, Protocol

from ..determination import TraceEntry
from ..event import CreditEvent
from ..identifiers import identifier_warning
from ..messages import msg
from ..plan import conclusions as c
from ..plan.conditions import Truth, Verdict
from ..plan.facts import KIND, View
from ..plan.plan import Plan, PlanRule
from .collectors import COLLECTORS, Collector, Context
from .facts import fact_view
from .tracewords import TraceWords, rendered
from .versions import VersionChoice, select_version

TRACE_LEVELS = ("full", "fired", "none")


class Prepared(Protocol):
    """A backend's form of one plan (backends/): decides the rules of one stratum over one view."""
    name: str

    def decide(self, stratum: int, rules: tuple[int, ...], view: View) -> dict[int, Truth]: ...


class Tracer(Protocol):
    def rule_considered(self, rule: PlanRule, entry: TraceEntry) -> None: ...
    def determined(self, determination: dict[str, Any]) -> None: ...


@dataclass
class Outcomes:
    raw: list[Truth]                 # the condition's own truth
    effective: list[Truth]           # after the exceptions that override it
    excluded: frozenset[int]         # not part of the selected version
    visited: list[int]               # rules whose condition is not false (fired, undetermined or overridden), in order
    withheld: frozenset[int] = frozenset()   # new consequences not applied to conduct before the pack was in force


def _and_not(value: Truth, exception: Truth) -> Truth:
    """value AND NOT exception, three-valued."""
    if value is False or exception is True:
        return False
    if value is None or exception is None:
        return None
    return True


def decide(plan: Plan, view: View, version: str, backend: Prepared, withhold: bool = False) -> Outcomes:
    """Decide every rule for one view, stratum by stratum; the view gains each rule's outcome as it goes. With
    `withhold` (the conduct precedes the version's entry into force), a rule attaching a new consequence to it is
    not applied: its effective outcome is false (立法法 art. 104; engine/versions.py)."""
    size = len(plan.rules)
    raw: list[Truth] = [False] * size
    effective: list[Truth] = [False] * size
    visited: list[int] = []
    rules = plan.rules
    excluded = plan.excluded[version]
    withheld = plan.withheld if withhold else frozenset()
    for s, wanted in enumerate(plan.to_decide(version, view[KIND])):
        if not wanted:
            continue
        for i, truth in backend.decide(s, wanted, view).items():
            if i in excluded:                     # a backend may decide more than asked (durable: a cross-check)
                continue
            value = truth
            for o in rules[i].overridden_by:
                value = _and_not(value, effective[o])
            if i in withheld:
                value = False
            raw[i] = truth
            effective[i] = value
            view[rules[i].outcome_key] = value
            if truth is not False:
                visited.append(i)
    visited.sort()
    return Outcomes(raw, effective, excluded, visited, withheld)


_TRACE_WORDS = {
    "en": {"not_in_version": "not part of the selected pack version",
           "withheld": "it attaches a new consequence to conduct from before the pack was in force, and is not "
                       "applied to it (立法法 art. 104: 实体从旧)",
           "overridden": "its conditions hold, but the exception {rule} ({label}) applies",
           "exception_unknown": "its conditions hold, but whether the exception {rule} ({label}) applies is unknown"},
    "zh": {"not_in_version": "不属于所选版本",
           "withheld": "该规定对施行前的行为设定新的后果，不适用于该行为（《立法法》第一百零四条：实体从旧）",
           "overridden": "条件成立，但例外规则 {rule}（{label}）适用",
           "exception_unknown": "条件成立，但例外规则 {rule}（{label}）是否适用尚不能确定"},
}


@dataclass
class Evaluation:
    """Everything one evaluation worked out: the view, the outcomes, and the determination (plain data). Tools
    that explain (`--why-not`) ask it for verdicts instead of deciding anything again."""
    plan: Plan
    event: CreditEvent
    view: View
    outcomes: Outcomes
    choice: VersionChoice
    determination: dict[str, Any]
    verdicts: "Verdicts"

    def verdict(self, rule: PlanRule) -> Verdict:
        return self.verdicts[rule.index]

    def outcome(self, rule: PlanRule) -> str:
        return _outcome(rule, self.outcomes)


def _outcome(rule: PlanRule, outcomes: Outcomes) -> str:
    i = rule.index
    if i in outcomes.excluded:
        return "not_in_version"
    raw, effective = outcomes.raw[i], outcomes.effective[i]
    if i in outcomes.withheld and raw is not False:
        return "withheld"
    if raw is True and effective is False:
        return "overridden"
    return {True: "fired", False: "not_fired", None: "undetermined"}[effective]


def _exceptions(plan: Plan, rule: PlanRule, outcomes: Outcomes, value: Truth) -> list[PlanRule]:
    return [plan.rules[o] for o in rule.overridden_by if outcomes.effective[o] is value]


class Verdicts(dict[int, Verdict]):
    """The verdicts of one evaluation, by rule index, each worked out once (never shared across evaluations)."""

    def __init__(self, plan: Plan, view: View):
        super().__init__()
        self.plan, self.view = plan, view

    def __missing__(self, index: int) -> Verdict:
        verdict = self[index] = self.plan.rules[index].condition.verdict(self.view)
        return verdict


def missing_of(plan: Plan, rule: PlanRule, outcomes: Outcomes, view: View, words: Optional[TraceWords] = None,
               verdicts: Optional["Verdicts"] = None) -> tuple[str, ...]:
    """The facts whose absence leaves an undetermined rule undetermined (its own, or its pending exception's):
    `node.missing`, the verdict's missing facts without building the verdict; with `words`, the missing facts
    remembered with the trace's words (the same facts: `node.missing == verdict.missing`, tests/test_plan.py)."""
    if outcomes.raw[rule.index] is True:
        rule = _exceptions(plan, rule, outcomes, None)[0]
    if words is not None and verdicts is not None:
        return words.of(rule.index, view, verdicts)[1]
    return rule.condition.missing(view)


def _entry(plan: Plan, rule: PlanRule, outcomes: Outcomes, verdicts: Verdicts, lang: str,
           words: Optional[TraceWords]) -> TraceEntry:
    """The rule's trace entry. Its words come from `words` (remembered by the values the condition reads) or, without
    it, are rendered from the verdict now: the same text either way."""
    text = _TRACE_WORDS["zh" if lang == "zh" else "en"]
    outcome = _outcome(rule, outcomes)
    entry = TraceEntry(rule.id, outcome, "", [], list(rule.refs))  # type: ignore[arg-type]
    if outcome in ("not_in_version", "withheld"):
        entry.because = text[outcome]
        return entry
    if outcome == "overridden":
        held = _exceptions(plan, rule, outcomes, True)[0]
        entry.because = text["overridden"].format(rule=held.id, label=plan.provisions[held.cites[0]].label)
        return entry
    if outcomes.raw[rule.index] is True and outcome == "undetermined":
        pending = _exceptions(plan, rule, outcomes, None)[0]
        entry.because = text["exception_unknown"].format(rule=pending.id,
                                                            label=plan.provisions[pending.cites[0]].label)
        entry.missing = list(_said(pending.index, verdicts, lang, words)[1])
        return entry
    entry.because, missing = _said(rule.index, verdicts, lang, words)
    if outcome == "undetermined":
        entry.missing = list(missing)
    return entry


def _said(index: int, verdicts: Verdicts, lang: str, words: Optional[TraceWords]) -> tuple[str, tuple[str, ...]]:
    """A rule's words and missing facts: remembered (`words`), or rendered from its verdict now."""
    return words.of(index, verdicts.view, verdicts) if words is not None else rendered(verdicts[index], lang)


def _unread_names(plan: Plan, event: CreditEvent, ctx: Context) -> None:
    """Warn when the event's kind, a conduct tag or a fact is read by no rule of the pack: an event meant for
    another jurisdiction must not come back "dishonesty: none" without a word (CONTRACT.md section 3)."""
    schema = plan.schema
    if event.kind not in schema.read_kinds:
        ctx.warn(msg("unread_kind", ctx.lang, pack=plan.pack.id, name=event.kind))
    if event.conduct:
        tags = [t for t in event.conduct if t not in schema.read_conduct]
        if tags:
            ctx.warn(msg("unread_conduct", ctx.lang, pack=plan.pack.id, names=", ".join(f"`{t}`" for t in tags)))
    facts = [f for f in event.facts if f not in schema.read_facts]
    if facts:
        ctx.warn(msg("unread_facts", ctx.lang, pack=plan.pack.id, names=", ".join(f"`{f}`" for f in sorted(facts))))


def determine(plan: Plan, event: CreditEvent, as_of: dt.date, backend: Prepared, *, lang: str = "en",
              trace: str = "full", tracer: Optional[Tracer] = None, apply_out_of_force: bool = False,
              words: Optional[TraceWords] = None) -> Evaluation:
    """Evaluate one event: the determination as plain data (CONTRACT.md section 3), with its evaluation. `words`:
    the plan's trace words in `lang`, remembered across events (`Workspace.trace_words`; a cache, the same
    determination without it)."""
    if words is not None and (words.lang != lang or words.plan.digest != plan.digest):
        words = None                     # another plan's or language's words: rendered afresh instead
    choice = select_version(plan.pack, event, as_of, lang, apply_out_of_force)
    view = fact_view(event, plan)
    outcomes = decide(plan, view, choice.version.id, backend, choice.withhold)
    ctx = Context(plan, event, lang)
    for w in choice.warnings:
        ctx.warn(w)
    id_warning = identifier_warning(event.subject.type, event.subject.id, lang)
    if id_warning:
        ctx.warn(id_warning)
    _unread_names(plan, event, ctx)
    collectors: list[Collector] = [cls(ctx) for cls in COLLECTORS]
    by_kind: dict[type[c.Conclusion], Collector] = {kind: col for col in collectors for kind in col.kinds}

    effective, raw = outcomes.effective, outcomes.raw
    rules = plan.rules
    undetermined: list[PlanRule] = []
    verdicts = Verdicts(plan, view)
    for i in outcomes.visited:
        rule = rules[i]
        value = effective[i]
        if value is True:
            for con in rule.conclusions:
                ctx.record(con)
                by_kind[type(con)].applied(rule, con)
            if rule.overridden_by:     # it holds because its exceptions do not: they are cited as not applied
                ctx.record_provisions([plan.provisions[x] for o in rule.overridden_by for x in rules[o].cites],
                                      "not_applied")
        elif value is None:
            if rule.shared and raw[i] is True:
                _apply_shared(rule, effective, ctx, by_kind)
            for con in rule.conclusions:
                by_kind[type(con)].pending(rule, con)
            undetermined.append(rule)
    # missing facts: only those of undetermined rules whose conclusions could still change the determination;
    # their provisions are cited as undetermined
    for rule in undetermined:
        if any(effective[r] is None for r in rule.readers) or any(
                by_kind[type(con)].would_change(rule, con) for con in rule.conclusions):
            ctx.missing.update(missing_of(plan, rule, outcomes, view, words, verdicts))
            for con in rule.conclusions:
                ctx.record(con, "undetermined")
    _decline(plan, plan.declinable[choice.version.id, event.kind], outcomes, ctx, by_kind)
    out: dict[str, Any] = {}
    for col in collectors:
        col.emit(out)

    # the trace: full = every rule; fired = those that fired, were overridden or are undetermined; none
    shown = (rules if trace == "full" else
             [rules[i] for i in outcomes.visited if effective[i] is not False or raw[i] is True
              or i in outcomes.withheld] if trace == "fired"
             else ())
    entries = [_entry(plan, r, outcomes, verdicts, lang, words) for r in shown]
    if tracer is not None:
        for rule, entry in zip(shown, entries):
            tracer.rule_considered(rule, entry)

    pack, version = plan.pack, choice.version
    determination: dict[str, Any] = {
        "event_id": event.id, "jurisdiction": pack.id, "as_of": as_of,
        "pack": {"id": pack.id, "version": version.id, "status": version.status,
                 "effective_from": version.effective_from, "selected_because": choice.because,
                 "layers": list(pack.layers), "source": plan.source, "digest": plan.digest},
        **out,
        "citations": ctx.citations(), "trace": entries, "missing_facts": sorted(ctx.missing),
        "warnings": ctx.warnings,
        "withheld": [rules[i].id for i in outcomes.visited if i in outcomes.withheld],
    }
    if tracer is not None:
        tracer.determined(determination)
    return Evaluation(plan, event, view, outcomes, choice, determination, verdicts)


def _decline(plan: Plan, declinable: tuple[int, ...], outcomes: Outcomes, ctx: Context,
             by_kind: dict[type[c.Conclusion], Collector]) -> None:
    """The rules that could apply to this kind of event and do not: each goes to its collector's `declined` (a
    negative answer cites it, role not_applied); one set aside by an exception is a conclusion of both provisions."""
    rules, provisions, raw, effective = plan.rules, plan.provisions, outcomes.raw, outcomes.effective
    for i in declinable:
        if effective[i] is False:
            rule = rules[i]
            if raw[i] is True:
                ctx.record_provisions([provisions[x] for x in rule.cites], "not_applied")
                for o in rule.overridden_by:
                    if effective[o] is True:
                        ctx.record_provisions([provisions[x] for x in rules[o].cites], "applied")
            for con in rule.conclusions:
                by_kind[type(con)].declined(rule, con)


def _apply_shared(rule: PlanRule, effective: list[Truth], ctx: Context,
                  by_kind: dict[type[c.Conclusion], Collector]) -> None:
    """A rule that holds but whose exception is undetermined: what the rule concludes that every undetermined
    exception concludes as well holds either way, and applies (issue 12, item 2)."""
    pending = {o for o in rule.overridden_by if effective[o] is None}
    for part, agree in rule.shared:
        if pending <= agree:
            ctx.record(part)
            by_kind[type(part)].applied(rule, part)


def trace_level(value: str) -> str:
    if value not in TRACE_LEVELS:
        from ..errors import Diagnostic, InputError, Position
        raise InputError([Diagnostic("bad-option", f"unknown trace level `{value}`", Position(),
                                     "allowed: " + ", ".join(TRACE_LEVELS))])
    return value

