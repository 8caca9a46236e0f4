"""The Nantong rulebook's working-day calendar agrees, day by day, with the State Council's holiday notices.

`chinese-calendar` (PyPI) encodes the notices (国办发明电〔2017〕12号, 〔2018〕15号, 〔2019〕2号); the rulebook's
`calendar.yaml` is what scoring uses, so every day of every year it declares must be a working day in one exactly
when it is in the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import chinese_calendar
import pytest
import yaml

from compliance.calendar import CalendarFile, WorkingCalendar
from compliance.loading.documents import parse_file

CALENDAR = Path(__file__).resolve().parent.parent / "rules" / "nantong-2018" / "calendar.yaml"


def expand(spec: str) -> Iterator[dt.date]:
    """A date `YYYY-MM-DD` or an inclusive range `YYYY-MM-DD..YYYY-MM-DD`."""
    first, _, last = spec.partition("..")
    day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
    assert day <= end, f"range {spec} runs backwards"
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def load() -> tuple[list[int], set[dt.date], set[dt.date]]:
    data = yaml.safe_load(CALENDAR.read_text(encoding="utf-8"))
    holidays = {d for spec in data["holidays"] for d in expand(spec)}
    workdays = {d for spec in data["workdays"] for d in expand(spec)}
    return data["years"], holidays, workdays


def days_of(year: int) -> Iterator[dt.date]:
    return expand(f"{year}-01-01..{year}-12-31")


def test_covers_the_assessment_year_and_the_next() -> None:
    years, _, _ = load()
    assert years == [2018, 2019]


@pytest.mark.parametrize("year", [2018, 2019])
def test_every_day_agrees_with_chinese_calendar(year: int) -> None:
    _, holidays, workdays = load()
    disagree = [
        day
        for day in days_of(year)
        if (day in workdays or (day.weekday() < 5 and day not in holidays)) != chinese_calendar.is_workday(day)
    ]
    assert disagree == []


def test_listed_days_are_what_they_claim() -> None:
    years, holidays, workdays = load()
    # A make-up working day is a weekend day; a listed holiday is a day off in the notices.
    assert all(day.weekday() >= 5 for day in workdays)
    assert all(chinese_calendar.is_holiday(day) for day in holidays)
    assert not holidays & workdays
    assert {day.year for day in holidays | workdays} <= set(years)


def test_working_day_counts_agree_with_chinese_calendar() -> None:
    """What scoring uses: the loader's count of working days after 2018-01-01 up to each day of both years."""
    calendar = WorkingCalendar(CalendarFile.model_validate(parse_file(CALENDAR).data))
    first, counted = dt.date(2018, 1, 1), 0
    for day in expand("2018-01-02..2019-12-31"):
        counted += chinese_calendar.is_workday(day)
        assert calendar.working_days(first, day) == counted, day


def test_known_days() -> None:
    """Spot checks read straight from the notices, independent of the package."""
    _, holidays, workdays = load()
    assert dt.date(2018, 2, 11) in workdays  # 春节调休：2月11日（星期日）上班
    assert dt.date(2018, 10, 5) in holidays  # 国庆节：10月1日至7日放假
    assert dt.date(2018, 12, 29) in workdays  # 2019年元旦调休：12月29日（星期六）上班
    assert dt.date(2019, 5, 3) in holidays  # 劳动节：5月1日至4日放假（国办发明电〔2019〕2号）
