"""The full contract JSON of each event, from the columnar outcomes: engine/assemble.determine's assembly loop,
fed with the `raw:<i>` / `rule:<i>` columns of the evaluated table instead of a backend's decisions.

The collectors, the trace entries, the citations and the words are the engine's own (engine/collectors.py,
engine/assemble._entry): this module decides nothing. Missing facts of undetermined rules come from
`missing_of` over the event's fact view (engine/facts.fact_view) with the outcomes written into it, as in the
reference; the view is also what the trace's verdicts are worked out from.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from ..determination import TraceEntry  # noqa: F401  (the trace entries' type)
from ..engine.assemble import Outcomes, Tracer, Verdicts, _entry, missing_of
from ..engine.collectors import COLLECTORS, Context
from ..engine.facts import fact_view
from ..engine.versions import select_version
from ..event import CreditEvent
from ..identifiers import identifier_warning
from ..plan.plan import Plan, PlanRule


def determination(plan: Plan, event: CreditEvent, as_of: dt.date, raw: list, effective: list, *, lang: str = "en",
                  trace: str = "none", tracer: Optional[Tracer] = None) -> dict:
    """One event's determination (plain data), from its row's outcomes (raw and effective, by rule index)."""
    choice = select_version(plan.pack, event, as_of, lang)
    excluded = plan.excluded[choice.version.id]
    visited = [i for i, truth in enumerate(raw) if truth is not False and i not in excluded]
    outcomes = Outcomes(list(raw), list(effective), excluded, visited)
    view = fact_view(event, plan)
    rules = plan.rules
    for rule in rules:
        view[rule.outcome_key] = effective[rule.index]
    ctx = Context(plan, event, lang)
    for w in choice.warnings:
        ctx.warn(w)
    id_warning = identifier_warning(event.subject.type, event.subject.id, lang)
    if id_warning:
        ctx.warn(id_warning)
    collectors = [cls(ctx) for cls in COLLECTORS]
    by_kind = {kind: col for col in collectors for kind in col.kinds}
    undetermined: list[PlanRule] = []
    for i in visited:
        rule = rules[i]
        value = effective[i]
        if value is True:
            for con in rule.conclusions:
                ctx.record(con)
                by_kind[type(con)].applied(rule, con)
        elif value is None:
            for con in rule.conclusions:
                by_kind[type(con)].pending(rule, con)
            undetermined.append(rule)
    for rule in undetermined:
        if any(effective[r] is None for r in rule.readers) or any(
                by_kind[type(con)].would_change(rule, con) for con in rule.conclusions):
            ctx.missing.update(missing_of(plan, rule, outcomes, view))
    out: dict[str, Any] = {}
    for col in collectors:
        col.emit(out)
    shown = (rules if trace == "full" else
             [rules[i] for i in visited if effective[i] is not False or raw[i] is True] if trace == "fired"
             else ())
    verdicts = Verdicts(plan, view)
    entries = [_entry(plan, r, outcomes, verdicts, lang) for r in shown]
    if tracer is not None:
        for rule, entry in zip(shown, entries):
            tracer.rule_considered(rule, entry)
    pack, version = plan.pack, choice.version
    det = {
        "event_id": event.id, "jurisdiction": pack.id, "as_of": as_of,
        "pack": {"id": pack.id, "version": version.id, "status": version.status,
                 "effective_from": version.effective_from, "selected_because": choice.because,
                 "layers": list(pack.layers), "source": plan.source, "digest": plan.digest},
        **out,
        "citations": ctx.citations(), "trace": entries, "missing_facts": sorted(ctx.missing),
        "warnings": ctx.warnings,
    }
    if tracer is not None:
        tracer.determined(det)
    return det
