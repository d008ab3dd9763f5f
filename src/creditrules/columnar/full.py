"""The full contract JSON of each event, from the columnar outcomes, by the engine itself.

`engine/assemble.determine` is run with a backend that decides nothing: it hands back, for each stratum, the
truths the columnar evaluator worked out for that event (its row's `raw:<i>` columns). Everything else (the
exceptions, the collectors, missing facts, citations, warnings, the trace and its words) is the engine's own
code, so the JSON cannot drift from the reference's assembly; the differential tests then hold the columnar truths
and the flat table to the reference's.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..engine.assemble import Tracer, determine
from ..engine.tracewords import TraceWords
from ..event import CreditEvent
from ..plan.conditions import Truth
from ..plan.plan import Plan


class Replay:
    """A backend that answers with one row's columnar truths."""
    name = "columnar"

    def __init__(self, raw: tuple[Truth, ...]):
        self.raw = raw

    def decide(self, stratum: int, rules: tuple[int, ...], view: Any) -> dict[int, Truth]:
        raw = self.raw
        return {i: raw[i] for i in rules}


def determination(plan: Plan, event: CreditEvent, as_of: dt.date, raw: tuple[Truth, ...], *, lang: str = "en",
                  trace: str = "none", tracer: Tracer | None = None, words: TraceWords | None = None) -> dict:
    """One event's determination (plain data), from its row's truths (by rule index)."""
    return determine(plan, event, as_of, Replay(raw), lang=lang, trace=trace, tracer=tracer,
                     words=words).determination
