"""Time (CONTRACT.md section 5): civil-law periods and working days, each computation explainable.

- Month and year periods end on the corresponding day of the final month, or that month's last day where there
  is none; the first day is not counted (民法典 第二百零一条、第二百零三条 in substance).
- Working days follow the national holiday arrangement, make-up working days included, from the
  `chinese-calendar` package; `policies/calendar/YYYY.yaml` adds or corrects a year (and then wins entirely for
  it). A year held by neither is counted with the fixed statutory holidays of the 全国年节及纪念日放假办法 in force
  that year (art. 2), the lunar ones from `lunar_python`, with a warning that make-up working days, bridge days and
  the substitute days off of art. 6 are unknown; a year outside STATUTORY_YEARS is counted on weekends alone, with
  a warning.
"""
from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Diagnostic, PackError, Position, quote
from .yamlsource import load_yaml_file

LAST_DAY = dt.date.max                # 9999-12-31: the last day Python's calendar (and so this library) can hold
MAX_WORKING_DAYS = 10_000             # a count of working days beyond this (about 40 years) is not worked out


@dataclass(frozen=True)
class DateComputation:
    """How a date was reached: from `start`, by `rule`, to `result` (shown in explanations).

    `result` is None, and `beyond_calendar` True, when the date cannot be worked out: it would fall after
    9999-12-31 (or before 0001-01-01), or a working-day count exceeds MAX_WORKING_DAYS (then `over_limit` is
    True too). Nothing is raised; a caller treats the date as not determined (a condition on it is
    undetermined, a due date or a publication end is null) and adds `beyond_warning(lang)` to its warnings,
    e.g. for 9999-12-31 + 5 years: "9999-12-31 + 5 years falls outside 0001-01-01 to 9999-12-31, the days this
    library can compute: the date is left undetermined". `describe()` still works (it says "beyond the calendar").
    """
    start: dt.date
    rule: str
    result: dt.date | None
    unknown_years: tuple[int, ...] = ()     # years counted on weekends alone (no arrangement held, none worked out)
    beyond_calendar: bool = False           # result is None: past 9999-12-31, or too many working days counted
    over_limit: bool = False                # ... because more than MAX_WORKING_DAYS working days were asked for
    statutory_years: tuple[int, ...] = ()   # years with no arrangement held, counted on their statutory holidays

    @property
    def warning(self) -> str | None:
        """The English warning, for callers outside a determination (which words it in its own language):
        the beyond-the-calendar note if any, else the unknown-years notes (statutory holidays only; weekends
        alone), joined by "; "."""
        if self.beyond_calendar:
            return self.beyond_warning("en")
        return "; ".join(self.calendar_warnings("en", _year_list)) or None

    def calendar_warnings(self, lang: str = "en",
                          years_text: Callable[[tuple[int, ...]], str] | None = None) -> list[str]:
        """The notes on years with no arrangement held (en or zh), in this order: `calendar_statutory` for the
        years counted on their statutory holidays, `calendar_unknown` for those counted on weekends alone.
        `years_text` words a tuple of years (default: "2027, 2028")."""
        from .messages import msg
        words = years_text or _comma_list
        return [msg(key, lang, years=words(years), start=self.start, first=years[0])
                for key, years in (("calendar_statutory", self.statutory_years),
                                   ("calendar_unknown", self.unknown_years)) if years]

    def beyond_warning(self, lang: str = "en") -> str | None:
        """Why the result is None (en or zh), or None when there is a result."""
        if not self.beyond_calendar:
            return None
        what = f"{self.start.isoformat()} + {self.rule}"
        if self.over_limit:
            if lang == "zh":
                return f"{what}：超过{MAX_WORKING_DAYS:,}个工作日，不予计算，该日期不确定"
            return f"{what}: more than {MAX_WORKING_DAYS:,} working days are not counted; the date is left undetermined"
        if lang == "zh":
            return f"{what} 超出可计算的日期范围（0001-01-01至9999-12-31），该日期不确定"
        return (f"{what} falls outside 0001-01-01 to 9999-12-31, the days this library can compute: "
                "the date is left undetermined")

    def describe(self) -> str:
        result = self.result.isoformat() if self.result is not None else "beyond the calendar (undetermined)"
        if " of " in self.rule:                      # a day of a named year: no start to add to
            return f"{self.rule} = {result}"
        return f"{self.start.isoformat()} + {self.rule} = {result}"


