"""The fact view: an event -> the flat dict every condition node reads (keys: plan/facts.py, the only place
they are named). Built once per event; the outcomes of rules are added to it stratum by stratum."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..event import CreditEvent
from ..identifiers import birth_date_of
from ..plan.facts import AGE, BASIS, CONDUCT, KIND, SUBJECT, View, date_key, fact_key, offset_key, present_key
from ..plan.plan import Plan
from .dates import age_on, computed, date_at

_FIELD_PRESENT: tuple[tuple[str, Callable[[CreditEvent], bool]], ...] = (
    ("basis", lambda e: e.basis is not None),
    ("basis.number", lambda e: e.basis is not None and e.basis.number is not None),
    ("basis.decided_on", lambda e: e.basis is not None and e.basis.decided_on is not None),
    ("basis.effective_on", lambda e: e.basis is not None and e.basis.effective_on is not None),
    ("occurred_on", lambda e: e.occurred_on is not None),
    ("conduct", lambda e: e.conduct is not None),
    ("subject.id", lambda e: e.subject.id is not None),
    ("subject.name", lambda e: e.subject.name is not None),
    ("subject.birth_date", lambda e: _birth_date(e) is not None),
    ("subject.responsible_persons", lambda e: bool(e.subject.responsible_persons)),
)


def _birth_date(event: CreditEvent) -> dt.date | None:
    """Given, else read from a valid citizen ID number (identifiers.birth_date_of)."""
    s = event.subject
    return birth_date_of(s.type, s.birth_date, s.id, event.occurred_on or event.event_date)


_PRESENT_KEYS = tuple((present_key(path), test) for path, test in _FIELD_PRESENT)


def fact_view(event: CreditEvent, plan: Plan) -> View:
    view: View = {KIND: event.kind, SUBJECT: event.subject.type}
    if event.conduct is not None:
        view[CONDUCT] = frozenset(event.conduct)
    if event.basis is not None:
        view[BASIS] = event.basis.type
    facts = plan.schema.facts
    for name, value in event.facts.items():
        view[present_key(name)] = True
        view[fact_key(name)] = frozenset(value) if facts[name].type == "list" else value
    for key, test in _PRESENT_KEYS:
        if test(event):
            view[key] = True
    for path in plan.schema.date_paths:
        day = date_at(event, path)
        if day is not None:
            view[date_key(path)] = day
    for i, expr in enumerate(plan.offsets):
        comp, _ = computed(event, expr, plan.calendar)
        if comp is not None:
            view[offset_key(i)] = comp
    conduct_day = event.occurred_on or event.event_date          # age at the conduct, else at the decision
    birth = _birth_date(event)
    if birth is not None and conduct_day is not None:
        view[AGE] = age_on(birth, conduct_day)
    return view
