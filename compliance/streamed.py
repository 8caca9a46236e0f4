"""The assessment in two passes, for any number of units (流式考评): each report's verdicts are put aside on disk as
they arrive and only its identity kept; then each unit is scored, its detail put aside in the form an output
needs and only a `UnitSummary` kept; ranks, pass rates and grade counts come from the summaries, and an output
reads each unit's detail back when it writes it. The same figures, in the same order, as `run_assessment`."""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from compliance.assessment import audit_for
from compliance.evaluate import RuleResult, Scorecard
from compliance.loading.manual import ManualPoints
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import LoadedRulebook
from compliance.parallel import DEFAULT_UNIT_TIMEOUT, score_encoded
from compliance.scoring import UnitAssessment
from compliance.scoring.points import ScoringPlan
from compliance.scoring.summary import Summarised, UnitSummary, columns, summarise
from compliance.scoring.triage import assessed, assessed_alone, city_wide, taken, triage
from compliance.spill import Spill


class CardHead(NamedTuple):
    """A scored report without its verdicts: what triage reads. `key` finds the verdicts put aside; `alone` is the
    unit's summary (its detail put aside) as it stands if triage finds no other report naming the unit."""

    source: str
    digest: str
    unit_id: str | None
    unit_name: str | None
    unit_type: str | None
    problems: tuple[str, ...]
    key: int = -1
    alone: UnitSummary | None = None


class _Scored(NamedTuple):
    """What scoring one report sends back to this process: bytes and a few small values, never the scorecard."""

    head: CardHead
    verdicts: bytes  # the report's verdicts, pickled
    alone: tuple[UnitSummary, bytes] | None  # the unit scored as if this report were its only one, and its detail


def _scorer(
    book: LoadedRulebook, detail: Callable[[UnitAssessment], bytes], manual: ManualPoints | None
) -> Callable[[Scorecard], _Scored]:
    """What runs in the workers for each report: everything per unit that does not wait for the other reports."""
    plan = ScoringPlan.of(book)
    shown = columns(book.checkable)

    def scored(card: Scorecard) -> _Scored:
        card = card.displayable()
        head = CardHead(card.source, card.digest, card.unit_id, card.unit_name, card.unit_type, card.problems)
        verdicts = pickle.dumps(card.results, protocol=pickle.HIGHEST_PROTOCOL)
        unit = assessed_alone(book, card, plan, manual)
        if unit is None:
            return _Scored(head, verdicts, None)
        return _Scored(head, verdicts, (summarise(unit, shown, -1), detail(unit)))

    return scored


@contextmanager
def stream_assessment(
    book: LoadedRulebook,
    paths: Iterable[str | Path | ReportInput],
    when: dt.datetime,
    detail: Callable[[UnitAssessment], bytes],
    registry: tuple[str, str] | None = None,
    on_card: Callable[[CardHead], None] | None = None,
    workers: int | None = 1,
    unit_timeout: float = DEFAULT_UNIT_TIMEOUT,
    on_read: Callable[[int], None] | None = None,
    manual: ManualPoints | None = None,
) -> Iterator[Summarised]:
    """The assessment of `run_assessment`, each unit's detail (`detail(unit)`, unranked) read back on demand;
    valid inside the `with` block, whose end removes what was put aside."""
    with Spill() as verdicts, Spill() as details:
        heads: list[CardHead] = []
        encode = _scorer(book, detail, manual)
        for head, blob, alone in score_encoded(
            book, paths, encode, workers=workers, unit_timeout=unit_timeout, on_read=on_read
        ):
            summary = None if alone is None else replace(alone[0], detail=details.put(alone[1]))
            head = head._replace(key=verdicts.put(blob), alone=summary)
            heads.append(head)
            if on_card is not None:
                on_card(head)

        def results_of(head: CardHead) -> Sequence[RuleResult]:
            results: Sequence[RuleResult] = pickle.loads(verdicts.get(head.key))
            return results

        told = triage(book, heads)
        del heads
        rules = book.checkable
        shown = columns(rules)
        plan = ScoringPlan.of(book)
        summaries: list[UnitSummary] = []
        for unit_id, fate in taken(told):
            if fate.alone and fate.chosen is not None and fate.chosen.alone is not None:
                summaries.append(fate.chosen.alone)  # as scored beside the engine: no other report names the unit
                continue
            unit = assessed(book, unit_id, fate, told.problems, results_of, plan, manual)
            summaries.append(summarise(unit, shown, details.put(detail(unit))))
        reports, problems = told.reports, tuple(sorted(set(told.problems)))
        del told
        units, figures = city_wide(book, summaries)
        del summaries
        yield Summarised(
            audit=audit_for(book, when, registry, manual),
            units=units,
            reports=reports,
            problems=problems,
            **figures,
            detail=lambda unit: details.get(unit.detail),
        )
