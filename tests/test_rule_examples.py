"""Every rule example in the bundled rulebook, run through the real engine: one test per example, id RULE-example."""

from __future__ import annotations

import pytest

from compliance.examples import ExampleRun, run_examples
from compliance.lint import check_example_sets
from compliance.loading.rulebook import load_rulebook
from compliance.model import Expect, Rule

BOOK = load_rulebook()
RUNS = list(run_examples(BOOK))


@pytest.mark.parametrize("run", RUNS, ids=[run.test_id for run in RUNS])
def test_example(run: ExampleRun) -> None:
    assert run.problem is None, run.problem
    assert run.result is not None
    assert run.result.status == run.example.expect.value, run.result


def test_example_ids_are_unique() -> None:
    ids = [run.test_id for run in RUNS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("rule", BOOK.checkable, ids=[rule.id for rule in BOOK.checkable])
def test_checkable_rule_shows_pass_fail_and_its_boundary(rule: Rule) -> None:
    expects = {e.expect for e in rule.examples}
    assert {Expect.PASS, Expect.FAIL} <= expects
    at_target = [e for e in rule.examples if e.boundary == "at_target"]
    nearest_miss = [e for e in rule.examples if e.boundary == "nearest_miss"]
    assert at_target and all(e.expect is Expect.PASS for e in at_target)
    assert nearest_miss and all(e.expect is Expect.FAIL for e in nearest_miss)


def test_lint_agrees_every_rule_has_its_example_set() -> None:
    assert list(check_example_sets(BOOK)) == []
