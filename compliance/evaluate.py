"""Score unit reports against a rulebook: applicability, derived metrics, engine verdicts -> scorecards."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Literal

from compliance.derive import METRICS, Measured, Metric, PerRecord, Unmeasured, derive_metrics
from compliance.engine.durable import CompiledCheck, Engine, Fact
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import Op, Rule, UnitReport

Status = Literal["pass", "fail", "not_applicable", "not_reported", "error"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "not_applicable", "not_reported", "error")
BATCH = 50  # units per engine call: measured fastest (larger batches cost more per fact)


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict for one unit."""

    rule_id: str
    status: Status
    measured: int | float | None
    target: int | float | None
    op: str | None
    unit: str | None
    shortfall: str | None = None
    shortfall_amount: int | float | None = None
    records: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class Scorecard:
    """One report's (or one unit's) results; `problems` set means the report could not be read."""

    source: str
    digest: str
    unit_id: str | None
    unit_name: str | None
    unit_type: str | None
    registered: bool
    results: tuple[RuleResult, ...]
    problems: tuple[str, ...] = ()

    @property
    def status(self) -> Literal["pass", "fail", "invalid"]:
        if self.problems:
            return "invalid"
        bad = {"fail", "not_reported", "error"}
        return "fail" if any(r.status in bad for r in self.results) else "pass"

    def counts(self) -> dict[str, int]:
        counted = Counter(r.status for r in self.results)
        return {s: counted.get(s, 0) for s in STATUSES}


def _num(value: float) -> int | float:
    rounded = round(value, 9)
    return int(rounded) if rounded == int(rounded) else rounded


def _fmt(value: float) -> str:
    return f"{_num(value):g}" if abs(value) < 1e15 else str(_num(value))


def shortfall(op: Op, value: float, target: float, unit: str) -> tuple[str, int | float]:
    """What is missing, in the rule's own terms (还差1次 / 1 more needed)."""
    gap = _num(abs(target - value))
    if op is Op.GE:
        return f"还差{_fmt(gap)}{unit}（{_fmt(gap)} {unit} short of {_fmt(target)}）", gap
    if op is Op.GT:
        return f"需高于{_fmt(target)}{unit}，实际{_fmt(value)}{unit}（must exceed {_fmt(target)}）", _num(gap) or 0
    if op in (Op.LE, Op.LT):
        return f"超出{_fmt(gap)}{unit}（{_fmt(gap)} {unit} over {_fmt(target)}）", gap
    return f"应为{_fmt(target)}{unit}，实际{_fmt(value)}{unit}（must equal {_fmt(target)}）", gap


