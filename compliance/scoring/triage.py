"""Report triage and the whole assessment: which report counts for which unit (used, identical copy, invalid,
duplicate, unregistered), every registry unit scored whether it reported or not, then the city-wide figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from compliance.evaluate import RuleResult, Scorecard
from compliance.loading.manual import ManualPoints
from compliance.loading.rulebook import LoadedRulebook
from compliance.scoring.city import grade_counts, pass_rates, ranks
from compliance.scoring.points import ScoringPlan
from compliance.scoring.prose import policy_statement
from compliance.scoring.results import Assessment, Audit, ReportRecord, ReportStatus, UnitAssessment, UnitStatus
from compliance.scoring.units import UnitEntry, score_unit


@dataclass(frozen=True)
class _Triaged:
    """What became of one unit's reports: the scorecard that counts (if any), the unit's status, every report
    file naming the unit, and the notes to show beside it."""

    chosen: Scorecard | None
    status: UnitStatus
    sources: tuple[str, ...]
    notes: tuple[str, ...]


def assess(
    book: LoadedRulebook, cards: Iterable[Scorecard], audit: Audit, manual: ManualPoints | None = None
) -> Assessment:
    """Every registry unit (reported or not) and every report (read or not) -> one city-wide assessment;
    `manual`: the assessor's points (人工评分), folded into each unit's rules."""
    cards = sorted(cards, key=lambda c: (c.source, c.digest))
    registered_ids = {u.id for u in book.registry.units}
    valid: dict[str, list[Scorecard]] = defaultdict(list)
    invalid: dict[str, list[Scorecard]] = defaultdict(list)
    reports: list[ReportRecord] = []
    problems: list[str] = []
    for card in cards:
        if card.problems:
            if card.unit_id is not None:
                invalid[card.unit_id].append(card)
            reports.append(ReportRecord(card.source, card.digest, card.unit_id, "invalid", card.problems))
            problems.extend(card.problems)
        elif card.unit_id is not None:
            valid[card.unit_id].append(card)

    triaged: dict[str, _Triaged] = {}
    for unit_id in sorted(set(valid) | registered_ids):
        found = valid.get(unit_id, [])
        unit_problems = [f"{c.source}: report rejected" for c in invalid.get(unit_id, [])]
        registered = unit_id in registered_ids
        status: UnitStatus
        chosen: Scorecard | None = None
        if not found:
            status = "invalid" if invalid.get(unit_id) else "not_reported"
        elif len({c.digest for c in found}) > 1:
            status = "duplicate"
            message = (
                f"E310 unit '{unit_id}' has {len(found)} different reports ({', '.join(c.source for c in found)}); "
                f"none was scored — keep one report per unit"
            )
            unit_problems.append(message)
            problems.append(message)
        else:
            status = "fail"  # resolved to pass in score_unit when nothing fails
            chosen = found[0]
            for copy in found[1:]:
                unit_problems.append(f"{copy.source}: identical copy of {chosen.source}, counted once")
        for card in found:
            if status == "duplicate":
                kind: ReportStatus = "duplicate"
                note: tuple[str, ...] = (f"E310 one of {len(found)} different reports for '{unit_id}'; not scored",)
            elif card is chosen:
                kind, note = (
                    ("used", ())
                    if registered
                    else (
                        "unregistered",
                        (f"{card.source}: E305 unit '{unit_id}' is not in the unit registry; scored, not ranked",),
                    )
                )
            else:
                kind, note = "copy", (f"identical copy of {chosen.source if chosen else '?'}, counted once",)
            reports.append(ReportRecord(card.source, card.digest, unit_id, kind, note))
            if kind == "unregistered":
                problems.extend(note)
        triaged[unit_id] = _Triaged(chosen, status, tuple(c.source for c in found), tuple(unit_problems))

    plan = ScoringPlan.of(book)
    units: list[UnitAssessment] = []
    for unit_id, told in triaged.items():
        entry = book.unit(unit_id)
        if entry is not None:
            unit = UnitEntry(unit_id, entry.name, entry.type, True)
        else:
            first = valid[unit_id][0]
            unit = UnitEntry(unit_id, first.unit_name or unit_id, first.unit_type or "", False)
        entries = manual.for_unit(unit_id) if manual is not None else {}
        notes = told.notes
        if told.status == "duplicate":
            results: Sequence[RuleResult] | None = ()
            if entries:  # nothing of the unit is scored until one report is kept: say so, never drop silently
                message = (
                    f"E711 {unit_id}: 报告重复，{len(entries)} 条人工评分未计入"
                    f"（{len(entries)} manual entries not applied: the unit's reports are duplicates）"
                )
                notes += (message,)
                problems.append(message)
                entries = {}
        else:
            results = told.chosen.results if told.chosen is not None else None
        units.append(score_unit(book, unit, results, told.status, told.sources, notes, plan, entries))

    ranked = ranks(units)
    type_order = {t.id: i for i, t in enumerate(book.registry.types)}
    units = [_with_rank(u, ranked.get(u.unit_id)) for u in units]
    units.sort(
        key=lambda u: (
            not u.registered,
            type_order.get(u.unit_type, len(type_order)),
            u.rank is None,
            u.rank or 0,
            u.unit_id,
        )
    )
    rules = book.checkable
    reports.sort(key=lambda r: (r.source, r.sha256))
    return Assessment(
        audit=audit,
        policy=book.meta.scoring,
        policy_statement=policy_statement(book.meta.scoring, book.meta.deduction_groups, rules),
        book=book,
        rules=rules,
        units=tuple(units),
        pass_rates=pass_rates(rules, book, units),
        grade_counts=grade_counts(book, units),
        reports=tuple(reports),
        problems=tuple(sorted(set(problems))),
    )


def _with_rank(unit: UnitAssessment, rank: tuple[int, int] | None) -> UnitAssessment:
    return unit if rank is None else replace(unit, rank=rank[0], ranked_among=rank[1])
