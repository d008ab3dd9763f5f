"""Dates for the columnar evaluator, exactly as timerules.py works them out, a whole column at a time.

- Month and year periods (`timerules.add_period`): `dt.offset_by("<n>mo")` ends on the corresponding day or the
  month's last day where there is none (2024-02-29 + 12 months = 2025-02-28), then the days are added; a result
  outside 0001-01-01 .. 9999-12-31 is null (`add_period` gives no result there either).
- Working days (`WorkingDayCalendar.add_working_days`): a calendar table over a span of days, built once per plan
  from `plan.calendar` (the package's holiday arrangement, make-up working days included, overridden by the YAML
  arrangements; a year known to neither counted with its statutory holidays, `WorkingDayCalendar.statutory`, or on
  weekends alone outside STATUTORY_YEARS). For each count n the plan needs, an array
  gives for every day of the span the index of the n-th working day after it (a working-day ordinal:
  `searchsorted(cumulative workdays, count(start) + n)`), so adding working days to a column is one gather. A start
  outside the span, a result past it, or a count over MAX_WORKING_DAYS is worked out by the reference function
  itself on the distinct dates concerned.
- A working-day count that crosses years the calendar lacks gives the reference's warnings; the column carries
  tokens `s<start>:<first year>:<last year>` (years counted on their statutory holidays) and `c<start>:...` (years
  counted on weekends alone), joined by "/" in the reference's order, each worded once (`token_text`).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .. import model as m
from ..messages import msg
from ..timerules import MAX_WORKING_DAYS, WorkingDayCalendar, add_period, has_statutory_holidays, statutory_table

EPOCH = dt.date(1970, 1, 1)
FIRST_DAY, LAST_DAY = dt.date(1, 1, 1), dt.date(9999, 12, 31)
SPAN_YEARS = (1949, 2100)        # the calendar table's span; dates outside it are worked out one distinct day at a time


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


class Calendar:
    """The working-day table of one plan's calendar (built once, then read by gathers)."""

    def __init__(self, calendar: WorkingDayCalendar, first_year: int = SPAN_YEARS[0],
                 last_year: int = SPAN_YEARS[1]):
        self.calendar = calendar
        self.first = dt.date(first_year, 1, 1)
        self.last = dt.date(last_year, 12, 31)
        self.base = _days(self.first)
        size = (self.last - self.first).days + 1
        self.size = size
        ordinals = np.arange(self.base, self.base + size, dtype=np.int64)
        work = ((ordinals + 3) % 7) < 5                 # 1970-01-01 was a Thursday (weekday 3)
        statutory_table()                               # every year's statutory holidays at once (cached on disk)
        for year in range(first_year, last_year + 1):
            if calendar.knows(year):                    # the years with a holiday arrangement: the calendar decides
                lo = _days(dt.date(year, 1, 1)) - self.base
                hi = _days(dt.date(year, 12, 31)) - self.base
                for k in range(lo, hi + 1):
                    work[k] = calendar.is_workday(self.first + dt.timedelta(days=k))
            else:                                       # the others: weekends, and statutory holidays if known
                for day in calendar.statutory(year) or ():
                    work[_days(day) - self.base] = False
        self.cumulative = np.cumsum(work, dtype=np.int64)
        self._after: dict[int, pl.Series] = {}
        # kind of each year 0..10000: 0 held, 1 counted on its statutory holidays, 2 on weekends alone
        kinds = np.array([0 if calendar.knows(y) else 1 if has_statutory_holidays(y) else 2
                          for y in range(0, 10001)], dtype=np.int8)
        self.kinds = kinds
        self.next_year: dict[int, pl.Series] = {}          # kind -> the first year >= y of that kind (10001: none)
        for kind in (1, 2):
            following = np.full(10002, 10001, dtype=np.int32)
            for y in range(10000, -1, -1):
                following[y] = y if kinds[y] == kind else following[y + 1]
            self.next_year[kind] = pl.Series(f"next_{kind}", following[:10001])
        self._years: dict[tuple[int, int, int], tuple[int, ...]] = {}

    def after(self, n: int) -> pl.Series:
        """For each day of the span, the day (days since 1970-01-01) of the n-th working day after it; null where
        that day falls past the span."""
        found = self._after.get(n)
        if found is None:
            target = self.cumulative + n
            index = np.searchsorted(self.cumulative, target, side="left")
            result = (index + self.base).astype(np.int64)
            found = pl.Series(f"after{n}", result).set(pl.Series(index >= self.size), None)
            self._after[n] = found
        return found

    def years(self, kind: int, first: int, last: int) -> tuple[int, ...]:
        """The years first..last of `kind` (1: counted on statutory holidays, 2: on weekends alone)."""
        key = (kind, first, last)
        found = self._years.get(key)
        if found is None:
            found = self._years[key] = tuple(y for y in range(max(first, 0), min(last, 10000) + 1)
                                             if self.kinds[y] == kind)
        return found


