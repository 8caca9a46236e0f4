"""The assessment in two passes, for any number of units (流式考评), in flat memory: each report's verdicts are put
aside on disk as they arrive and its identity indexed in a temporary database on disk; then each unit is scored
from its reports, found there in unit order, its detail put aside in the form an output needs and a small summary
beside it; ranks, the output order, the report list and the run's problems are sorted by the database, on disk,
and pass rates and grade counts come from one read of the summaries. The same figures, in the same order, as
`run_assessment`; what stays in memory does not grow with the number of units or reports."""

from __future__ import annotations

import datetime as dt
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from fractions import Fraction
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from compliance.assessment import audit_for
from compliance.evaluate import RuleResult, Scorecard
from compliance.loading.manual import ManualPoints
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import LoadedRulebook
from compliance.parallel import DEFAULT_UNIT_TIMEOUT, score_encoded
from compliance.scoring import UnitAssessment
from compliance.scoring.city import grade_counts, pass_rates
from compliance.scoring.points import ScoringPlan
from compliance.scoring.prose import policy_statement
from compliance.scoring.results import ReportRecord
from compliance.scoring.summary import Replayed, Summarised, UnitSummary, columns, summarise
from compliance.scoring.triage import assessed, assessed_alone, fate_of, rejected
from compliance.spill import Spill


class CardHead(NamedTuple):
    """A scored report without its verdicts: what triage reads. `key` finds the verdicts put aside; `alone` is the
    unit's summary (`UnitSummary.packed`, its detail put aside) as it stands if triage finds no other report
    naming the unit."""

    source: str
    digest: str
    unit_id: str | None
    unit_name: str | None
    unit_type: str | None
    problems: tuple[str, ...]
    key: int = -1
    alone: tuple[object, ...] | None = None


class _Scored(NamedTuple):
    """What scoring one report sends back to this process: bytes and a few small values, never the scorecard."""

    head: CardHead
    verdicts: bytes  # the report's verdicts, pickled
    alone: tuple[tuple[object, ...], bytes] | None  # the unit scored as if this report were its only one, its detail


def _scorer(
    book: LoadedRulebook, detail: Callable[[UnitAssessment], bytes], manual: ManualPoints | None
) -> Callable[[Scorecard], _Scored]:
    """What runs in the workers for each report: everything per unit that does not wait for the other reports."""
    plan = ScoringPlan.of(book, manual.entries if manual is not None else ())
    shown = columns(book.checkable)

    def scored(card: Scorecard) -> _Scored:
        card = card.displayable()
        head = CardHead(card.source, card.digest, card.unit_id, card.unit_name, card.unit_type, card.problems)
        verdicts = pickle.dumps(card.results, protocol=pickle.HIGHEST_PROTOCOL)
        unit = assessed_alone(book, card, plan, manual)
        if unit is None:
            return _Scored(head, verdicts, None)
        return _Scored(head, verdicts, (summarise(unit, shown, -1).packed(), detail(unit)))

    return scored


# Text is compared as UTF-8 bytes (SQLite's BINARY collation), which orders strings as Python does: by code point.
_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = FILE;
PRAGMA cache_size = -4096;
CREATE TABLE report (i INTEGER PRIMARY KEY, source TEXT NOT NULL, digest TEXT NOT NULL, unit_id TEXT,
                     invalid INTEGER NOT NULL);
CREATE TABLE record (seq INTEGER PRIMARY KEY, source TEXT NOT NULL, digest TEXT NOT NULL, ok INTEGER NOT NULL,
                     key INTEGER NOT NULL);
CREATE TABLE problem (text TEXT NOT NULL);
CREATE TABLE unit (ordinal INTEGER PRIMARY KEY, registered INTEGER NOT NULL, type_order INTEGER NOT NULL,
                   unit_type TEXT NOT NULL, passed INTEGER NOT NULL, score INTEGER, key INTEGER NOT NULL);
