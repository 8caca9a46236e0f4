"""Shared fixtures: the bundled rulebook (loaded once) and a report builder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compliance.evaluate import Evaluator, RuleResult, Scorecard
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import LoadedRulebook, load_rulebook

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"


@pytest.fixture(autouse=True)
def _labels_in_both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output labels follow the locale (--lang's default): tests expect both languages, whatever the machine's."""
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(scope="session")
def book() -> LoadedRulebook:
    return load_rulebook()


@pytest.fixture(scope="session")
def evaluator(book: LoadedRulebook) -> Iterator[Evaluator]:
    with Evaluator(book) as ev:
        yield ev


def score_one(evaluator: Evaluator, unit_id: str, **facts: Any) -> Scorecard:
    report = evaluator.book.report.model.model_validate({"unit_id": unit_id, "year": 2018, **facts})
    return evaluator.score_batch([ReportInput(f"test:{unit_id}", "", report)])[0]


def result(card: Scorecard, rule_id: str) -> RuleResult:
    return next(r for r in card.results if r.rule_id == rule_id)
