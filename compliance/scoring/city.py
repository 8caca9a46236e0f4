"""City-wide figures over assessed units: ranks within a unit type, each rule's pass rate, grade counts per type."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from compliance.loading.rulebook import LoadedRulebook
from compliance.model import Rule
from compliance.scoring.numbers import exact, round_half_up
from compliance.scoring.results import UNGRADED, GradeCount, RulePassRate, UnitAssessment


def ranks(units: Iterable[UnitAssessment]) -> dict[str, tuple[int, int]]:
    """Competition ranking (1, 2, 2, 4) by score within each unit type; unscored units are not ranked."""
    by_type: dict[str, list[UnitAssessment]] = defaultdict(list)
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


def pass_rates(
    rules: Sequence[Rule], book: LoadedRulebook, units: Sequence[UnitAssessment]
) -> tuple[RulePassRate, ...]:
    rates: list[RulePassRate] = []
    for rule in rules:
        statuses = [
            s for u in units if u.registered and u.status != "duplicate" and (s := u.status_of(rule.id)) is not None
        ]
        considered = [s for s in statuses if s != "not_applicable"]
        passed = sum(1 for s in considered if s == "pass")
        rate = round_half_up(Fraction(100 * passed, len(considered)), 1) if considered else None
        rates.append(
            RulePassRate(
                rule_id=rule.id,
                title=rule.title.zh,
                section=book.section_of(rule.id),
                points=exact(rule.points),
                veto=rule.is_veto,
                applicable=len(considered),
                passed=passed,
                failed=considered.count("fail"),
                not_reported=considered.count("not_reported"),
                error=considered.count("error"),
                rate=rate,
                bonus=rule.bonus,
            )
        )
    order = {rule.id: i for i, rule in enumerate(rules)}
    return tuple(sorted(rates, key=lambda r: (r.rate is None, r.rate or 0, -r.applicable, order[r.rule_id])))


def grade_counts(book: LoadedRulebook, units: Sequence[UnitAssessment]) -> tuple[GradeCount, ...]:
    grades = book.meta.scoring.ordered_grades()
    out: list[GradeCount] = []
    for unit_type in book.registry.types:
        members = [u for u in units if u.registered and u.unit_type == unit_type.id]
        counts = [(g, sum(1 for u in members if u.grade == g)) for g in grades]
        ungraded = sum(1 for u in members if u.grade is None)
        if ungraded:
            counts.append((UNGRADED, ungraded))
        out.append(GradeCount(unit_type.id, unit_type.name, tuple(counts), len(members)))
    return tuple(out)