CREATE TABLE ranked (ordinal INTEGER PRIMARY KEY, rank INTEGER NOT NULL, among INTEGER NOT NULL);
"""


def _database() -> sqlite3.Connection:
    """An anonymous database on disk (SQLite removes it at the end), sorting there rather than in memory."""
    db = sqlite3.connect("", isolation_level=None)
    db.executescript(_SCHEMA)
    return db


def _score_key(score: object, decimals: int) -> int | None:
    """A score as an exact integer that orders and ties as the score does (scores are rounded to `decimals`)."""
    if score is None:
        return None
    scaled = Fraction(score) * 10**decimals  # type: ignore[call-overload]
    assert scaled.denominator == 1, f"a score not rounded to {decimals} decimals: {score}"
    return int(scaled)


def _groups(rows: Iterable[tuple[str, int, int]], registered: Sequence[str]) -> Iterator[tuple[str, list[int]]]:
    """(unit id, its reports' numbers) for every unit id a report names or the registry lists, in unit id order;
    `rows` are (unit id, report number, invalid) in unit id order."""
    listed = iter(registered)
    waiting = next(listed, None)
    for unit_id, group in groupby(rows, key=itemgetter(0)):
        while waiting is not None and waiting < unit_id:
            yield waiting, []
            waiting = next(listed, None)
        if waiting == unit_id:
            waiting = next(listed, None)
        yield unit_id, [i for _, i, _ in group]
    while waiting is not None:
        yield waiting, []
        waiting = next(listed, None)


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
    with (
        Spill() as verdicts,
        Spill() as heads,
        Spill() as details,
        Spill() as summaries,
        Spill() as records,
        closing(_database()) as db,
    ):
        encode = _scorer(book, detail, manual)
        db.execute("BEGIN")  # one transaction for the whole run: nothing here needs to survive a crash
        for head, blob, alone in score_encoded(
            book, paths, encode, workers=workers, unit_timeout=unit_timeout, on_read=on_read
        ):
            packed = None
            if alone is not None:
                packed = (*alone[0][:-1], details.put(alone[1]))  # the summary's last value is its detail's key
            head = head._replace(key=verdicts.put(blob), alone=packed)
            heads.put(pickle.dumps(head, protocol=pickle.HIGHEST_PROTOCOL))
            db.execute(
                "INSERT INTO report VALUES (?, ?, ?, ?, ?)",
                (head.key, head.source, head.digest, head.unit_id, bool(head.problems)),
            )
            if on_card is not None:
                on_card(head)

        def head_of(i: int) -> CardHead:
            found: CardHead = pickle.loads(heads.get(i))
            return found

        def results_of(head: CardHead) -> Sequence[RuleResult]:
            results: Sequence[RuleResult] = pickle.loads(verdicts.get(head.key))
            return results

        def note(kept: Iterable[ReportRecord], problems: Iterable[str]) -> None:
            for r in kept:
                key = records.put(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL))
                ok = r.status in ("used", "copy")
                db.execute(
                    "INSERT INTO record (source, digest, ok, key) VALUES (?, ?, ?, ?)", (r.source, r.sha256, ok, key)
                )
            db.executemany("INSERT INTO problem VALUES (?)", ((p,) for p in problems))

        # triage, as `triage` does it in memory: first every rejected report, then unit by unit in unit id order
        for (i,) in db.execute("SELECT i FROM report WHERE invalid ORDER BY source, digest, i"):
            head = head_of(i)
            note([rejected(head)], head.problems)
        registered_ids = sorted({u.id for u in book.registry.units})  # the registry is in memory (the rulebook)
        is_registered = set(registered_ids)
        shown = columns(book.checkable)
        plan = ScoringPlan.of(book, manual.entries if manual is not None else ())
        decimals = book.meta.scoring.decimals
        type_order = {t.id: i for i, t in enumerate(book.registry.types)}
        rows = db.execute(
            "SELECT unit_id, i, invalid FROM report WHERE unit_id IS NOT NULL ORDER BY unit_id, source, digest, i"
        )
        ordinal = 0
        for unit_id, numbers in _groups(rows, registered_ids):
            cards = [head_of(i) for i in numbers]
            found = [c for c in cards if not c.problems]
            registered = unit_id in is_registered
            if not found and not registered:
                continue  # only rejected reports name a unit outside the registry: no unit, as in memory
            fate, kept, problems = fate_of(unit_id, found, [c for c in cards if c.problems], registered)
            if fate.alone and fate.chosen is not None and fate.chosen.alone is not None:
                summary = UnitSummary.unpacked(fate.chosen.alone, shown)  # as scored beside the engine
            else:
                unit = assessed(book, unit_id, fate, problems, results_of, plan, manual)
                summary = summarise(unit, shown, details.put(detail(unit)))
            note(kept, problems)
            db.execute(
                "INSERT INTO unit VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    ordinal,
                    summary.registered,
                    type_order.get(summary.unit_type, len(type_order)),
                    summary.unit_type,
                    summary.status == "pass",
                    _score_key(summary.score, decimals),
                    summaries.put(pickle.dumps(summary.packed(), protocol=pickle.HIGHEST_PROTOCOL)),
                ),
            )
            ordinal += 1
        _rank(db)
        db.execute("COMMIT")

        def unpacked(key: int) -> UnitSummary:
            return UnitSummary.unpacked(pickle.loads(summaries.get(key)), shown)

        def units(where: str = "", *args: object) -> Iterator[UnitSummary]:
            """The units in output order (`output_order`), ranked: registered by type, rank, id; then the rest."""
            query = (
                "SELECT u.key, r.rank, r.among FROM unit u LEFT JOIN ranked r USING (ordinal)"
                f" {where} ORDER BY NOT u.registered, u.type_order, r.rank IS NULL, r.rank, u.ordinal"
            )
            for key, rank, among in db.execute(query, args):
                summary = unpacked(key)
                yield summary if rank is None else summary.ranked(rank, among)

        def count(query: str, *args: object) -> int:
            found: int = db.execute(query, args).fetchone()[0]
            return found

        def registered_units(unit_type: str | None) -> Replayed[UnitSummary]:
            if unit_type is None:
                return Replayed(
                    count("SELECT COUNT(*) FROM unit WHERE registered"), lambda: units("WHERE u.registered")
                )
            where = "WHERE u.registered AND u.unit_type = ?"
            return Replayed(
                count("SELECT COUNT(*) FROM unit WHERE registered AND unit_type = ?", unit_type),
                lambda: units(where, unit_type),
            )

        def all_summaries() -> Iterator[UnitSummary]:  # any order: each figure below is a count
            for (key,) in db.execute("SELECT key FROM unit"):
                yield unpacked(key)

        def reports() -> Iterator[ReportRecord]:
            for (key,) in db.execute("SELECT key FROM record ORDER BY source, digest, seq"):
                record: ReportRecord = pickle.loads(records.get(key))
                yield record

        def run_problems() -> Iterator[str]:
            for (text,) in db.execute("SELECT DISTINCT text FROM problem ORDER BY text"):
                yield text

        rules = book.checkable
        scoring = book.meta.scoring
        failing = count(
            "SELECT EXISTS (SELECT 1 FROM unit WHERE NOT passed) OR EXISTS (SELECT 1 FROM record WHERE NOT ok)"
        )
        yield Summarised(
            audit=audit_for(book, when, registry, manual),
            policy=scoring,
            policy_statement=policy_statement(scoring, book.meta.deduction_groups, rules),
            book=book,
            rules=rules,
            units=Replayed(ordinal, units),
            registered=registered_units,
            unregistered=Replayed(
                count("SELECT COUNT(*) FROM unit WHERE NOT registered"), lambda: units("WHERE NOT u.registered")
            ),
            pass_rates=pass_rates(rules, book, all_summaries()),
            grade_counts=grade_counts(book, all_summaries()),
            reports=Replayed(count("SELECT COUNT(*) FROM record"), reports),
            problems=Replayed(count("SELECT COUNT(DISTINCT text) FROM problem"), run_problems),
            detail=lambda unit: details.get(unit.detail),
            exit_code=1 if failing else 0,
        )


def _rank(db: sqlite3.Connection) -> None:
    """Competition ranking (1, 2, 2, 4) by score within each unit type, as `scoring.city.ranks` ranks in memory;
    unscored and unregistered units are not ranked."""
    among = dict(
        db.execute("SELECT unit_type, COUNT(*) FROM unit WHERE registered AND score IS NOT NULL GROUP BY unit_type")
    )
    scored = db.execute(
        "SELECT ordinal, unit_type, score FROM unit WHERE registered AND score IS NOT NULL"
        " ORDER BY unit_type, score DESC, ordinal"
    )
    ranked: list[tuple[int, int, int]] = []
    for unit_type, members in groupby(scored, key=itemgetter(1)):
        previous, rank = None, 0
        for position, (ordinal, _, score) in enumerate(members, start=1):
            if score != previous:
                rank, previous = position, score
            ranked.append((ordinal, rank, among[unit_type]))
            if len(ranked) >= 10_000:  # written in batches: never all in memory
                db.executemany("INSERT INTO ranked VALUES (?, ?, ?)", ranked)
                ranked.clear()
    db.executemany("INSERT INTO ranked VALUES (?, ?, ?)", ranked)
