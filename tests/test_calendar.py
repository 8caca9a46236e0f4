"""Working-day calendars (calendar.yaml) against an independent source, and the working-day count itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from compliance.calendar import CalendarFile, WorkingCalendar
from compliance.loading.documents import parse_file

MADEUP = Path(__file__).parent / "rulebooks" / "madeup-county-2025"


def _calendar(path: Path) -> WorkingCalendar:
    return WorkingCalendar(CalendarFile.model_validate(parse_file(path).data))


@pytest.mark.parametrize("path", [MADEUP / "calendar.yaml"], ids=["madeup-county-2025"])
def test_every_day_agrees_with_chinese_calendar(path: Path) -> None:
    chinese_calendar = pytest.importorskip("chinese_calendar")
    calendar = _calendar(path)
    for year in sorted(calendar.years):
        day = dt.date(year, 1, 1)
        while day.year == year:
            ours = calendar.working_days(day - dt.timedelta(days=1), day) == 1 if day > dt.date(year, 1, 1) else None
            if ours is not None:
                assert ours == chinese_calendar.is_workday(day), day
            day += dt.timedelta(days=1)


def test_working_days_skip_the_first_day_holidays_and_count_make_up_days() -> None:
    calendar = _calendar(MADEUP / "calendar.yaml")
    # Friday 2025-09-26 -> Monday 2025-10-13: 9-28 (Sunday, make-up day), 9-29, 9-30, then 10-01..10-08 off,
    # 10-09, 10-10, 10-11 (Saturday, make-up day), 10-13 = 7 working days; the 26th itself is not counted.
    assert calendar.working_days(dt.date(2025, 9, 26), dt.date(2025, 10, 13)) == 7
    assert calendar.working_days(dt.date(2025, 9, 26), dt.date(2025, 9, 26)) == 0
    # An ordinary week: Monday -> next Monday is 5 working days.
    assert calendar.working_days(dt.date(2025, 3, 3), dt.date(2025, 3, 10)) == 5
    assert not calendar.covered(dt.date(2025, 12, 29), dt.date(2026, 1, 5))


@pytest.mark.parametrize(
    ("entry", "why"),
    [("2025-02-30", "day is out of range"), ("2025/01/01", "YYYY-MM-DD"), ("2025-02-04..2025-01-28", "区间")],
)
def test_bad_calendar_entries_are_refused(entry: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        CalendarFile.model_validate({"years": [2025], "holidays": [entry]})


def test_a_day_both_off_and_on_is_refused() -> None:
    with pytest.raises(ValueError, match="both a holiday and a working day"):
        CalendarFile.model_validate({"years": [2025], "holidays": ["2025-01-01"], "workdays": ["2025-01-01"]})
