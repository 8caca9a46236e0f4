"""A unit's assessment kept small (考评摘要): what ranks, pass rates, grade counts, the ranking and the matrix need,
with the unit's full detail put aside elsewhere; and the city-wide result whose units, reports and problems are
read back from disk each time an output goes through them, so an assessment of any size fits in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Generic, TypeVar

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

    def ranked(self, rank: int, among: int) -> UnitSummary:
        return replace(self, rank=rank, ranked_among=among)

    def packed(self) -> tuple[object, ...]:
        """The summary as plain values to put aside (the shared `columns` mapping left out)."""
        return (
            self.unit_id,
            self.unit_name,
            self.unit_type,
            self.registered,
            self.status,
            self.score,
            self.grade,
            self.cells,
            self.detail,
        )

    @classmethod
    def unpacked(cls, values: tuple[object, ...], columns: Mapping[str, int]) -> UnitSummary:
        """The summary `packed` gave, unranked."""
        unit_id, name, unit_type, registered, status, score, grade, cells, detail = values
        return cls(unit_id, name, unit_type, registered, status, score, grade, cells, columns, detail)  # type: ignore[arg-type]


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


T = TypeVar("T")


class Replayed(Generic[T]):
    """A sequence read back from disk each time it is gone through, never held whole; `len` is known at once."""

    def __init__(self, count: int, items: Callable[[], Iterator[T]]) -> None:
        self._count = count
        self._items = items

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        return self._items()


@dataclass(frozen=True)
class Summarised:
    """The city-wide result (年度考评结果) with each unit kept small and on disk: the same figures as `Assessment`;
    its units, reports and problems are read back, in the same order, each time an output goes through them, and
    each unit's detail through `detail`."""

    audit: Audit
    policy: ScoringPolicy
    policy_statement: str
    book: LoadedRulebook
    rules: tuple[Rule, ...]
    units: Replayed[UnitSummary]  # in the order of `Assessment.units`, ranked
    registered: Callable[[str | None], Replayed[UnitSummary]]  # the registered units (of one type), in that order
    unregistered: Replayed[UnitSummary]  # the units outside the registry, in that order
    pass_rates: tuple[RulePassRate, ...]
    grade_counts: tuple[GradeCount, ...]
    reports: Replayed[ReportRecord]
    problems: Replayed[str]
    detail: Callable[[UnitSummary], bytes]  # what was put aside for the unit
    exit_code: int  # 0 when every registered unit passes every rule and every report was used cleanly, else 1