def _comma_list(years: tuple[int, ...]) -> str:
    return ", ".join(str(y) for y in years)


def _year_list(years: tuple[int, ...]) -> str:
    """2027, 2028, 2029, 2031 -> "2027-2029, 2031" (a long run of unknown years stays one short phrase)."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(str(a) if a == b else (f"{a}, {b}" if b == a + 1 else f"{a}-{b}") for a, b in runs)


def add_months(start: dt.date, months: int) -> dt.date:
    """`start` + `months` calendar months (the month's last day where it has no such day).

    Raises OverflowError when the result would fall outside years 1-9999; `add_period` turns that into a
    computation with no result instead."""
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    if not 1 <= year <= 9999:
        raise OverflowError(f"year {year} is out of range")
    last = _cal.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(start.day, last))


def add_period(start: dt.date, *, years: int = 0, months: int = 0, days: int = 0) -> DateComputation:
    """`start` + a civil-law period. Never raises for a large period: past 9999-12-31 (or before 0001-01-01) the
    computation has `result` None and `beyond_calendar` True (see DateComputation)."""
    parts = [f"{n} {unit}{'s' if n != 1 else ''}"
             for n, unit in ((years, "year"), (months, "month"), (days, "day")) if n]
    rule = " ".join(parts) or "0 days"
    try:
        result = add_months(start, years * 12 + months) + dt.timedelta(days=days)
    except (OverflowError, ValueError):
        return DateComputation(start, rule, None, beyond_calendar=True)
    return DateComputation(start, rule, result)


@dataclass
class Arrangement:
    """One year's holidays and make-up working days, as published by the State Council."""
    year: int
    source: str
    holidays: set[dt.date] = field(default_factory=set)
    workdays: set[dt.date] = field(default_factory=set)


# 全国年节及纪念日放假办法 art. 2, the holidays of all citizens, by the version in force: (first year it governs
# whole, the order that made it, the fixed days (month, day), the Spring Festival days as offsets from 正月初一
# (-1 = 除夕), and whether 清明、端午、中秋 are holidays). The 1999 version was in force from 1999-09-18, so 1999 is
# not governed by one version whole; the years before 2000 that no arrangement holds are counted on weekends alone.
# The 2004-2024 arrangements are held (chinese-calendar), so only 2000-2003 and 2025 on are counted by this table;
# tests/test_timerules.py checks every version against the held arrangements of the years it governed.
_LAW_VERSIONS: tuple[tuple[int, str, tuple[tuple[int, int], ...], tuple[int, ...], bool], ...] = (
    (2000, "国务院令第270号（1999年修订）", ((1, 1), (5, 1), (5, 2), (5, 3), (10, 1), (10, 2), (10, 3)),
     (0, 1, 2), False),
    (2008, "国务院令第513号（2007年修订，2008年1月1日起施行）", ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3)),
     (-1, 0, 1), True),
    (2014, "国务院令第644号（2013年修订，2014年1月1日起施行）", ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3)),
     (0, 1, 2), True),
    (2025, "国务院令第774号（2024年修订，2025年1月1日起施行）", ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)),
     (-1, 0, 1, 2), True),
)
# The years whose statutory holidays are worked out: from the first version governing a whole year to 2100, the
# span over which lunar_python's lunar dates and 清明 were checked against two other libraries (borax, lunardate)
# and chinese-calendar's solar terms (policies/calendar/README.md). Outside it: weekends alone, with a warning.
STATUTORY_YEARS = (_LAW_VERSIONS[0][0], 2100)


