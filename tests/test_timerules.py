"""CONTRACT.md section 5, with dates worked out by hand from the State Council holiday notices and, for the years no
notice is held for, from 全国年节及纪念日放假办法 art. 2.

Lunar dates used for 2027 (lunar_python, checked against borax and lunardate, which agree): 正月初一 2027-02-06,
so 除夕 (the last day of the twelfth month) 2027-02-05; 端午 (五月初五) 2027-06-09; 中秋 (八月十五) 2027-09-15;
清明 (the solar term) 2027-04-05, also chinese-calendar's own solar-term table.
"""
import datetime as dt

import chinese_calendar
import pytest

from creditrules.errors import PackError
from creditrules.timerules import WorkingDayCalendar, add_period, load_calendar, statutory_holidays

D = dt.date


@pytest.mark.parametrize("start,kw,end", [
    (D(2024, 3, 1), {"years": 5}, D(2029, 3, 1)),
    (D(2024, 2, 29), {"years": 1}, D(2025, 2, 28)),        # no 29 February in 2025: the month's last day
    (D(2024, 2, 29), {"years": 4}, D(2028, 2, 29)),
    (D(2024, 8, 31), {"months": 3}, D(2024, 11, 30)),      # no 31 November
    (D(2023, 8, 31), {"months": 6}, D(2024, 2, 29)),
    (D(2024, 1, 31), {"months": 1}, D(2024, 2, 29)),
    (D(2024, 12, 15), {"months": 1}, D(2025, 1, 15)),
])
def test_month_and_year_periods(start, kw, end):
    assert add_period(start, **kw).result == end


def test_working_days_skip_national_day_and_count_the_make_up_sunday():
    cal = WorkingDayCalendar()
    # 2024: 1-7 Oct off; Sun 29 Sep and Sat 12 Oct are working days. From Sat 28 Sep: 29 Sep, 30 Sep, 8 Oct.
    assert cal.add_working_days(D(2024, 9, 28), 3).result == D(2024, 10, 8)
    # from Mon 30 Sep, 7 working days: 8, 9, 10, 11, 12 (Sat, make-up), 14, 15 Oct
    assert cal.add_working_days(D(2024, 9, 30), 7).result == D(2024, 10, 15)


def test_working_days_over_spring_festival_2025():
    cal = WorkingDayCalendar()
    # 2025: 28 Jan - 4 Feb off; Sun 26 Jan and Sat 8 Feb are working days. From Fri 24 Jan: 26, 27 Jan, 5 Feb.
    assert cal.add_working_days(D(2025, 1, 24), 3).result == D(2025, 2, 5)


def test_the_package_holds_arrangements_through_2026():
    """The boundary the tests below cross. A chinese-calendar release with 2027 data moves it: pyproject.toml pins
    the tested release range, and these tests are to be worked out again for the new last year."""
    held = chinese_calendar.constants
    years = {d.year for d in held.holidays} | {d.year for d in held.workdays}
    assert (min(years), max(years)) == (2004, 2026)
    cal = WorkingDayCalendar()
    assert cal.knows(2026) and not cal.knows(2027)


def test_a_year_not_held_counts_its_statutory_holidays_and_warns():
    cal = WorkingDayCalendar()
    # Thu 30 Sep 2027: 1-3 Oct off (art. 2(7), 国庆 3 days; Fri-Sun), so Mon 4 Oct = 1, Tue 5 = 2, Wed 6 Oct = 3
    comp = cal.add_working_days(D(2027, 9, 30), 3)
    assert comp.result == D(2027, 10, 6)
    assert comp.statutory_years == (2027,) and comp.unknown_years == ()
    assert "2027" in comp.warning and "statutory holidays" in comp.warning
    assert "make-up working days" in comp.warning and "substitute days off (art. 6)" in comp.warning
    (zh,) = comp.calendar_warnings("zh")
    assert "法定节假日" in zh and "调休上班日" in zh and "补假" in zh and "policies/calendar/2027.yaml" in zh


