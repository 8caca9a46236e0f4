"""A rulebook's working-day calendar (calendar.yaml): public holidays and make-up working days (调休).

Monday-to-Friday counting is wrong in China: holidays fall on weekdays and some weekends are working days. The
calendar is rulebook data (the State Council publishes it each year); scoring never guesses a year it lacks.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import accumulate

from pydantic import Field, field_validator, model_validator

from compliance.model import Strict

_DAY = r"\d{4}-\d{2}-\d{2}"
_ENTRY = re.compile(rf"({_DAY})(?:\.\.({_DAY}))?")


def _days(entry: str) -> list[dt.date]:
    match = _ENTRY.fullmatch(entry.strip())
    if match is None:
        raise ValueError(f"'{entry}': 应写作 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD（a date or a range of dates）")
    try:
        first = dt.date.fromisoformat(match.group(1))
        last = dt.date.fromisoformat(match.group(2) or match.group(1))
    except ValueError as exc:
        raise ValueError(f"'{entry}': {exc}") from None
    if last < first:
        raise ValueError(f"'{entry}': 区间结束早于开始（the range ends before it starts）")
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


class CalendarFile(Strict):
    """calendar.yaml: the years it covers, their holidays and their make-up working days."""

    years: tuple[int, ...] = Field(min_length=1)
    holidays: tuple[str, ...] = ()
    workdays: tuple[str, ...] = ()

    @field_validator("holidays", "workdays")
    @classmethod
    def _dates(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            _days(entry)
        return entries

    @model_validator(mode="after")
    def _inside_years(self) -> CalendarFile:
        for entry in (*self.holidays, *self.workdays):
            for day in _days(entry):
                if day.year not in self.years:
                    raise ValueError(f"{day} 不在 years 所列年度内（outside the years the calendar covers）")
        holidays = {d for e in self.holidays for d in _days(e)}
        clash = sorted(holidays.intersection(d for e in self.workdays for d in _days(e)))
        if clash:
            raise ValueError(f"{clash[0]} 既是假日又是调休工作日（both a holiday and a working day）")
        return self


class WorkingCalendar:
    """Working days between two dates in O(1), from a running count over the covered years."""

    def __init__(self, declared: CalendarFile) -> None:
        self.years = frozenset(declared.years)
        holidays = {d for e in declared.holidays for d in _days(e)}
        workdays = {d for e in declared.workdays for d in _days(e)}
        self._first = dt.date(min(self.years), 1, 1).toordinal()
        last = dt.date(max(self.years), 12, 31).toordinal()
        flags = []
        for ordinal in range(self._first, last + 1):
            day = dt.date.fromordinal(ordinal)
            flags.append(day in workdays or (day.weekday() < 5 and day not in holidays))
        self._running = list(accumulate(int(f) for f in flags))

    def covers(self, day: dt.date) -> bool:
        return day.year in self.years

    def covered(self, start: dt.date, end: dt.date) -> bool:
        return all(year in self.years for year in range(start.year, end.year + 1))

    def working_days(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (Civil Code art. 201: the first day is not
        counted). Both dates must be covered (see `covered`)."""
        return self._running[end.toordinal() - self._first] - self._running[start.toordinal() - self._first]
