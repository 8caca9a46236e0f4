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

from compliance.assessment import audit_for, displayable, encodable
from compliance.evaluate import RuleResult, Scorecard
from compliance.loading.manual import ManualPoints
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import LoadedRulebook
from compliance.parallel import DEFAULT_UNIT_TIMEOUT, score_encoded
from compliance.scoring import UnitAssessment, pass_rates, policy_statement, ranks
from compliance.scoring.city import grade_counts
from compliance.scoring.summary import Summarised, UnitSummary, columns, summarise
from compliance.scoring.triage import assessed_units, output_order, triage
from compliance.spill import Spill


class CardHead(NamedTuple):
    """A scored report without its verdicts: what triage reads; `key` finds the verdicts put aside."""

    source: str
    digest: str
    unit_id: str | None
    unit_name: str | None
    unit_type: str | None
    problems: tuple[str, ...]
    key: int = -1


def split_card(card: Scorecard) -> tuple[CardHead, bytes]:
    """(the card's identity, its verdicts pickled): runs in the workers, so the parent only stores bytes."""
    head = CardHead(card.source, card.digest, card.unit_id, card.unit_name, card.unit_type, card.problems)
    return head, pickle.dumps(card.results, protocol=pickle.HIGHEST_PROTOCOL)


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
        scored = score_encoded(book, paths, split_card, workers=workers, unit_timeout=unit_timeout, on_read=on_read)
        for head, blob in scored:
            head = _encodable(head)._replace(key=verdicts.put(blob))
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
        summaries = [
            summarise(u, shown, details.put(detail(u))) for u in assessed_units(book, told, results_of, manual)
        ]
        reports, problems = told.reports, tuple(sorted(set(told.problems)))
        del told
        ranked = ranks(summaries)
        units = [_ranked(u, ranked.get(u.unit_id)) for u in summaries]
        del summaries
        units.sort(key=output_order(book))
        yield Summarised(
            audit=audit_for(book, when, registry, manual),
            policy=book.meta.scoring,
            policy_statement=policy_statement(book.meta.scoring, book.meta.deduction_groups, rules),
            book=book,
            rules=rules,
            units=tuple(units),
            pass_rates=pass_rates(rules, book, units),
            grade_counts=grade_counts(book, units),
            reports=reports,
            problems=problems,
            detail=lambda unit: details.get(unit.detail),
        )


def _encodable(head: CardHead) -> CardHead:
    """The head with its source (and the problems that quote it) made encodable, as `scorecards` does."""
    if not encodable(head.source, head.problems):
        return head._replace(source=displayable(head.source), problems=tuple(displayable(p) for p in head.problems))
    return head


def _ranked(unit: UnitSummary, rank: tuple[int, int] | None) -> UnitSummary:
    return unit if rank is None else replace(unit, rank=rank[0], ranked_among=rank[1])