def test_the_count_crosses_the_last_held_year_into_2027():
    cal = WorkingDayCalendar()
    # Wed 30 Dec 2026: Thu 31 Dec (a working day in the 2026 arrangement) = 1; Fri 1 Jan 2027 is 元旦 (art. 2(1));
    # Mon 4 Jan = 2, Tue 5 Jan = 3. (Counted on weekends alone it was 4 Jan.)
    comp = cal.add_working_days(D(2026, 12, 30), 3)
    assert comp.result == D(2027, 1, 5) and comp.statutory_years == (2027,)
    # Fri 25 Dec 2026: 28, 29, 30, 31 Dec = 1-4; 1 Jan off; Mon 4 Jan 2027 = 5
    assert cal.add_working_days(D(2026, 12, 25), 5).result == D(2027, 1, 4)
    # a count that stays in 2026 says nothing of 2027
    comp = cal.add_working_days(D(2026, 12, 25), 4)
    assert comp.result == D(2026, 12, 31) and comp.warning is None
    assert not cal.is_workday(D(2027, 1, 1))


@pytest.mark.parametrize("start,n,end", [
    # Wed 3 Feb 2027: Thu 4 Feb = 1; 5-8 Feb off (art. 2(2): 除夕 and 正月初一 to 初三, 4 days); Tue 9 = 2, Wed 10 = 3
    (D(2027, 2, 3), 3, D(2027, 2, 10)),
    # Fri 2 Apr 2027: Mon 5 Apr is 清明 (art. 2(3)); Tue 6 Apr = 1
    (D(2027, 4, 2), 1, D(2027, 4, 6)),
    # Tue 8 Jun 2027: Wed 9 Jun is 端午 (art. 2(5)); Thu 10 Jun = 1
    (D(2027, 6, 8), 1, D(2027, 6, 10)),
    # Tue 14 Sep 2027: Wed 15 Sep is 中秋 (art. 2(6)); Thu 16 Sep = 1
    (D(2027, 9, 14), 1, D(2027, 9, 16)),
    # Fri 30 Apr 2027: 1-2 May (art. 2(4), 劳动节 2 days) are a Saturday and Sunday; Mon 3 May = 1 (art. 6's
    # substitute days are the State Council's to fix: unknown, and warned about)
    (D(2027, 4, 30), 1, D(2027, 5, 3)),
])
def test_2027_statutory_holidays(start, n, end):
    comp = WorkingDayCalendar().add_working_days(start, n)
    assert comp.result == end and comp.statutory_years == (2027,)


def test_the_2027_statutory_holidays_by_the_2024_text():
    assert sorted(statutory_holidays(2027)) == [
        D(2027, 1, 1), D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8), D(2027, 4, 5), D(2027, 5, 1),
        D(2027, 5, 2), D(2027, 6, 9), D(2027, 9, 15), D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)]


def test_2025_by_the_rule_is_the_statutory_part_of_the_held_notice():
    # 国办发明电〔2024〕12号 on the 2024 text: 元旦 1 Jan; 春节 28 Jan (除夕) to 31 Jan of the 28 Jan - 4 Feb break;
    # 清明 4 Apr; 劳动节 1-2 May of 1-5 May; 端午 31 May; 国庆 1-3 Oct and 中秋 6 Oct of the 1-8 Oct break
    assert sorted(statutory_holidays(2025)) == [
        D(2025, 1, 1), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31), D(2025, 4, 4), D(2025, 5, 1),
        D(2025, 5, 2), D(2025, 5, 31), D(2025, 10, 1), D(2025, 10, 2), D(2025, 10, 3), D(2025, 10, 6)]


@pytest.mark.parametrize("year", range(2004, 2027))
def test_every_version_of_the_law_gives_days_off_in_the_held_arrangements(year):
    """Each year's statutory holidays by the version then in force (1999 text to 2007: 春节 from 初一, 劳动节 3 days;
    2007 text from 2008: 春节 from 除夕, 清明/端午/中秋 added; 2013 text from 2014: 春节 from 初一 again; 2024 text
    from 2025: 春节 4 days from 除夕, 劳动节 2 days) are days off in the State Council's arrangement for that year.
    (2014's 除夕, 30 Jan, was a working day: the 2024 text applied to 2014 would fail here.)"""
    days = statutory_holidays(year)
    assert days and all(chinese_calendar.is_holiday(d) and not chinese_calendar.is_workday(d) for d in days)


