"""Dates the engine works out: a date path of the event, a date expression (`{from: [...], add: {...}}`, a day of a
named year), and 周岁 at the conduct. The arithmetic itself (periods, working days) is timerules.py."""
from __future__ import annotations

import calendar as _calendar
import datetime as dt
from typing import Any, Iterable, Mapping, Optional

from .. import model as m
from ..event import CreditEvent
from ..timerules import DateComputation, WorkingDayCalendar, add_period


def age_on(birth: dt.date, day: dt.date) -> int:
    """周岁 on `day`: a year of age is complete from the day after the birthday (法释〔2006〕1号 第二条; the
    first day is not counted, CONTRACT.md section 5). On the 18th birthday one is still 未满十八周岁; born on
    29 February, the anniversary in a common year is 28 February."""
    return max(0, day.year - birth.year - ((day.month, day.day) <= (birth.month, birth.day)))


def date_at(event: CreditEvent, path: str) -> Optional[dt.date]:
    """The date an event gives at a date path (`occurred_on`, `basis.decided_on`, `facts.reported_on` ...)."""
    if path == "occurred_on":
        return event.occurred_on
    if path == "basis.decided_on":
        return event.basis.decided_on if event.basis else None
    if path == "basis.effective_on":
        return event.basis.effective_on if event.basis else None
    if path.startswith("facts."):
        value = event.facts.get(path[6:])
        return value if isinstance(value, dt.date) else None
    return None


def first_date(event: CreditEvent, paths: Iterable[str],
               known: Optional[Mapping[str, Optional[dt.date]]] = None) -> tuple[Optional[dt.date], Optional[str]]:
    """The first date given among `paths` (`publication.*` from `known`, the dates already concluded)."""
    for path in paths:
        day = (known or {}).get(path) if path.startswith("publication.") else date_at(event, path)
        if day is not None:
            return day, path
    return None, None


def add(start: dt.date, period: m.Period, calendar: WorkingDayCalendar) -> DateComputation:
    if period.working_days:
        return calendar.add_working_days(start, period.working_days)
    return add_period(start, years=period.years, months=period.months, days=period.days)


def computed(event: CreditEvent, expr: Any, calendar: WorkingDayCalendar,
             known: Optional[Mapping[str, Optional[dt.date]]] = None) -> tuple[Optional[DateComputation], Optional[str]]:
    """(the computation, None), or (None, the path that is missing), for a DateExpr or a YearDate."""
    if isinstance(expr, m.YearDate):
        year = event.facts.get(expr.year_path[6:])
        if not isinstance(year, int) or isinstance(year, bool):
            return None, expr.year_path
        y = year + expr.plus_years
        if not 1 <= y <= 9999:
            return None, expr.year_path
        day = min(expr.day, _calendar.monthrange(y, expr.month)[1])
        how = f"{expr.month}/{expr.day} of {expr.year_path[6:]} ({year})" + (
            f" + {expr.plus_years} year(s)" if expr.plus_years else "")
        return DateComputation(dt.date(y, 1, 1), how, dt.date(y, expr.month, day)), None
    start, _ = first_date(event, expr.paths, known)
    if start is None:
        return None, (expr.paths[0] if expr.paths else "date")
    return add(start, expr.add, calendar), None
