"""Report triage and the whole assessment: which report counts for which unit (used, identical copy, invalid,
duplicate, unregistered), every registry unit scored whether it reported or not, then the city-wide figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypedDict, TypeVar

from compliance.evaluate import RuleResult, Scorecard
from compliance.loading.manual import ManualPoints
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import Rule, ScoringPolicy
from compliance.scoring.city import grade_counts, pass_rates, ranks
from compliance.scoring.points import ScoringPlan
from compliance.scoring.prose import policy_statement
from compliance.scoring.results import (
    Assessment,
    Audit,
    GradeCount,
    ReportRecord,
    ReportStatus,
    RulePassRate,
    UnitAssessment,
    UnitStatus,
)
from compliance.scoring.summary import UnitSummary
from compliance.scoring.units import UnitEntry, score_unit


class Card(Protocol):
    """What triage reads of a scored report: a whole `Scorecard`, or a compact head whose verdicts wait elsewhere."""

    @property
    def source(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def unit_id(self) -> str | None: ...
    @property
    def unit_name(self) -> str | None: ...
    @property
    def unit_type(self) -> str | None: ...
    @property
    def problems(self) -> tuple[str, ...]: ...


C = TypeVar("C", bound=Card)


@dataclass(frozen=True, slots=True)
class Fate(Generic[C]):
    """What became of one unit's reports: the scorecard that counts (if any), the unit's status, every report
    file naming the unit, and the notes to show beside it."""

    chosen: C | None
    status: UnitStatus
    sources: tuple[str, ...]
    notes: tuple[str, ...]
    first: C | None  # the first valid report naming the unit: a unit outside the registry takes its name from it

    @property
    def alone(self) -> bool:
        """Whether the chosen report is the only report naming the unit (no copy, no rejected report)."""
        return self.chosen is not None and self.status == "fail" and len(self.sources) == 1 and not self.notes


@dataclass(frozen=True)
class Triage(Generic[C]):
    """Every report's fate and every unit's reports (by unit id), before any unit is scored."""

    reports: tuple[ReportRecord, ...]  # sorted by source
    units: dict[str, Fate[C]]  # by unit id
    problems: list[str]  # the run's problems so far: scoring a unit may add one (E711)


def triage(book: LoadedRulebook, cards: Iterable[C]) -> Triage[C]:
    """Which report counts for which unit: every report read gets a fate, every registry unit an entry."""
    cards = sorted(cards, key=lambda c: (c.source, c.digest))
    registered_ids = {u.id for u in book.registry.units}
    valid: dict[str, list[C]] = defaultdict(list)
    invalid: dict[str, list[C]] = defaultdict(list)
    reports: list[ReportRecord] = []
    problems: list[str] = []
    for card in cards:
        if card.problems:
            if card.unit_id is not None:
                invalid[card.unit_id].append(card)
            reports.append(rejected(card))
            problems.extend(card.problems)
        elif card.unit_id is not None:
            valid[card.unit_id].append(card)

    triaged: dict[str, Fate[C]] = {}
    for unit_id in sorted(set(valid) | registered_ids):
        fate, records, found_problems = fate_of(
            unit_id, valid.get(unit_id, []), invalid.get(unit_id, []), unit_id in registered_ids
        )
        reports.extend(records)
        problems.extend(found_problems)
        triaged[unit_id] = fate
    reports.sort(key=lambda r: (r.source, r.sha256))
    return Triage(tuple(reports), triaged, problems)


def rejected(card: Card) -> ReportRecord:
    """The record of a report that could not be read or failed validation."""
    return ReportRecord(card.source, card.digest, card.unit_id, "invalid", card.problems)


def fate_of(
    unit_id: str, found: Sequence[C], invalid: Sequence[C], registered: bool
) -> tuple[Fate[C], list[ReportRecord], list[str]]:
    """One unit's fate from the valid (`found`) and rejected reports naming it, each in (source, digest) order;
    with the records of its valid reports and the problems they add to the run's."""
    unit_problems = [f"{c.source}: report rejected" for c in invalid]
    reports: list[ReportRecord] = []
    problems: list[str] = []
    status: UnitStatus
    chosen: C | None = None
    if not found:
        status = "invalid" if invalid else "not_reported"
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
    first = found[0] if found else None
    fate = Fate(chosen, status, tuple(c.source for c in found), tuple(unit_problems), first)
    return fate, reports, problems


def assessed_units(
    book: LoadedRulebook,
    told: Triage[C],
    results_of: Callable[[C], Sequence[RuleResult]],
    manual: ManualPoints | None = None,
) -> Iterator[UnitAssessment]:
    """Each unit scored (not yet ranked), in unit id order; `results_of` gives a chosen report's verdicts.

    Adds to `told.problems` as it goes (E711), so read them only once every unit has been taken."""
    plan = ScoringPlan.of(book, manual.entries if manual is not None else ())
    for unit_id, fate in taken(told):
        yield assessed(book, unit_id, fate, told.problems, results_of, plan, manual)


