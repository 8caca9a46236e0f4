"""Score unit reports against a rulebook: applicability, measures planned once, engine verdicts -> scorecards."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import Literal, NamedTuple

from compliance.engine.durable import CompiledCheck, Engine, Fact
from compliance.facts.report import ReportHeader
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import LoadedRulebook
from compliance.measures.interface import Measured, Metric, PerRecord, Plan, Unmeasured, number, show
from compliance.model import Op, Rule, Unit
from compliance.plaintext import UNENCODABLE, displayable

Status = Literal["pass", "fail", "not_applicable", "not_reported", "error"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "not_applicable", "not_reported", "error")
BATCH = 50  # units per engine call: measured fastest (larger batches cost more per fact)


class RuleResult(NamedTuple):
    """One rule's verdict for one unit (a named tuple: scoring makes one per rule per unit, and a tuple is built
    at a third of a frozen dataclass's cost)."""

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
    bonus: bool = False  # a bonus item (加分项): missing it is no failure


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
        return "fail" if any(r.status in bad and not r.bonus for r in self.results) else "pass"

    def counts(self) -> dict[str, int]:
        counted = Counter(r.status for r in self.results)
        return {s: counted.get(s, 0) for s in STATUSES}

    def displayable(self) -> Scorecard:
        """The card with a file name that is not UTF-8 (lone surrogates from the OS), and the problems that quote
        it, written as `\\xb9` so every output can encode them; the same card when it needs nothing."""
        if not UNENCODABLE.search(self.source) and not any(UNENCODABLE.search(p) for p in self.problems):
            return self
        return replace(self, source=displayable(self.source), problems=tuple(displayable(p) for p in self.problems))


@dataclass(frozen=True)
class _Planned:
    """A checkable rule as scoring needs it, worked out once per rule (not once per unit)."""

    rule: Rule
    index: int
    measure: str
    plan: Plan
    op: Op
    op_text: str
    target: int | float
    unit: str
    bonus: bool


class _Measured(NamedTuple):
    """A readable report of a known unit, with each applicable check's measure taken, waiting for verdicts."""

    item: ReportInput
    report: ReportHeader
    paired: list[tuple[_Planned, Metric]]
    unit_type: str
    unit: Unit | None


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
        self._plans: dict[tuple[str, str], tuple[_Planned, ...]] = {}
        self._types = frozenset(t.id for t in book.registry.types)
        self._named = frozenset(u for r in self.rules for u in r.applies_to.units)
        self._year = book.meta.year

    def close(self) -> None:
        self._engine.close()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def applicable(self, unit_id: str, unit_type: str) -> tuple[Rule, ...]:
        key = (unit_id if unit_id in self._named else "", unit_type)  # one entry per type for unnamed units
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

    def plan(self, unit_id: str, unit_type: str) -> tuple[_Planned, ...]:
        """The checkable rules that apply to a unit, with what scoring needs from each, cached per (unit, type)."""
        key = (unit_id if unit_id in self._named else "", unit_type)
        found = self._plans.get(key)
        if found is None:
            measures = self.book.measures
            found = tuple(
                _Planned(
                    rule,
                    self._index[rule.id],
                    rule.check.measure,
                    measures[rule.check.measure].plan,
                    rule.check.op,
                    rule.check.op.value,
                    rule.check.target,
                    rule.unit or measures[rule.check.measure].unit,
                    rule.bonus,
                )
                for rule in self.applicable(unit_id, unit_type)
                if rule.check is not None
            )
            self._plans[key] = found
        return found

    def score_batch(self, chunk: Sequence[ReportInput]) -> list[Scorecard]:
        prepared = [self._prepare(item) for item in chunk]
        facts: list[Fact] = []
        for u, ready in enumerate(prepared):
            if isinstance(ready, Scorecard):
                continue
            for planned, metric in ready.paired:
                if type(metric) is Measured:
                    facts.append(Fact(u, planned.index, 0, metric.value))
                elif type(metric) is PerRecord:
                    r = planned.index
                    facts.extend([Fact(u, r, k, value) for k, (_, value) in enumerate(metric.items)])
        verdicts = self._engine.judge(facts)
        card = self._card
        return [ready if isinstance(ready, Scorecard) else card(u, ready, verdicts) for u, ready in enumerate(prepared)]

    def _prepare(self, item: ReportInput) -> Scorecard | _Measured:
        report = item.report
        if report is None:
            return self._invalid(item, [str(p) for p in item.problems])
        unit = self.book.resolve_unit(report.unit_id)  # its id, Chinese name or an alias
        if unit is not None and unit.id != report.unit_id:  # scored, ranked and named as the registered unit
            report = report.model_copy(update={"unit_id": unit.id})
        unit_type = unit.type if unit else report.unit_type
        problems = []
        # item.problem locates the field (file:line:column) in the report's text
        if report.year != self._year:
            message = (
                f"报告年度为 {report.year}，本规则库考评 {self._year} 年度"
                f"（report is for {report.year}; this rulebook assesses {self._year}）"
            )
            problems.append(str(item.problem("E301", message, "year")))
        if unit is None and unit_type is None:
            message = (
                f"单位“{report.unit_id}”不在考评对象名单中，报告也未填写单位类型（unit_type）"
                f"（unit '{report.unit_id}' is not in the unit registry and the report gives no unit_type）"
            )
            problems.append(str(item.problem("E302", message, "unit_id")))
        elif unit is not None and report.unit_type is not None and report.unit_type != unit.type:
            message = (
                f"单位类型“{report.unit_type}”与考评对象名单登记的“{unit.type}”不一致"
                f"（unit_type '{report.unit_type}' contradicts the registry ('{unit.type}')）"
            )
            problems.append(str(item.problem("E303", message, "unit_type")))
        elif unit_type is not None and unit_type not in self._types:
            message = f"未知的单位类型“{unit_type}”（unknown unit_type '{unit_type}'）"
            problems.append(str(item.problem("E304", message, "unit_type")))
        if problems or unit_type is None:
            return self._invalid(item, problems)
        plan = self.plan(report.unit_id, unit_type)
        metrics: dict[str, Metric] = {}
        paired = []
        for planned in plan:  # each measure once per unit, however many rules read it
            metric = metrics.get(planned.measure)
            if metric is None:
                metric = metrics[planned.measure] = planned.plan.measure(report)
            paired.append((planned, metric))
        return _Measured(item, report, paired, unit_type, unit)

    def _invalid(self, item: ReportInput, problems: list[str]) -> Scorecard:
        report = item.report
        unit_id = report.unit_id if report else item.claimed
        unit = self.book.unit(unit_id) if unit_id else None
        return Scorecard(
            source=item.source,
            digest=item.digest,
            unit_id=unit_id,
            unit_name=unit.name if unit else (report.unit_name if report else None),
            unit_type=unit.type if unit else (report.unit_type if report else None),
            registered=unit is not None,
            results=(),
            problems=tuple(problems),
        )

    def _card(self, u: int, ready: _Measured, verdicts: dict[tuple[int, int, int], bool]) -> Scorecard:
        item, report, paired, unit_type, unit = ready
        return Scorecard(
            source=item.source,
            digest=item.digest,
            unit_id=report.unit_id,
            unit_name=unit.name if unit else report.unit_name,
            unit_type=unit_type,
            registered=unit is not None,
            results=tuple([_result(u, planned, metric, verdicts) for planned, metric in paired]),
        )


