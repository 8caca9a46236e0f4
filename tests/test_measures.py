"""Measure kinds and options compiled from declarations against the made-up rulebook's facts, each checked
against a value worked out by hand (the rule examples run every kind through the engine; these pin options)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from compliance.errors import Problem
from compliance.loading.rulebook import load_rulebook
from compliance.measures.catalogue import MeasuresFile, compile_measures
from compliance.measures.interface import Context, Measured, Metric, PerRecord, Unmeasured

BOOK = load_rulebook(Path(__file__).parent / "rulebooks" / "madeup-county-2025")
CTX = Context(BOOK.report.facts, 2025, BOOK.declared.calendar, dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _problem(code: str, message: str, where: tuple[str | int, ...]) -> Problem:
    return Problem("measures.yaml", None, None, code, message, ".".join(map(str, where)))


def measure(kind: str, args: dict[str, Any], **report: Any) -> Metric:
    declared = MeasuresFile.model_validate(
        {"measures": [{"id": "m", "label": {"zh": "测", "en": "m"}, "unit": "次", kind: args}]}
    )
    compiled, problems = compile_measures(declared, _problem, CTX)
    assert problems == []
    data = BOOK.report.model.model_validate({"unit_id": "police", "year": 2025, **report})
    return compiled["m"].plan.measure(data)


def compile_problems(kind: str, args: dict[str, Any]) -> list[str]:
    declared = MeasuresFile.model_validate(
        {"measures": [{"id": "m", "label": {"zh": "测", "en": "m"}, "unit": "次", kind: args}]}
    )
    return [p.code for p in compile_measures(declared, _problem, CTX)[1]]


DRAFTS = [
    {"title": "a", "opened": "2025-02-01", "closed": "2025-03-10"},
    {"title": "b", "opened": "2025-05-01"},
    {"title": "c", "opened": "2025-08-01"},
]


def test_a_presence_filter_counts_records_without_a_field() -> None:
    never_closed = measure(
        "count", {"fact": "drafts", "date": "opened", "where": {"closed": {"present": False}}}, drafts=DRAFTS
    )
    closed = measure(
        "count", {"fact": "drafts", "date": "opened", "where": {"closed": {"present": True}}}, drafts=DRAFTS
    )
    assert isinstance(never_closed, Measured) and never_closed.value == 2
    assert isinstance(closed, Measured) and closed.value == 1


def test_count_per_month_judges_every_month() -> None:
    found = measure("count", {"fact": "drafts", "date": "opened", "per": "month"}, drafts=DRAFTS)
    assert isinstance(found, PerRecord)
    assert [value for _, value in found.items] == [0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    assert found.items[1][0] == "2025年2月"


def test_sum_per_half_year() -> None:
    trainings = [
        {"start": "2025-03-01", "title": "a", "hours": 12},
        {"start": "2025-06-30", "title": "b", "hours": 4.5},
        {"start": "2025-07-01", "title": "c", "hours": 8},
        {"start": "2024-12-01", "title": "old", "hours": 100},
        {"start": "2025-09-01", "title": "no hours"},
    ]
    halves = measure(
        "sum", {"fact": "trainings", "field": "hours", "date": "start", "per": "half"}, trainings=trainings
    )
    assert isinstance(halves, PerRecord) and [v for _, v in halves.items] == [16.5, 8]
    year = measure("sum", {"fact": "trainings", "field": "hours", "date": "start"}, trainings=trainings)
    assert isinstance(year, Measured) and year.value == 24.5
    assert any("2024-12-01" in note for note in year.notes) and any("no hours" in note for note in year.notes)


@pytest.mark.parametrize(
    ("args", "completed", "value"),
    [
        ({"fact": "work_plan"}, "2025-12-31", 1),
        ({"fact": "work_plan"}, "2024-12-31", 0),
        ({"fact": "work_plan", "since": "any"}, "2019-06-01", 1),  # a 制度 in force since 2019 still counts
        ({"fact": "work_plan", "since": "any"}, "2026-01-01", 0),
        ({"fact": "work_plan", "due": "03-31"}, "2025-04-01", 0),
        ({"fact": "work_plan", "due": "01-15", "year": "next"}, "2026-01-15", 1),
    ],
)
def test_deadline_windows(args: dict[str, Any], completed: str, value: int) -> None:
    found = measure("deadline", args, work_plan={"completed": completed, "document_no": "x"})
    assert isinstance(found, Measured) and found.value == value


def test_rate_from_two_counts_and_nothing_to_count() -> None:
    decisions = [
        {"date": "2025-01-05", "reviewed": True},
        {"date": "2025-02-05", "reviewed": False},
        {"date": "2025-03-05", "reviewed": True},
        {"date": "2024-03-05", "reviewed": False},  # outside the year: in neither count
    ]
    args = {"numerator": {"fact": "major_decisions", "date": "date", "where": {"reviewed": True}},
            "denominator": {"fact": "major_decisions", "date": "date"}}  # fmt: skip
    found = measure("rate", args, major_decisions=decisions)
    assert isinstance(found, Measured) and found.value == pytest.approx(200 / 3)
    none = measure("rate", args, major_decisions=[])
    assert isinstance(none, Unmeasured) and none.status == "not_applicable"


def test_working_days_outside_the_calendar_are_an_error_not_a_guess() -> None:
    found = measure(
        "days",
        {"fact": "permits", "from": "accepted", "to": "decided", "working": True},
        permits=[{"accepted": "2025-12-29", "decided": "2026-01-05", "case_no": "x"}],
    )
    assert isinstance(found, Unmeasured) and found.status == "error"


@pytest.mark.parametrize(
    ("kind", "args", "code"),
    [
        ("count", {"fact": "nothing"}, "E220"),
        ("rate", {"fact": "drafts"}, "E221"),
        ("count", {"fact": "drafts", "where": {"pages": 3}}, "E222"),
        ("sum", {"fact": "drafts", "field": "title"}, "E223"),
        ("count", {"fact": "drafts", "where": {"opened": 5}}, "E224"),
        ("count", {"fact": "drafts", "where": {"secret": {"~": True}}}, "E225"),
        ("count", {"fact": "drafts", "where": {"secret": {"present": "yes"}}}, "E225"),
        ("count", {"fact": "drafts", "per": "quarter"}, "E226"),
        ("change", {"fact": "certified"}, "E227"),
        ("deadline", {"fact": "work_plan", "due": "02-30"}, "E228"),
    ],
)
def test_declarations_that_cannot_compile(kind: str, args: dict[str, Any], code: str) -> None:
    assert compile_problems(kind, args) == [code]


@pytest.mark.parametrize(
    ("rate", "gain"),
    [
        ({"numerator": 573, "denominator": 1000, "previous_year_percent": 52.3}, 5),  # floats: 4.999999999999993
        ({"percent": 57.3, "previous_year_percent": 52.3}, 5),
        ({"numerator": 41, "denominator": 60, "previous_year_percent": 52.3}, 4100 / 60 - 52.3),
        ({"percent": 50.0000000001, "previous_year_percent": 50}, 1e-10),  # a gain, however small, is a gain
        ({"percent": 49.9999999999, "previous_year_percent": 50}, -1e-10),
        ({"numerator": 1, "denominator": 2, "previous_year_percent": 50}, 0),
    ],
)
def test_change_is_exact_and_keeps_the_smallest_gain(rate: dict[str, Any], gain: float) -> None:
    found = measure("change", {"fact": "review_published"}, rates={"review_published": rate})
    assert isinstance(found, Measured)
    assert found.value == pytest.approx(gain, rel=1e-12, abs=0)
    assert (found.value > 0) == (gain > 0) and (found.value == 0) == (gain == 0)
