"""Every rule example in the bundled rulebook and in the made-up test rulebook, run through the real engine: one
test per example, id RULE-example. The made-up rulebook uses every kind of the measure vocabulary, so each kind is
run with a passing and a failing case."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.examples import ExampleRun, run_examples
from compliance.lint import check_example_sets
from compliance.loading.rulebook import load_rulebook
from compliance.measures.catalogue import KINDS
from compliance.model import Expect, Rule

BOOK = load_rulebook()
MADEUP = load_rulebook(Path(__file__).parent / "rulebooks" / "madeup-county-2025")
RUNS = list(run_examples(BOOK)) + list(run_examples(MADEUP))


@pytest.mark.parametrize("run", RUNS, ids=[run.test_id for run in RUNS])
def test_example(run: ExampleRun) -> None:
    assert run.problem is None, run.problem
    assert run.result is not None
    assert run.result.status == run.example.expect.value, run.result


def test_example_ids_are_unique() -> None:
    ids = [run.test_id for run in RUNS]
    assert len(ids) == len(set(ids))


CHECKABLE = [*BOOK.checkable, *MADEUP.checkable]


@pytest.mark.parametrize("rule", CHECKABLE, ids=[rule.id for rule in CHECKABLE])
def test_checkable_rule_shows_pass_fail_and_its_boundary(rule: Rule) -> None:
    expects = {e.expect for e in rule.examples}
    assert {Expect.PASS, Expect.FAIL} <= expects
    at_target = [e for e in rule.examples if e.boundary == "at_target"]
    nearest_miss = [e for e in rule.examples if e.boundary == "nearest_miss"]
    assert at_target and all(e.expect is Expect.PASS for e in at_target)
    assert nearest_miss and all(e.expect is Expect.FAIL for e in nearest_miss)


def test_lint_agrees_every_rule_has_its_example_set() -> None:
    assert list(check_example_sets(BOOK)) == []
    assert list(check_example_sets(MADEUP)) == []


def test_every_kind_of_measure_is_run_passing_and_failing() -> None:
    """A meta-test: each vocabulary kind has a rule in the made-up rulebook with a pass and a fail example."""
    seen: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for run in RUNS:
        check = run.placed.rule.check
        if check is not None and run.result is not None:
            book = MADEUP if run.placed.rule.id.startswith("MU-") else BOOK
            seen[book.measures[check.measure].kind].add(run.result.status)
    assert {kind: {"pass", "fail"} <= statuses for kind, statuses in seen.items()} == dict.fromkeys(KINDS, True)
