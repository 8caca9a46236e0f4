"""The impure edges of an assessment: scoring report files, an alternative registry, the audit header, the clock."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError

from compliance import __version__
from compliance.errors import ComplianceError, Problem
from compliance.evaluate import Scorecard
from compliance.loading.documents import as_mapping, parse_file, validation_problems
from compliance.loading.manual import ManualPoints
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import LoadedRulebook, registry_problems
from compliance.model import Registry
from compliance.parallel import DEFAULT_UNIT_TIMEOUT, score_reports
from compliance.plaintext import displayable
from compliance.scoring import Assessment, Audit, assess


def scorecards(
    book: LoadedRulebook,
    paths: Iterable[str | Path | ReportInput],
    on_card: Callable[[Scorecard], None] | None = None,
    workers: int | None = 1,
    unit_timeout: float = DEFAULT_UNIT_TIMEOUT,
    on_read: Callable[[int], None] | None = None,
) -> list[Scorecard]:
    """Every report under paths, scored in `workers` processes (1: in this one), in input order."""
    cards: list[Scorecard] = []
    for card in score_reports(book, paths, workers=workers, unit_timeout=unit_timeout, on_read=on_read):
        card = card.displayable()
        cards.append(card)
        if on_card is not None:
            on_card(card)
    return cards


def with_registry(book: LoadedRulebook, path: Path) -> tuple[LoadedRulebook, str]:
    """The rulebook with another unit registry (same format as units.yaml), and that file's SHA-256."""
    doc = parse_file(path)
    try:
        registry = Registry.model_validate(as_mapping(doc, "unit registry"))
    except ValidationError as exc:
        raise ComplianceError(validation_problems(doc, exc, Registry)) from None
    problems = list(registry_problems(registry, doc))
    if problems:
        raise ComplianceError(problems)
    return replace(book, registry=registry), hashlib.sha256(path.read_bytes()).hexdigest()


def run_time(option: str | None, environ: Mapping[str, str]) -> dt.datetime:
    """--time, else SOURCE_DATE_EPOCH, else now; always UTC (a time without a zone is taken as UTC)."""
    if option is not None:
        try:
            when = dt.datetime.fromisoformat(option)
        except ValueError:
            raise ComplianceError(
                Problem(
                    "--time", None, None, "E000", f"'{option}' is not an ISO 8601 time (e.g. 2019-01-15T09:00:00+08:00)"
                )
            ) from None
        try:
            return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        except OverflowError:  # 9999-12-31T23:59:59-12:00 is past the last UTC time Python can hold
            raise ComplianceError(
                Problem("--time", None, None, "E000", f"'{option}' is out of range (after the year 9999 in UTC)")
            ) from None
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise ComplianceError(
                Problem("SOURCE_DATE_EPOCH", None, None, "E000", f"'{epoch}' is not a whole number of seconds")
            ) from None
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def audit_for(
    book: LoadedRulebook,
    when: dt.datetime,
    registry: tuple[str, str] | None = None,
    manual: ManualPoints | None = None,
) -> Audit:
    if registry is None:
        units = book.directory / "units.yaml"
        registry = ("units.yaml (rulebook)", hashlib.sha256(units.read_bytes()).hexdigest())
    registry = (displayable(registry[0]), registry[1])
    return Audit(
        rulebook_id=book.meta.id,
        rulebook_title=book.meta.title.zh,
        rulebook_year=book.meta.year,
        source_document=book.meta.source.number,
        rulebook_sha256=book.digest,
        registry_source=registry[0],
        registry_sha256=registry[1],
        tool_version=__version__,
        generated_at=when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        manual_source=displayable(manual.source) if manual is not None else None,
        manual_sha256=manual.sha256 if manual is not None else None,
    )


def run_assessment(
    book: LoadedRulebook,
    paths: Iterable[str | Path | ReportInput],
    when: dt.datetime,
    registry: tuple[str, str] | None = None,
    on_card: Callable[[Scorecard], None] | None = None,
    workers: int | None = 1,
    unit_timeout: float = DEFAULT_UNIT_TIMEOUT,
    on_read: Callable[[int], None] | None = None,
    manual: ManualPoints | None = None,
) -> Assessment:
    cards = scorecards(book, paths, on_card, workers, unit_timeout, on_read)
    return assess(book, cards, audit_for(book, when, registry, manual), manual)