def test_years_before_2000_and_after_2100_are_counted_on_weekends_alone():
    cal = WorkingDayCalendar()
    # Fri 30 Sep 2101: Sat 1, Sun 2 Oct; Mon 3 Oct = 1 (no statutory holidays worked out past 2100)
    comp = cal.add_working_days(D(2101, 9, 30), 1)
    assert comp.result == D(2101, 10, 3) and comp.unknown_years == (2101,) and comp.statutory_years == ()
    assert "weekends alone" in comp.warning
    # Thu 30 Sep 1999: Fri 1 Oct counts (the 1999 text came into force on 18 Sep 1999, mid-year: not encoded)
    comp = cal.add_working_days(D(1999, 9, 30), 1)
    assert comp.result == D(1999, 10, 1) and comp.unknown_years == (1999,)
    # Tue 30 Sep 2003, under the 1999 text: 1-3 Oct off (Wed-Fri), 4-5 Oct a weekend; Mon 6 Oct = 1
    comp = cal.add_working_days(D(2003, 9, 30), 1)
    assert comp.result == D(2003, 10, 6) and comp.statutory_years == (2003,)
    # a count from 2100 into 2101 gives both warnings, the statutory one first
    comp = cal.add_working_days(D(2100, 12, 30), 3)
    assert comp.statutory_years == (2100,) and comp.unknown_years == (2101,)
    assert [w.split(":")[0] for w in comp.calendar_warnings()] == [
        "the holiday arrangement for 2100 is not held", "the holiday arrangement for 2101 is not held"]


def test_a_calendar_file_adds_a_year_without_code(tmp_path):
    (tmp_path / "2027.yaml").write_text(
        "year: 2027\nsource: test arrangement\nholidays: [{from: 2027-10-01, to: 2027-10-07}]\n"
        "workdays: [2027-10-09]\n",
        encoding="utf-8")
    cal = load_calendar(tmp_path)
    comp = cal.add_working_days(D(2027, 9, 30), 3)        # 8 Oct, 9 Oct (Sat, make-up), 11 Oct
    assert comp.result == D(2027, 10, 11) and comp.warning is None
    # the file wins entirely for its year: the statutory days it does not list are working days
    assert cal.is_workday(D(2027, 1, 1)) and cal.is_workday(D(2027, 2, 5)) and cal.statutory(2027) is None
    assert not WorkingDayCalendar().is_workday(D(2027, 1, 1))


def test_a_bad_calendar_file_is_a_positioned_error(tmp_path):
    (tmp_path / "2027.yaml").write_text("year: 2027\nholidays: [2027-02-30]\nworkday: []\n", encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_calendar(tmp_path)
    codes = {(d.code, d.position.line) for d in info.value.diagnostics}
    assert ("bad-date", 2) in codes and ("unknown-key", 3) in codes


def test_the_statutory_table_is_cached_on_disk_as_data_and_read_back_identical(tmp_path, monkeypatch):
    """The columnar calendar needs every year's statutory holidays at once: worked out once, written as JSON to
    the user's cache folder, and read back the same (a damaged file is worked out again)."""
    from creditrules import timerules
    monkeypatch.setenv("CREDITRULES_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(timerules, "_TABLE", {})
    first = dict(timerules.statutory_table())
    (written,) = (tmp_path / "cache").glob("statutory-holidays-*.json")
    monkeypatch.setattr(timerules, "_TABLE", {})
    assert timerules.statutory_table() == first
    assert first[2027] == timerules.compute_statutory_holidays(2027)
    assert dt.date(2027, 2, 5) in first[2027] and dt.date(2027, 1, 1) in first[2027]      # 除夕, 元旦
    written.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(timerules, "_TABLE", {})
    assert timerules.statutory_table() == first