def _result(u: int, planned: _Planned, metric: Metric, verdicts: dict[tuple[int, int, int], bool]) -> RuleResult:
    rule_id, target, op, unit, bonus = planned.rule.id, planned.target, planned.op_text, planned.unit, planned.bonus
    if type(metric) is Unmeasured:
        return RuleResult(rule_id, metric.status, None, target, op, unit, reason=metric.reason, bonus=bonus)
    if type(metric) is Measured:
        if verdicts[(u, planned.index, 0)]:
            return RuleResult(
                rule_id, "pass", metric.value, target, op, unit, records=metric.counted, notes=metric.notes, bonus=bonus
            )
        text, amount = planned.plan.shortfall(planned.op, metric.value, target, unit)
        return RuleResult(
            rule_id,
            "fail",
            metric.value,
            target,
            op,
            unit,
            shortfall=text,
            shortfall_amount=amount,
            records=metric.counted,
            notes=metric.notes,
            bonus=bonus,
        )
    assert isinstance(metric, PerRecord)
    r = planned.index
    failing = [(label, value) for k, (label, value) in enumerate(metric.items) if not verdicts[(u, r, k)]]
    notes = (*metric.exempt, *metric.notes)
    if not failing and not metric.undone:
        worst = _worst(planned.op, [value for _, value in metric.items])
        labels = tuple(f"{label} {show(value)}{unit}" for label, value in metric.items)
        return RuleResult(rule_id, "pass", worst, target, op, unit, records=labels, notes=notes, bonus=bonus)
    records = (
        *(
            f"{label}：{show(value)}{unit}，" + planned.plan.shortfall(planned.op, value, target, unit)[0]
            for label, value in failing
        ),
        *metric.undone,
    )
    short, undone = len(failing) + len(metric.undone), len(metric.undone)
    if undone:  # a record not done falls short by the whole target
        amount = number(abs(target))
        text = f"{short}件未达标，其中{undone}件未完成（{short} record(s) short, {undone} not done）"
    else:
        worst = max(abs(target - value) for _, value in failing)
        amount = number(worst)
        gap = show(worst, up=True)
        text = f"{short}件未达标，最多差{gap}{unit}（{short} record(s) short, worst by {gap} {unit}）"
    values = [value for _, value in metric.items]
    return RuleResult(
        rule_id,
        "fail",
        _worst(planned.op, values) if values else None,
        target,
        op,
        unit,
        shortfall=text,
        shortfall_amount=amount,
        records=records,
        notes=notes,
        bonus=bonus,
    )


def _worst(op: Op, values: list[int | float]) -> int | float:
    """The record or period that decides the rule: the highest against a ceiling (<=, <), else the lowest."""
    return max(values) if op in (Op.LE, Op.LT) else min(values)