def taken(told: Triage[C]) -> Iterator[tuple[str, Fate[C]]]:
    """Each unit's fate in unit id order, taken out of `told` as it goes: what triage kept is let go while the
    scored units are kept."""
    for unit_id in list(told.units):
        yield unit_id, told.units.pop(unit_id)


def _unit(book: LoadedRulebook, unit_id: str, first: Card | None) -> UnitEntry:
    entry = book.unit(unit_id)
    if entry is not None:
        return UnitEntry(unit_id, entry.name, entry.type, True)
    assert first is not None  # a unit outside the registry is known only by a report naming it
    return UnitEntry(unit_id, first.unit_name or unit_id, first.unit_type or "", False)


def assessed(
    book: LoadedRulebook,
    unit_id: str,
    fate: Fate[C],
    problems: list[str],
    results_of: Callable[[C], Sequence[RuleResult]],
    plan: ScoringPlan,
    manual: ManualPoints | None = None,
) -> UnitAssessment:
    """One unit scored (not yet ranked); a problem the unit adds to the run's (E711) is appended to `problems`."""
    unit = _unit(book, unit_id, fate.first)
    entries = manual.for_unit(unit_id) if manual is not None else {}
    notes = fate.notes
    if fate.status == "duplicate":
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
        results = results_of(fate.chosen) if fate.chosen is not None else None
    return score_unit(book, unit, results, fate.status, fate.sources, notes, plan, entries)


def assessed_alone(
    book: LoadedRulebook, card: Scorecard, plan: ScoringPlan, manual: ManualPoints | None = None
) -> UnitAssessment | None:
    """The unit of a valid report as `assessed` scores it when this report is the only one naming the unit (see
    `Fate.alone`): worked out as each report is scored, in parallel, and used when triage agrees."""
    if card.problems or card.unit_id is None:
        return None
    fate = Fate(card, "fail", (card.source,), (), card)
    return assessed(book, card.unit_id, fate, [], _results, plan, manual)


def _results(card: Scorecard) -> Sequence[RuleResult]:
    return card.results


def assess(
    book: LoadedRulebook, cards: Iterable[Scorecard], audit: Audit, manual: ManualPoints | None = None
) -> Assessment:
    """Every registry unit (reported or not) and every report (read or not) -> one city-wide assessment;
    `manual`: the assessor's points (人工评分), folded into each unit's rules."""
    told = triage(book, cards)
    units, figures = city_wide(book, list(assessed_units(book, told, _results, manual)))
    return Assessment(
        audit=audit,
        units=units,
        reports=told.reports,
        problems=tuple(sorted(set(told.problems))),
        **figures,
    )


class Placed(Protocol):
    """What fixes a unit's place in every output: registered or not, its type, its rank, its id."""

    @property
    def registered(self) -> bool: ...
    @property
    def unit_type(self) -> str: ...
    @property
    def rank(self) -> int | None: ...
    @property
    def unit_id(self) -> str: ...


def output_order(book: LoadedRulebook) -> Callable[[Placed], tuple[bool, int, bool, int, str]]:
    """The order of units in every output: registered units by type (registry order), rank, id; then the rest."""
    type_order = {t.id: i for i, t in enumerate(book.registry.types)}

    def key(u: Placed) -> tuple[bool, int, bool, int, str]:
        return (not u.registered, type_order.get(u.unit_type, len(type_order)), u.rank is None, u.rank or 0, u.unit_id)

    return key


Ranked = TypeVar("Ranked", UnitAssessment, UnitSummary)


class CityFigures(TypedDict):
    """What an assessment says of the whole city besides its units, reports and audit header."""

    policy: ScoringPolicy
    policy_statement: str
    book: LoadedRulebook
    rules: tuple[Rule, ...]
    pass_rates: tuple[RulePassRate, ...]
    grade_counts: tuple[GradeCount, ...]


def city_wide(book: LoadedRulebook, units: Sequence[Ranked]) -> tuple[tuple[Ranked, ...], CityFigures]:
    """Units ranked within their type and put in output order, and the city-wide figures drawn from them: the
    same for a whole assessment in memory and for the summaries of a streamed one."""
    rank = ranks(units)
    ranked = [
        unit if (found := rank.get(unit.unit_id)) is None else replace(unit, rank=found[0], ranked_among=found[1])
        for unit in units
    ]
    ranked.sort(key=output_order(book))
    rules = book.checkable
    scoring = book.meta.scoring
    figures = CityFigures(
        policy=scoring,
        policy_statement=policy_statement(scoring, book.meta.deduction_groups, rules),
        book=book,
        rules=rules,
        pass_rates=pass_rates(rules, book, ranked),
        grade_counts=grade_counts(book, ranked),
    )
    return tuple(ranked), figures