class Evaluator:
    """Compiles a rulebook's checks once; scores reports in batches through the engine."""

    def __init__(self, book: LoadedRulebook) -> None:
        self.book = book
        self.rules = book.rules
        self._checked = book.checkable
        self._index = {rule.id: i for i, rule in enumerate(self._checked)}
        checks = [CompiledCheck(i, r.check.op, r.check.target) for i, r in enumerate(self._checked) if r.check]
        self._engine = Engine(checks)
        self._applicable: dict[tuple[str, str], tuple[Rule, ...]] = {}

    def close(self) -> None:
        self._engine.close()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def applicable(self, unit_id: str, unit_type: str) -> tuple[Rule, ...]:
        key = (unit_id, unit_type)
        found = self._applicable.get(key)
        if found is None:
            found = tuple(r for r in self.rules if unit_type in r.applies_to.types or unit_id in r.applies_to.units)
            self._applicable[key] = found
        return found

    def score(self, inputs: Iterable[ReportInput], batch: int = BATCH) -> Iterator[Scorecard]:
        """Scorecards in input order; every input gives exactly one scorecard."""
        iterator = iter(inputs)
        while chunk := list(islice(iterator, batch)):
            yield from self.score_batch(chunk)

    def score_batch(self, chunk: Sequence[ReportInput]) -> list[Scorecard]:
        prepared = [self._prepare(item) for item in chunk]
        facts: list[Fact] = []
        for u, prep in enumerate(prepared):
            if isinstance(prep, Scorecard):
                continue
            for rule, metric in prep[2]:
                if rule.check is None:
                    continue
                r = self._index[rule.id]
                if isinstance(metric, Measured):
                    facts.append(Fact(u, r, 0, metric.value))
                elif isinstance(metric, PerRecord):
                    facts.extend(Fact(u, r, k, value) for k, (_, value) in enumerate(metric.items))
        verdicts = self._engine.judge(facts)
        return [prep if isinstance(prep, Scorecard) else self._card(u, prep, verdicts) for u, prep in enumerate(prepared)]

    def _prepare(
        self, item: ReportInput
    ) -> Scorecard | tuple[ReportInput, UnitReport, list[tuple[Rule, Metric | None]], str, bool]:
        report = item.report
        if report is None:
            return self._invalid(item, [str(p) for p in item.problems])
        unit = self.book.unit(report.unit_id)
        unit_type = unit.type if unit else report.unit_type
        problems = []
        if report.year != self.book.meta.year:
            problems.append(f"{item.source}: E301 report is for {report.year}; this rulebook assesses {self.book.meta.year} [year]")
        if unit is None and unit_type is None:
            problems.append(
                f"{item.source}: E302 unit '{report.unit_id}' is not in the unit registry and the report gives no unit_type [unit_id]"
            )
        elif unit is not None and report.unit_type is not None and report.unit_type != unit.type:
            problems.append(
                f"{item.source}: E303 unit_type '{report.unit_type}' contradicts the registry ('{unit.type}') [unit_type]"
            )
        elif unit_type is not None and unit_type not in {t.id for t in self.book.registry.types}:
            problems.append(f"{item.source}: E304 unknown unit_type '{unit_type}' [unit_type]")
        if problems or unit_type is None:
            return self._invalid(item, problems)
        rules = self.applicable(report.unit_id, unit_type)
        measures = {r.check.measure for r in rules if r.check}
        metrics = derive_metrics(report, self.book.meta.year, measures)
        paired = [(r, metrics[r.check.measure] if r.check else None) for r in rules]
        return (item, report, paired, unit_type, unit is not None)

    def _invalid(self, item: ReportInput, problems: list[str]) -> Scorecard:
        report = item.report
        unit = self.book.unit(report.unit_id) if report else None
        return Scorecard(
            source=item.source,
            digest=item.digest,
            unit_id=report.unit_id if report else None,
            unit_name=(unit.name if unit else report.unit_name) if report else None,
            unit_type=unit.type if unit else (report.unit_type if report else None),
            registered=unit is not None,
            results=(),
            problems=tuple(problems),
        )

    def _card(
        self,
        u: int,
        prep: tuple[ReportInput, UnitReport, list[tuple[Rule, Metric | None]], str, bool],
        verdicts: dict[tuple[int, int, int], bool],
    ) -> Scorecard:
        item, report, paired, unit_type, registered = prep
        unit = self.book.unit(report.unit_id)
        results = tuple(
            self._result(u, rule, metric, verdicts) for rule, metric in paired if rule.check is not None
        )
        return Scorecard(
            source=item.source,
            digest=item.digest,
            unit_id=report.unit_id,
            unit_name=unit.name if unit else report.unit_name,
            unit_type=unit_type,
            registered=registered,
            results=results,
        )

    def _result(
        self, u: int, rule: Rule, metric: Metric | None, verdicts: dict[tuple[int, int, int], bool]
    ) -> RuleResult:
        check = rule.check
        assert check is not None and metric is not None
        spec = METRICS[check.measure]
        unit = rule.unit or spec.unit
        base = {"rule_id": rule.id, "target": check.target, "op": check.op.value, "unit": unit}
        r = self._index[rule.id]
        if isinstance(metric, Unmeasured):
            return RuleResult(status=metric.status, measured=None, reason=metric.reason, **base)  # type: ignore[arg-type]
        if isinstance(metric, Measured):
            passed = verdicts[(u, r, 0)]
            if passed:
                return RuleResult(status="pass", measured=metric.value, records=metric.counted, notes=metric.notes, **base)  # type: ignore[arg-type]
            if spec.kind == "done":
                text, amount = "未在本年度完成（not completed in the year）", 1
            else:
                text, amount = shortfall(check.op, metric.value, check.target, unit)
            return RuleResult(
                status="fail", measured=metric.value, shortfall=text, shortfall_amount=amount,
                records=metric.counted, notes=metric.notes, **base,  # type: ignore[arg-type]
            )
        failing = [
            (label, value) for k, (label, value) in enumerate(metric.items) if not verdicts[(u, r, k)]
        ]
        lowest = min(value for _, value in metric.items)
        if not failing:
            labels = tuple(f"{label} {value}{unit}" for label, value in metric.items)
            return RuleResult(status="pass", measured=lowest, records=labels, notes=(*metric.exempt, *metric.notes), **base)  # type: ignore[arg-type]
        records = tuple(
            f"{label}：{value}{unit}，" + shortfall(check.op, value, check.target, unit)[0] for label, value in failing
        )
        worst = max(abs(check.target - value) for _, value in failing)
        text = f"{len(failing)}件未达标，最多差{_fmt(worst)}{unit}（{len(failing)} record(s) short, worst by {_fmt(worst)} {unit}）"
        return RuleResult(
            status="fail", measured=lowest, shortfall=text, shortfall_amount=_num(worst),
            records=records, notes=(*metric.exempt, *metric.notes), **base,  # type: ignore[arg-type]
        )
