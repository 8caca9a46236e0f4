"""A plain-Python evaluator of the same rules, for the benchmark's same-run ratio and for checking verdicts.

Not part of the product (verdicts there come from durable_rules). It reads the rulebook's YAML itself, reads
reports and computes measures exactly as the product does (compliance.loading.reports and the rulebook's compiled
measures), and compares each measured value with its target using Python's own operators.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compliance.loading.reports import ReportInput, read_reports
from compliance.loading.rulebook import DEFAULT_RULES, load_rulebook
from compliance.measures.interface import Measured, PerRecord, Unmeasured

OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
STATUSES = ("pass", "fail", "not_applicable", "not_reported", "error")


@dataclass(frozen=True)
class PlainRule:
    rule_id: str
    types: frozenset[str]
    units: frozenset[str]
    measure: str
    compare: Callable[[Any, Any], bool]
    target: int | float


@dataclass(frozen=True)
class Verdicts:
    """One unit's outcome: the card's status and how many rules gave each status (like Scorecard.counts())."""

    source: str
    unit_id: str | None
    status: str
    counts: tuple[int, ...]


class PlainEvaluator:
    def __init__(self, rules: Path = DEFAULT_RULES) -> None:
        meta = yaml.safe_load((rules / "rulebook.yaml").read_text(encoding="utf-8"))
        registry = yaml.safe_load((rules / "units.yaml").read_text(encoding="utf-8"))
        self.year: int = meta["year"]
        self.types = {t["id"] for t in registry["types"]}
        self.units: dict[str, str] = {u["id"]: u["type"] for u in registry["units"]}
        self.rules: list[PlainRule] = []
        for path in sorted((rules / "rules").glob("*.y*ml")):
            for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
                check = rule.get("check")
                if check is None:
                    continue
                applies = rule["applies_to"]
                self.rules.append(
                    PlainRule(
                        rule["id"],
                        frozenset(applies.get("types", ())),
                        frozenset(applies.get("units", ())),
                        check["measure"],
                        OPS[check["op"]],
                        check["target"],
                    )
                )
        self._applicable: dict[tuple[str, str], list[PlainRule]] = {}
        book = load_rulebook(rules)
        self.model = book.report.model
        self.plans = {name: measure.plan for name, measure in book.measures.items()}

    def applicable(self, unit_id: str, unit_type: str) -> list[PlainRule]:
        key = (unit_id, unit_type)
        found = self._applicable.get(key)
        if found is None:
            found = [r for r in self.rules if unit_type in r.types or unit_id in r.units]
            if len(self._applicable) < 10_000:
                self._applicable[key] = found
        return found

    def judge(self, item: ReportInput) -> Verdicts:
        report = item.report
        if report is None:
            return Verdicts(item.source, None, "invalid", (0,) * len(STATUSES))
        registered = self.units.get(report.unit_id)
        unit_type = registered or report.unit_type
        if (
            report.year != self.year
            or unit_type is None
            or (registered is not None and report.unit_type is not None and report.unit_type != registered)
            or unit_type not in self.types
        ):
            return Verdicts(item.source, report.unit_id, "invalid", (0,) * len(STATUSES))
        rules = self.applicable(report.unit_id, unit_type)
        metrics = {name: self.plans[name].measure(report) for name in {r.measure for r in rules}}
        counts = dict.fromkeys(STATUSES, 0)
        for rule in rules:
            metric = metrics[rule.measure]
            if isinstance(metric, Unmeasured):
                counts[metric.status] += 1
            elif isinstance(metric, Measured):
                counts["pass" if rule.compare(metric.value, rule.target) else "fail"] += 1
            else:
                assert isinstance(metric, PerRecord)
                passed = not metric.undone and all(rule.compare(value, rule.target) for _, value in metric.items)
                counts["pass" if passed else "fail"] += 1
        bad = counts["fail"] + counts["not_reported"] + counts["error"]
        return Verdicts(item.source, report.unit_id, "fail" if bad else "pass", tuple(counts.values()))

    def score(self, inputs: Iterable[ReportInput]) -> Iterator[Verdicts]:
        return (self.judge(item) for item in inputs)


def score_paths(paths: Iterable[str | Path], rules: Path = DEFAULT_RULES) -> Iterator[Verdicts]:
    evaluator = PlainEvaluator(rules)
    return evaluator.score(read_reports(paths, evaluator.model))