def has_statutory_holidays(year: int) -> bool:
    """Whether `statutory_holidays(year)` is worked out (without working it out)."""
    return STATUTORY_YEARS[0] <= year <= STATUTORY_YEARS[1]


_TABLE: dict[int, frozenset[dt.date]] = {}


def statutory_holidays(year: int) -> frozenset[dt.date] | None:
    """The statutory holidays of `year` (`compute_statutory_holidays`), from the table on disk where one was
    written (`statutory_table`), else worked out for that year alone."""
    if not has_statutory_holidays(year):
        return None
    found = _TABLE.get(year)
    if found is None:
        found = _TABLE[year] = compute_statutory_holidays(year)     # type: ignore[assignment]
    return found


def _table_file() -> str | None:
    """The statutory-holiday table's file in the user's cache folder (workspace.py's), keyed by the lunar library's
    version and the law versions, so a new release or a change to `_LAW_VERSIONS` is never served stale."""
    import hashlib
    import importlib.metadata

    from .workspace import _cache_folder
    folder = _cache_folder()
    if not folder:
        return None
    try:
        version = importlib.metadata.version("lunar_python")
    except importlib.metadata.PackageNotFoundError:
        return None
    key = hashlib.sha256(repr((version, _LAW_VERSIONS, STATUTORY_YEARS)).encode()).hexdigest()[:16]
    return f"{folder}/statutory-holidays-{key}.json"


def statutory_table() -> dict[int, frozenset[dt.date]]:
    """Every year's statutory holidays (the columnar evaluator's calendar table needs them all at once): read from
    the user's cache folder (JSON: data, never code) when it was written before, else worked out (about 2 s: the
    lunar library computes each year's solar terms precisely) and written there."""
    import json
    import os

    from .workspace import _safe_folder
    years = range(STATUTORY_YEARS[0], STATUTORY_YEARS[1] + 1)
    if all(y in _TABLE for y in years):
        return _TABLE
    path = _table_file()
    if path and _safe_folder(os.path.dirname(path)):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            loaded = {int(y): frozenset(dt.date.fromisoformat(d) for d in days) for y, days in data.items()}
            if set(loaded) == set(years):
                _TABLE.update(loaded)
                return _TABLE
        except (OSError, ValueError, TypeError, AttributeError):      # absent or damaged: worked out again
            pass
    for y in years:
        statutory_holidays(y)
    if path:
        import tempfile
        folder = os.path.dirname(path)
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            if _safe_folder(folder):
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=".statutory-")
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump({str(y): sorted(d.isoformat() for d in _TABLE[y]) for y in years}, f)
                os.replace(tmp, path)
        except OSError:                          # a read-only home, a full disk: no cache
            pass
    return _TABLE


def compute_statutory_holidays(year: int) -> frozenset[dt.date] | None:
    """The days off of 全国年节及纪念日放假办法 art. 2 in `year` (the version in force that year), or None
    outside STATUTORY_YEARS. Art. 6's substitute days off (补假) for a holiday on a weekend are not among them:
    which working day is given is the State Council's arrangement, not the law's."""
    if not has_statutory_holidays(year):
        return None
    from lunar_python import Lunar, LunarYear, Solar
    _, _, fixed, spring, lunar_days = [v for v in _LAW_VERSIONS if v[0] <= year][-1]
    lunar_year = LunarYear.fromYear(year)           # the lunar year that begins in `year` (its months, solar terms)

    def solar(julian_day: float) -> dt.date:         # a Julian day (Beijing time) as a Gregorian date
        s = Solar.fromJulianDay(julian_day)
        return dt.date(s.getYear(), s.getMonth(), s.getDay())

    def lunar(month: int, day: int) -> dt.date:      # a day of a month of that lunar year (not a leap month)
        return solar(lunar_year.getMonth(month).getFirstJulianDay()) + dt.timedelta(days=day - 1)

    days = {dt.date(year, month, day) for month, day in fixed}
    new_year = lunar(1, 1)                           # 正月初一; 除夕 is the day before
    days.update(new_year + dt.timedelta(days=k) for k in spring)
    if lunar_days:
        days.add(solar(lunar_year.getJieQiJulianDays()[Lunar.JIE_QI_IN_USE.index("清明")]))   # the solar term's day
        days.add(lunar(5, 5))                        # 端午: 五月初五
        days.add(lunar(8, 15))                       # 中秋: 八月十五
    return frozenset(days)


