"""What a rulebook declares in points, worked out once: the numbers points are made of (whose decimals set the
scale) and each section's declared points. Apart from `points`, so that checking a rulebook's declarations when
it loads (`declarations`, for every command) need not import the scoring of units."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from compliance.model import PerShortfall, RateBands, Rule, Rulebook
from compliance.scoring.numbers import NO_POINTS, Points, Scale, to_points

FIXED_BASE = 100  # fixed_100: every unit starts from 100 points


def declared_points(meta: Rulebook, rules: Iterable[tuple[Rule, int]], scale: Scale) -> dict[int, Points]:
    """Each section's points as declared (the total a section weight must equal): every rule's points, machine-
    checkable or not, except bonus rules and the members of a deduction group, which count as the group's points
    once, in the section of its first member."""
    groups = {g.id: g for g in meta.deduction_groups}
    totals: dict[int, Points] = {s.number: NO_POINTS for s in meta.sections}
    seen: set[str] = set()
    for rule, section in rules:
        if rule.bonus:
            continue
        if rule.group in groups:
            if rule.group not in seen:
                seen.add(rule.group)
                totals[section] = Points(totals.get(section, NO_POINTS) + to_points(groups[rule.group].points, scale))
            continue
        totals[section] = Points(totals.get(section, NO_POINTS) + to_points(rule.points, scale))
    return totals


def rulebook_numbers(meta: Rulebook, rules: Iterable[Rule]) -> list[float | int | Decimal]:
    """Every number of the rulebook that points are made of: rule points, steps' `per` and `cap`, deduction
    groups' points and caps, the bonus cap (a rate band's `step` divides a shortfall, it is no points)."""
    numbers: list[float | int | Decimal] = [FIXED_BASE]
    for rule in rules:
        numbers.append(rule.points)
        if isinstance(rule.scoring, PerShortfall):
            numbers += [rule.scoring.per, rule.scoring.cap]
        elif isinstance(rule.scoring, RateBands):
            numbers.append(rule.scoring.per)
    for group in meta.deduction_groups:
        numbers += [group.points, group.deduction_cap]
    if meta.scoring.bonus_cap is not None:
        numbers.append(meta.scoring.bonus_cap)
    return numbers
