"""City-wide figures over assessed units: ranks within a unit type, each rule's pass rate, grade counts per type."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Protocol

from compliance.evaluate import Status
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import Rule
from compliance.scoring.numbers import half_up, written
from compliance.scoring.results import UNGRADED, GradeCount, RulePassRate, UnitStatus


class Standing(Protocol):
    """What the city-wide figures read of a unit: a whole `UnitAssessment`, or a compact summary of one."""

    @property
    def unit_id(self) -> str: ...
    @property
    def unit_type(self) -> str: ...
    @property
    def registered(self) -> bool: ...
    @property
    def status(self) -> UnitStatus: ...
    @property
    def score(self) -> Decimal | None: ...
    @property
    def grade(self) -> str | None: ...
    def status_of(self, rule_id: str) -> Status | None: ...


def ranks(units: Iterable[Standing]) -> dict[str, tuple[int, int]]:
    """Competition ranking (1, 2, 2, 4) by score within each unit type; unscored units are not ranked."""
    by_type: dict[str, list[Standing]] = defaultdict(list)
    for unit in units:
        if unit.registered and unit.score is not None:
            by_type[unit.unit_type].append(unit)
    out: dict[str, tuple[int, int]] = {}
    for members in by_type.values():
        members.sort(key=lambda u: (-(u.score or 0), u.unit_id))
        previous: Decimal | None = None
        rank = 0
        for position, unit in enumerate(members, start=1):
            if unit.score != previous:
                rank, previous = position, unit.score
            out[unit.unit_id] = (rank, len(members))
    return out


def pass_rates(rules: Sequence[Rule], book: LoadedRulebook, units: Iterable[Standing]) -> tuple[RulePassRate, ...]:
    """Each rule's 达标率 over the registered units it applies to (duplicates aside), most-missed first."""
    tallies: dict[str, Counter[Status]] = {rule.id: Counter() for rule in rules}
    for u in units:  # one pass over the units, so they may be a stream
        if u.registered and u.status != "duplicate":
            for rule_id, tally in tallies.items():
                status = u.status_of(rule_id)
                if status is not None:
                    tally[status] += 1
    rates: list[RulePassRate] = []
    for rule in rules:
        tally = tallies[rule.id]
        considered = sum(tally.values()) - tally["not_applicable"]
        passed = tally["pass"]
        rate = half_up(100 * passed, considered, 1) if considered else None
        rates.append(
            RulePassRate(
                rule_id=rule.id,
                title=rule.title.zh,
                section=book.section_of(rule.id),
                points=written(rule.points),
                veto=rule.is_veto,
                applicable=considered,
                passed=passed,
                failed=tally["fail"],
                not_reported=tally["not_reported"],
                error=tally["error"],
                rate=rate,
                bonus=rule.bonus,
            )
        )
    order = {rule.id: i for i, rule in enumerate(rules)}
    return tuple(sorted(rates, key=lambda r: (r.rate is None, r.rate or 0, -r.applicable, order[r.rule_id])))


def grade_counts(book: LoadedRulebook, units: Iterable[Standing]) -> tuple[GradeCount, ...]:
    """How many registered units of each type got each grade (one pass over the units)."""
    grades = book.meta.scoring.ordered_grades()
    tallies: dict[str, Counter[str | None]] = {t.id: Counter() for t in book.registry.types}
    for u in units:
        if u.registered and u.unit_type in tallies:
            tallies[u.unit_type][u.grade] += 1
    out: list[GradeCount] = []
    for unit_type in book.registry.types:
        tally = tallies[unit_type.id]
        counts = [(g, tally[g]) for g in grades]
        if tally[None]:
            counts.append((UNGRADED, tally[None]))
        out.append(GradeCount(unit_type.id, unit_type.name, tuple(counts), sum(tally.values())))
    return tuple(out)
