"""Dates for the columnar evaluator, exactly as timerules.py works them out, a whole column at a time.

- Month and year periods (`timerules.add_period`): `dt.offset_by("<n>mo")` ends on the corresponding day or the
  month's last day where there is none (2024-02-29 + 12 months = 2025-02-28), then the days are added; a result
  outside 0001-01-01 .. 9999-12-31 is null (`add_period` gives no result there either).
- Working days (`WorkingDayCalendar.add_working_days`): a calendar table over a span of days, built once per plan
  from `plan.calendar` (the package's holiday arrangement, make-up working days included, overridden by the YAML
  arrangements; a year known to neither counted on weekends alone). For each count n the plan needs, an array
  gives for every day of the span the index of the n-th working day after it (a working-day ordinal:
  `searchsorted(cumulative workdays, count(start) + n)`), so adding working days to a column is one gather. A start
  outside the span, a result past it, or a count over MAX_WORKING_DAYS is worked out by the reference function
  itself on the distinct dates concerned.
- A working-day count that crosses years the calendar lacks gives the reference's warning; the column carries a
  token `c<start>:<first year>:<last year>` (the years counted), worded once per distinct token (`calendar_text`).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import numpy as np
import polars as pl

from .. import model as m
from ..messages import msg
from ..timerules import MAX_WORKING_DAYS, WorkingDayCalendar, _year_list, add_period

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
        for year in range(first_year, last_year + 1):   # the years with a holiday arrangement: the calendar decides
            if calendar.knows(year):
                lo = _days(dt.date(year, 1, 1)) - self.base
                hi = _days(dt.date(year, 12, 31)) - self.base
                for k in range(lo, hi + 1):
                    work[k] = calendar.is_workday(self.first + dt.timedelta(days=k))
        self.cumulative = np.cumsum(work, dtype=np.int64)
        self._after: dict[int, pl.Series] = {}
        known = np.array([calendar.knows(y) for y in range(0, 10001)], dtype=bool)
        next_unknown = np.full(10002, 10001, dtype=np.int32)      # the first year >= y the calendar lacks
        for y in range(10000, -1, -1):
            next_unknown[y] = y if not known[y] else next_unknown[y + 1]
        self.next_unknown = pl.Series("next_unknown", next_unknown[:10001])
        self._years: dict[tuple[int, int], tuple[int, ...]] = {}

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

    def unknown_years(self, first: int, last: int) -> tuple[int, ...]:
        key = (first, last)
        found = self._years.get(key)
        if found is None:
            found = self._years[key] = tuple(y for y in range(first, last + 1) if not self.calendar.knows(y))
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


def calendar_token(start: pl.Expr, result: pl.Expr, cal: Calendar) -> pl.Expr:
    """`c<start>:<a>:<b>` where counting from `start` to `result` crossed a year the calendar lacks (a..b are the
    years of the days counted), else null."""
    a = (start + pl.duration(days=1)).dt.year()
    b = result.dt.year()
    crossed = pl.lit(cal.next_unknown).gather(a.cast(pl.Int64).clip(0, 10000)) <= b
    return pl.when(crossed & result.is_not_null()).then(
        pl.concat_str([pl.lit("c"), start.dt.to_string("%Y-%m-%d"), pl.lit(":"), a.cast(pl.String), pl.lit(":"),
                       b.cast(pl.String)]))


def calendar_text(token: str, cal: Calendar, lang: str) -> str:
    """The reference's warning for a calendar token (Context._calendar_warning)."""
    start, a, b = token[1:].split(":")
    years = cal.unknown_years(int(a), int(b))
    return msg("calendar_unknown", lang, years=_year_list(years), start=dt.date.fromisoformat(start), first=years[0])


def reference_working_days(cal: Calendar, start: dt.date, n: int) -> tuple[Optional[dt.date], Optional[str]]:
    """The reference computation for one day: (result, calendar token or None)."""
    comp = cal.calendar.add_working_days(start, n)
    if not comp.unknown_years:
        return comp.result, None
    nxt = start + dt.timedelta(days=1) if start < LAST_DAY else start
    return comp.result, f"c{start.isoformat()}:{nxt.year}:{comp.unknown_years[-1]}"


def add_working_days(df: pl.DataFrame, start: str, n: int, out: str, token: str, cal: Calendar) -> pl.DataFrame:
    """Adds the columns `out` (start + n working days) and `token` (its calendar token) to df."""
    col = pl.col(start)
    if n == 0:            # add_working_days(start, 0) is start itself, nothing counted
        return df.with_columns(col.alias(out), pl.lit(None, dtype=pl.String).alias(token))
    if n > MAX_WORKING_DAYS:
        return df.with_columns(pl.lit(None, dtype=pl.Date).alias(out), pl.lit(None, dtype=pl.String).alias(token))
    index = col.cast(pl.Int32).cast(pl.Int64) - cal.base
    inside = index.is_between(0, cal.size - 1)
    gathered = pl.lit(cal.after(n)).gather(index.clip(0, cal.size - 1))
    result = pl.when(inside).then(_date_from_days(gathered))
    df = df.with_columns(result.alias(out))
    unresolved = df.select((col.is_not_null() & pl.col(out).is_null()).any()).item()
    if unresolved:                 # outside the table: the reference itself, once per distinct start day
        starts = df.filter(col.is_not_null() & pl.col(out).is_null()).get_column(start).unique().to_list()
        worked = [reference_working_days(cal, day, n) for day in starts]
        patch = pl.DataFrame({start: starts, "__r": [r for r, _ in worked], "__t": [t for _, t in worked]},
                             schema={start: pl.Date, "__r": pl.Date, "__t": pl.String})
        df = df.join(patch, on=start, how="left", maintain_order="left")
        df = df.with_columns(pl.coalesce(pl.col(out), pl.col("__r")).alias(out))
        df = df.with_columns(pl.coalesce(pl.col("__t"), calendar_token(col, pl.col(out), cal)).alias(token))
        return df.drop("__r", "__t")
    return df.with_columns(calendar_token(col, pl.col(out), cal).alias(token))


def add_period_columns(df: pl.DataFrame, start: str, period: m.Period, out: str, token: str,
                       cal: Calendar) -> pl.DataFrame:
    """`out` = start + period (dates.add: working days, or years/months/days), `token` its calendar token."""
    if period.working_days:
        return add_working_days(df, start, period.working_days, out, token, cal)
    return df.with_columns(add_months_days(pl.col(start), period).alias(out),
                           pl.lit(None, dtype=pl.String).alias(token))


def reference_period(start: dt.date, period: m.Period, cal: Calendar):
    """The reference (engine/dates.add) for one day, for tests."""
    if period.working_days:
        return cal.calendar.add_working_days(start, period.working_days)
    return add_period(start, years=period.years, months=period.months, days=period.days)
