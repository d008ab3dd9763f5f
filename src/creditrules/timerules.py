"""Time (CONTRACT.md section 5): civil-law periods and working days, each computation explainable.

- Month and year periods end on the corresponding day of the final month, or that month's last day where there
  is none; the first day is not counted (民法典 第二百零一条、第二百零三条 in substance).
- Working days follow the national holiday arrangement, make-up working days included, from the
  `chinese-calendar` package; `policies/calendar/YYYY.yaml` adds or corrects a year; a year known to neither is
  counted on weekends alone, with a warning.
"""
from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import chinese_calendar

from .errors import Diagnostic, PackError, Position
from .yamlsource import load_yaml_file


@dataclass(frozen=True)
class DateComputation:
    """How a date was reached: from `start`, by `rule`, to `result` (shown in explanations)."""
    start: dt.date
    rule: str
    result: dt.date
    unknown_years: tuple[int, ...] = ()     # years counted on weekends alone (no holiday arrangement held)

    @property
    def warning(self) -> str | None:
        """The English warning, for callers outside a determination (which words it in its own language)."""
        if not self.unknown_years:
            return None
        from .messages import msg
        return msg("calendar_unknown", "en", years=", ".join(map(str, self.unknown_years)), start=self.start,
                   first=self.unknown_years[0])

    def describe(self) -> str:
        if " of " in self.rule:                      # a day of a named year: no start to add to
            return f"{self.rule} = {self.result.isoformat()}"
        return f"{self.start.isoformat()} + {self.rule} = {self.result.isoformat()}"


def add_months(start: dt.date, months: int) -> dt.date:
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    last = _cal.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(start.day, last))


def add_period(start: dt.date, *, years: int = 0, months: int = 0, days: int = 0) -> DateComputation:
    result = add_months(start, years * 12 + months) + dt.timedelta(days=days)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((years, "year"), (months, "month"), (days, "day")) if n]
    return DateComputation(start, " ".join(parts) or "0 days", result)


@dataclass
class Arrangement:
    """One year's holidays and make-up working days, as published by the State Council."""
    year: int
    source: str
    holidays: set[dt.date] = field(default_factory=set)
    workdays: set[dt.date] = field(default_factory=set)


class WorkingDayCalendar:
    """Working days: the package's data, overridden year by year by YAML arrangements."""

    def __init__(self, arrangements: dict[int, Arrangement] | None = None):
        self.arrangements = arrangements or {}
        self._package_years = self._years_in_package()

    @staticmethod
    def _years_in_package() -> set[int]:
        from chinese_calendar import constants
        return {d.year for d in constants.holidays} | {d.year for d in constants.workdays}

    def knows(self, year: int) -> bool:
        return year in self.arrangements or year in self._package_years

    def is_workday(self, day: dt.date) -> bool:
        arrangement = self.arrangements.get(day.year)
        if arrangement is not None:
            if day in arrangement.workdays:
                return True
            if day in arrangement.holidays:
                return False
            return day.weekday() < 5
        if day.year in self._package_years:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, n: int) -> DateComputation:
        """The n-th working day after `start` (the start day itself is not counted)."""
        day, counted, unknown_years = start, 0, set()
        while counted < n:
            day += dt.timedelta(days=1)
            if not self.knows(day.year):
                unknown_years.add(day.year)
            if self.is_workday(day):
                counted += 1
        return DateComputation(start, f"{n} working day{'s' if n != 1 else ''}", day, tuple(sorted(unknown_years)))


def _parse_day(value, file: str, where: Position, diagnostics: list[Diagnostic]) -> list[dt.date]:
    try:
        if isinstance(value, dict) and set(value) == {"from", "to"}:
            first, last = dt.date.fromisoformat(str(value["from"])), dt.date.fromisoformat(str(value["to"]))
            return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        return [dt.date.fromisoformat(str(value))]
    except ValueError:
        diagnostics.append(Diagnostic("bad-date", f"`{value}` is not a date (YYYY-MM-DD) or a {{from, to}} range",
                                      where))
        return []


def load_calendar(folder: Path | None) -> WorkingDayCalendar:
    """Read `policies/calendar/*.yaml`; PackError with positions when a file is wrong."""
    arrangements: dict[int, Arrangement] = {}
    diagnostics: list[Diagnostic] = []
    if folder is not None and folder.is_dir():
        for path in sorted(folder.glob("*.yaml")):
            doc, errs = load_yaml_file(path)
            diagnostics += errs
            if doc is None or not isinstance(doc.data, dict):
                continue
            data = doc.data
            unknown = set(data) - {"year", "source", "holidays", "workdays", "note"}
            for key in sorted(unknown):
                diagnostics.append(Diagnostic("unknown-key", f"unknown key `{key}` in a calendar file",
                                              doc.position((key,), key=True), hint="allowed: year, source, holidays, workdays, note"))
            year = data.get("year")
            if not isinstance(year, int):
                diagnostics.append(Diagnostic("calendar-year", "a calendar file needs `year: YYYY`", doc.position(("year",))))
                continue
            arr = Arrangement(year, str(data.get("source", "")))
            for key, target in (("holidays", arr.holidays), ("workdays", arr.workdays)):
                for i, value in enumerate(data.get(key) or []):
                    for day in _parse_day(value, doc.file, doc.position((key, i)), diagnostics):
                        if day.year != year:
                            diagnostics.append(Diagnostic("calendar-year", f"{day} is not in {year}", doc.position((key, i))))
                        target.add(day)
            arrangements[year] = arr
    if diagnostics:
        raise PackError(diagnostics)
    return WorkingDayCalendar(arrangements)