def _date_from_days(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Int32).cast(pl.Date)


def _in_range(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.is_between(pl.lit(FIRST_DAY), pl.lit(LAST_DAY))).then(expr)


def add_months_days(start: pl.Expr, period: m.Period) -> pl.Expr:
    """start + years/months/days (timerules.add_period), null outside the days Python can hold."""
    months = period.years * 12 + period.months
    out = start.dt.offset_by(f"{months}mo") if months else start
    if period.days:
        out = out + pl.duration(days=period.days)
    return _in_range(out) if (months or period.days) else out


_KIND_PREFIX = {1: "s", 2: "c"}           # in the reference's order of warnings: statutory holidays, then weekends


def calendar_token(start: pl.Expr, result: pl.Expr, cal: Calendar) -> pl.Expr:
    """`s<start>:<a>:<b>` where counting from `start` to `result` crossed a year the calendar counts on its
    statutory holidays, `c<start>:<a>:<b>` where it crossed one counted on weekends alone (a..b are the years of the
    days counted), both joined by "/"; null for neither."""
    a = (start + pl.duration(days=1)).dt.year()
    b = result.dt.year()
    span = pl.concat_str([start.dt.to_string("%Y-%m-%d"), pl.lit(":"), a.cast(pl.String), pl.lit(":"),
                          b.cast(pl.String)])
    parts = []
    for kind, prefix in _KIND_PREFIX.items():
        crossed = pl.lit(cal.next_year[kind]).gather(a.cast(pl.Int64).clip(0, 10000)) <= b
        parts.append(pl.when(crossed & result.is_not_null()).then(pl.lit(prefix) + span))
    joined = pl.concat_str(parts, separator="/", ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def beyond_token(start: pl.Expr, pk: int) -> pl.Expr:
    """`b<start>:<pk>`: start + period number pk falls outside the days Python can hold."""
    return pl.concat_str([pl.lit("b"), start.dt.to_string("%Y-%m-%d"), pl.lit(f":{pk}")])


def reference_tokens(comp, period_key: int) -> str | None:
    """The tokens of a reference DateComputation: what Context._calendar_warning warns about it."""
    parts = []
    if comp.result is None and comp.beyond_calendar:
        parts.append(f"b{comp.start.isoformat()}:{period_key}")
    first = comp.start + dt.timedelta(days=1) if comp.start < LAST_DAY else comp.start
    for prefix, years in (("s", comp.statutory_years), ("c", comp.unknown_years)):
        if years:
            parts.append(f"{prefix}{comp.start.isoformat()}:{first.year}:{years[-1]}")
    return "/".join(parts) or None


def token_text(token: str, periods: list, cal: Calendar, lang: str) -> tuple[str, None, str]:
    """The reference's warning for a token (Context._calendar_warning): (text, source, code)."""
    if token[0] == "b":
        start, pk = token[1:].split(":")
        comp = reference_period(dt.date.fromisoformat(start), periods[int(pk)], cal)
        return comp.beyond_warning(lang), None, "beyond_calendar"
    start, a, b = token[1:].split(":")
    key = "calendar_statutory" if token[0] == "s" else "calendar_unknown"
    years = cal.years(1 if token[0] == "s" else 2, int(a), int(b))
    text = msg(key, lang, years=", ".join(str(y) for y in years), start=dt.date.fromisoformat(start),
               first=years[0])
    return text, None, key


def reference_working_days(cal: Calendar, start: dt.date, n: int, period_key: int):
    """The reference computation for one day: (result, its tokens or None)."""
    comp = cal.calendar.add_working_days(start, n)
    return comp.result, reference_tokens(comp, period_key)


def working_days_expr(start: pl.Expr, n: int, cal: Calendar) -> pl.Expr:
    """start + n working days by the table (null where the table cannot say: see `unresolved`)."""
    if n == 0:            # add_working_days(start, 0) is start itself, nothing counted
        return start
    if n > MAX_WORKING_DAYS:
        return pl.lit(None, dtype=pl.Date)
    index = start.cast(pl.Int32).cast(pl.Int64) - cal.base
    inside = index.is_between(0, cal.size - 1)
    return pl.when(inside).then(_date_from_days(pl.lit(cal.after(n)).gather(index.clip(0, cal.size - 1))))


def period_expr(start: pl.Expr, period: m.Period, cal: Calendar) -> pl.Expr:
    """start + period (engine/dates.add): working days, or years/months/days."""
    if period.working_days:
        return working_days_expr(start, period.working_days, cal)
    return add_months_days(start, period)


def unresolved(start: pl.Expr, result: pl.Expr, period: m.Period) -> pl.Expr | None:
    """Rows the table could not work out (None: the period never needs the reference)."""
    if not period.working_days or period.working_days > MAX_WORKING_DAYS:
        return None
    return start.is_not_null() & result.is_null()


def token_expr(start: pl.Expr, result: pl.Expr, period: m.Period, pk: int, cal: Calendar) -> pl.Expr:
    """The warnings' tokens of start + period (null: none): beyond the calendar, or years it lacks."""
    if period.working_days > MAX_WORKING_DAYS:
        return pl.when(start.is_not_null()).then(beyond_token(start, pk))
    if not period.working_days:
        return pl.when(start.is_not_null() & result.is_null()).then(beyond_token(start, pk))
    return calendar_token(start, result, cal)       # rows the table cannot work out are patched by the reference


def patch(df: pl.DataFrame, start: str, n: int, out: str, token: str, pk: int, cal: Calendar) -> pl.DataFrame:
    """Work out with the reference itself, once per distinct start day, the rows the table could not."""
    todo = pl.col(start).is_not_null() & pl.col(out).is_null()
    starts = df.filter(todo).get_column(start).unique().to_list()
    if not starts:
        return df
    worked = [reference_working_days(cal, day, n, pk) for day in starts]
    table = pl.DataFrame({start: starts, "__r": [r for r, _ in worked], "__t": [t for _, t in worked],
                          "__p": [True] * len(starts)},
                         schema={start: pl.Date, "__r": pl.Date, "__t": pl.String, "__p": pl.Boolean})
    df = df.join(table, on=start, how="left", maintain_order="left")
    patched = pl.col("__p").fill_null(False) & pl.col(out).is_null()
    df = df.with_columns(pl.when(patched).then(pl.col("__t")).otherwise(pl.col(token)).alias(token),
                         pl.when(patched).then(pl.col("__r")).otherwise(pl.col(out)).alias(out))
    return df.drop("__r", "__t", "__p")


def reference_period(start: dt.date, period: m.Period, cal: Calendar):
    """The reference (engine/dates.add) for one day, for tests."""
    if period.working_days:
        return cal.calendar.add_working_days(start, period.working_days)
    return add_period(start, years=period.years, months=period.months, days=period.days)
