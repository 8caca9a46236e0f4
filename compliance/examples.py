"""Rule examples (report fragments written beside each rule) run through the real engine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from compliance.evaluate import Evaluator, RuleResult
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import LoadedRulebook, PlacedRule
from compliance.model import Example, Rule


@dataclass(frozen=True)
class ExampleRun:
    placed: PlacedRule
    index: int
    example: Example
    result: RuleResult | None
    problem: str | None = None

    @property
    def test_id(self) -> str:
        return f"{self.placed.rule.id}-{self.example.name}"

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.status == self.example.expect.value


def example_unit(book: LoadedRulebook, rule: Rule, example: Example) -> str | None:
    """The unit an example is scored as: the one it names, else the first unit the rule applies to."""
    if example.unit:
        return example.unit
    if rule.applies_to.units:
        return rule.applies_to.units[0]
    for unit in book.registry.units:
        if unit.type in rule.applies_to.types:
            return unit.id
    return None


def run_examples(book: LoadedRulebook, evaluator: Evaluator | None = None) -> Iterator[ExampleRun]:
    own = evaluator is None
    evaluator = evaluator or Evaluator(book)
    try:
        for placed in book.placed:
            for index, example in enumerate(placed.rule.examples):
                yield _run_one(book, evaluator, placed, index, example)
    finally:
        if own:
            evaluator.close()


def _run_one(
    book: LoadedRulebook, evaluator: Evaluator, placed: PlacedRule, index: int, example: Example
) -> ExampleRun:
    rule = placed.rule
    unit_id = example_unit(book, rule, example)
    if unit_id is None:
        return ExampleRun(placed, index, example, None, "no unit in the registry matches the rule's applies_to")
    data = {"unit_id": unit_id, "year": book.meta.year, **example.report}
    try:
        report = book.report.model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return ExampleRun(
            placed, index, example, None, f"example report is not a valid report: {where}: {first['msg']}"
        )
    card = evaluator.score_batch([ReportInput(f"example {rule.id}-{example.name}", "", report)])[0]
    if card.problems:
        return ExampleRun(placed, index, example, None, "; ".join(card.problems))
    result = next((r for r in card.results if r.rule_id == rule.id), None)
    if result is None:
        return ExampleRun(placed, index, example, None, f"rule does not apply to example unit '{unit_id}'")
    return ExampleRun(placed, index, example, result)
