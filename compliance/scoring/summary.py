"""A unit's assessment kept small (考评摘要): what ranks, pass rates, grade counts, the ranking and the matrix need,
with the unit's full detail put aside elsewhere, so a city-wide assessment of any size fits in memory."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from compliance.evaluate import STATUSES, Status
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import Rule, ScoringPolicy
from compliance.scoring.results import (
    Audit,
    GradeCount,
    ReportRecord,
    RulePassRate,
    UnitAssessment,
    UnitStatus,
    exit_code,
)

_CODE: dict[Status, int] = {status: i + 1 for i, status in enumerate(STATUSES)}  # 0: the rule does not apply


@dataclass(frozen=True, slots=True)
class UnitSummary:
    """One unit as the city-wide figures see it; `detail` is where its whole assessment was put aside."""

    unit_id: str
    unit_name: str
    unit_type: str
    registered: bool
    status: UnitStatus
    score: Decimal | None
    grade: str | None
    cells: bytes  # one status code per scored rule, in the order of `columns`
    columns: Mapping[str, int]  # rule id -> position in `cells`, one mapping shared by every summary
    detail: int
    rank: int | None = None
    ranked_among: int = 0

    def status_of(self, rule_id: str) -> Status | None:
        """The rule's status for this unit, or None when the rule does not apply to it."""
        code = self.cells[self.columns[rule_id]]
        return STATUSES[code - 1] if code else None


def columns(rules: Sequence[Rule]) -> dict[str, int]:
    return {rule.id: i for i, rule in enumerate(rules)}


def summarise(unit: UnitAssessment, columns: Mapping[str, int], detail: int) -> UnitSummary:
    """The unit kept small; `columns` names the rules whose statuses are kept (the scored rules)."""
    cells = bytearray(len(columns))
    for score in unit.rules:
        at = columns.get(score.rule_id)
        if at is not None:
            cells[at] = _CODE[score.status]
    return UnitSummary(
        unit.unit_id,
        unit.unit_name,
        unit.unit_type,
        unit.registered,
        unit.status,
        unit.score,
        unit.grade,
        bytes(cells),
        columns,
        detail,
        unit.rank,
        unit.ranked_among,
    )


@dataclass(frozen=True)
class Summarised:
    """The city-wide result (年度考评结果) with each unit kept small: the same figures as `Assessment`, and each
    unit's detail read back, one at a time, through `detail`."""

    audit: Audit
    policy: ScoringPolicy
    policy_statement: str
    book: LoadedRulebook
    rules: tuple[Rule, ...]
    units: tuple[UnitSummary, ...]  # in the order of `Assessment.units`, ranked
    pass_rates: tuple[RulePassRate, ...]
    grade_counts: tuple[GradeCount, ...]
    reports: tuple[ReportRecord, ...]
    problems: tuple[str, ...]
    detail: Callable[[UnitSummary], bytes]  # what was put aside for the unit

    @property
    def exit_code(self) -> int:
        """0 when every registered unit passes every rule and every report was used cleanly, else 1."""
        return exit_code((u.status for u in self.units), self.reports)
