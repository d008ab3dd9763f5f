"""CONTRACT.md section 5, with dates worked out by hand from the State Council holiday notices."""
import datetime as dt

import pytest

from creditrules.errors import PackError
from creditrules.timerules import WorkingDayCalendar, add_period, load_calendar

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


def test_unknown_year_counts_weekends_only_and_warns():
    cal = WorkingDayCalendar()
    comp = cal.add_working_days(D(2027, 9, 30), 3)      # Thu 30 Sep 2027: Fri 1 Oct, Mon 4, Tue 5 Oct
    assert comp.result == D(2027, 10, 5)
    assert "2027" in comp.warning and "weekends alone" in comp.warning


def test_a_calendar_file_adds_a_year_without_code(tmp_path):
    (tmp_path / "2027.yaml").write_text(
        "year: 2027\nsource: test arrangement\nholidays: [{from: 2027-10-01, to: 2027-10-07}]\n"
        "workdays: [2027-10-09]\n",
        encoding="utf-8")
    cal = load_calendar(tmp_path)
    comp = cal.add_working_days(D(2027, 9, 30), 3)        # 8 Oct, 9 Oct (Sat, make-up), 11 Oct
    assert comp.result == D(2027, 10, 11) and comp.warning is None


def test_a_bad_calendar_file_is_a_positioned_error(tmp_path):
    (tmp_path / "2027.yaml").write_text("year: 2027\nholidays: [2027-02-30]\nworkday: []\n", encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_calendar(tmp_path)
    codes = {(d.code, d.position.line) for d in info.value.diagnostics}
    assert ("bad-date", 2) in codes and ("unknown-key", 3) in codes