class WorkingDayCalendar:
    """Working days: the package's data, overridden year by year by YAML arrangements; a year held by neither
    is counted with its statutory holidays (`statutory_holidays`), or on weekends alone outside STATUTORY_YEARS."""

    def __init__(self, arrangements: dict[int, Arrangement] | None = None):
        self.arrangements = arrangements or {}
        self._package_years = self._years_in_package()
        # the package's own data, read as chinese_calendar.is_workday reads it (without its per-call range check)
        from chinese_calendar import constants
        self._package_workdays = frozenset(constants.workdays)
        self._package_holidays = frozenset(constants.holidays)

    @staticmethod
    def _years_in_package() -> set[int]:
        from chinese_calendar import constants
        return {d.year for d in constants.holidays} | {d.year for d in constants.workdays}

    def knows(self, year: int) -> bool:
        """Whether `year`'s holiday arrangement is held (a YAML file or the package)."""
        return year in self.arrangements or year in self._package_years

    def statutory(self, year: int) -> frozenset[dt.date] | None:
        """For a year not held: its statutory holidays (None outside STATUTORY_YEARS); None for a held year."""
        return None if self.knows(year) else statutory_holidays(year)

    def is_workday(self, day: dt.date) -> bool:
        arrangement = self.arrangements.get(day.year)
        if arrangement is not None:
            if day in arrangement.workdays:
                return True
            if day in arrangement.holidays:
                return False
            return day.weekday() < 5
        if day.year in self._package_years:         # chinese_calendar.is_workday, without its range check
            return day in self._package_workdays or (day.weekday() < 5 and day not in self._package_holidays)
        if day.weekday() >= 5:
            return False
        holidays = statutory_holidays(day.year)
        return holidays is None or day not in holidays

    def add_working_days(self, start: dt.date, n: int) -> DateComputation:
        """The n-th working day after `start` (the start day itself is not counted).

        Counting stops, with `result` None and `beyond_calendar` True (see DateComputation), when n exceeds
        MAX_WORKING_DAYS or the count would run past 9999-12-31; so it never loops for long."""
        rule = f"{n} working day{'s' if n != 1 else ''}"
        if n > MAX_WORKING_DAYS:
            return DateComputation(start, rule, None, beyond_calendar=True, over_limit=True)
        day, counted, unknown_years = start, 0, set[int]()
        one = dt.timedelta(days=1)
        while counted < n:
            if day == LAST_DAY:
                return self._computation(start, rule, None, unknown_years, beyond_calendar=True)
            day += one
            if not self.knows(day.year):
                unknown_years.add(day.year)
            if self.is_workday(day):
                counted += 1
        return self._computation(start, rule, day, unknown_years)

    @staticmethod
    def _computation(start: dt.date, rule: str, result: dt.date | None, unknown: set[int],
                     beyond_calendar: bool = False) -> DateComputation:
        """The years not held, split into those counted on their statutory holidays and on weekends alone."""
        years = sorted(unknown)
        weekends = tuple(y for y in years if not has_statutory_holidays(y))
        return DateComputation(start, rule, result, weekends, beyond_calendar=beyond_calendar,
                               statutory_years=tuple(y for y in years if y not in weekends))


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(value) -> dt.date | None:
    """A date written YYYY-MM-DD (YAML keeps dates as text), else None."""
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _parse_day(value, year: int, where: Position, diagnostics: list[Diagnostic]) -> list[dt.date]:
    """One entry of `holidays` or `workdays`: a day, or a {from, to} range inside `year`."""
    if isinstance(value, dict) and set(value) == {"from", "to"}:
        first, last = _day(value["from"]), _day(value["to"])
        if first is None or last is None:
            bad = value["from"] if first is None else value["to"]
            diagnostics.append(Diagnostic("bad-date", f"`{quote(bad)}` is not a date (YYYY-MM-DD)", where))
            return []
        if last < first:
            diagnostics.append(Diagnostic("bad-date", f"the range ends ({last}) before it starts ({first})", where))
            return []
        if first.year != year or last.year != year:
            diagnostics.append(Diagnostic("calendar-year", f"the range {first} to {last} is not within {year}", where))
            return []
        return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    day = _day(value)
    if day is None:
        shown = f"`{quote(value)}`" if isinstance(value, (str, int, float, bool)) or value is None else \
            ("a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else f"`{quote(value)}`")
        diagnostics.append(Diagnostic("bad-date", f"{shown} is not a date (YYYY-MM-DD) or a {{from, to}} range",
                                      where))
        return []
    if day.year != year:
        diagnostics.append(Diagnostic("calendar-year", f"{day} is not in {year}", where))
    return [day]


_CALENDAR_KEYS = ("year", "source", "holidays", "workdays", "note")


def load_calendar(folder: Path | None) -> WorkingDayCalendar:
    """Read `policies/calendar/*.yaml`; PackError with positions when a file is wrong (a value of the wrong type
    included: never a crash)."""
    arrangements: dict[int, Arrangement] = {}
    given_in: dict[int, str] = {}
    diagnostics: list[Diagnostic] = []
    if folder is not None and folder.is_dir():
        for path in sorted(folder.glob("*.yaml")):
            doc, errs = load_yaml_file(path)
            diagnostics += errs
            if doc is None or doc.data is None:          # unreadable (reported) or empty
                continue
            data = doc.data
            if not isinstance(data, dict):
                diagnostics.append(Diagnostic("calendar-year", "a calendar file is a mapping with `year: YYYY`, "
                                              "`source`, `holidays` and `workdays`", doc.position(())))
                continue
            for key in sorted((k for k in data if k not in _CALENDAR_KEYS), key=str):
                diagnostics.append(Diagnostic("unknown-key", f"unknown key `{quote(key)}` in a calendar file",
                                              doc.position((key,), key=True),
                                              hint="allowed: " + ", ".join(_CALENDAR_KEYS)))
            year = data.get("year")
            if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
                diagnostics.append(Diagnostic("calendar-year", "a calendar file needs `year: YYYY`"
                                              + ((", got the text" if isinstance(year, str) else ", got")
                                                 + f" `{quote(year)}`" if "year" in data else ""),
                                              doc.position(("year",))))
                continue
            if year in given_in:
                diagnostics.append(Diagnostic("calendar-year", f"{year} is already given in {given_in[year]}",
                                              doc.position(("year",))))
                continue
            source = data.get("source", "")
            if not isinstance(source, str):
                diagnostics.append(Diagnostic("bad-type", "`source` must be text (the notice the arrangement comes "
                                              "from)", doc.position(("source",))))
                source = ""
            arr = Arrangement(year, source)
            for key, target in (("holidays", arr.holidays), ("workdays", arr.workdays)):
                values = data.get(key)
                if values is None:
                    continue
                if not isinstance(values, list):
                    diagnostics.append(Diagnostic("bad-type", f"`{key}` must be a list of dates and {{from, to}} "
                                                  f"ranges, e.g. [{year}-01-01, "
                                                  f"{{from: {year}-10-01, to: {year}-10-07}}]",
                                                  doc.position((key,))))
                    continue
                for i, value in enumerate(values):
                    target.update(_parse_day(value, year, doc.position((key, i)), diagnostics))
            arrangements[year] = arr
            given_in[year] = doc.file
    if diagnostics:
        raise PackError(diagnostics)
    return WorkingDayCalendar(arrangements)
