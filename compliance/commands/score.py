"""`compliance score PATH...`: many reports, one row per unit with counts per status (table, JSON or JSON Lines).

Scoring runs in `--workers` processes (default: one per core; 1 scores in this process), so an engine crash
or hang costs only the report that caused it, which becomes an error row. JSON and JSON Lines are written
as they are produced (memory stays flat); `--output FILE` is written to a temp file and renamed at the end.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
from tabulate import tabulate

from compliance.commands.common import (
    add_output_option,
    add_rules_option,
    add_workers_options,
    emit,
    no_reports,
    output_stream,
    pool_options,
    rulebook,
)
from compliance.evaluate import STATUSES, Scorecard
from compliance.labels import STATUS_LABEL
from compliance.loading.reports import expand_paths
from compliance.loading.rulebook import LoadedRulebook
from compliance.parallel import encode_jsonl, score_encoded, score_reports
from compliance.plaintext import one_line
from compliance.progress import Progress
from compliance.results import card_data


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("score", help="score many reports (files or folders)", description=__doc__)
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="report files or folders of reports; - reads JSON Lines from stdin"
    )
    parser.add_argument("--format", choices=("table", "json", "jsonl"), default="table")
    add_workers_options(parser)
    add_rules_option(parser)
    add_output_option(parser)
    parser.set_defaults(run=run)


def render_table(book: LoadedRulebook, cards: list[Scorecard]) -> str:
    # Names, file names and problems come from the reports: one_line keeps their control characters from moving
    # the cursor or starting lines of their own, and they are never read as numbers (a name "1.50" stays "1.50").
    rows = []
    for card in (card.displayable() for card in cards):
        counts = card.counts()
        name = one_line(card.unit_name or "")
        row = [one_line(card.unit_id or "?"), name, STATUS_LABEL[card.status], *(counts[s] for s in STATUSES)]
        rows.append([*row, one_line(card.source)])
    headers = ["单位 unit", "名称 name", "结果 status", *(STATUS_LABEL[s] for s in STATUSES), "报告 report"]
    text = tabulate(rows, headers=headers, disable_numparse=[0, 1, len(headers) - 1]) + "\n"
    invalid = [one_line(problem) for card in (card.displayable() for card in cards) for problem in card.problems]
    if invalid:
        text += "\n报告无效 invalid reports:\n" + "".join(f"  {problem}\n" for problem in invalid)
    return text


def render_json(book: LoadedRulebook, cards: list[Scorecard]) -> bytes:
    document = {"rulebook": _rulebook_data(book), "units": [card_data(card.displayable()) for card in cards]}
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def json_chunks(book: LoadedRulebook, encoded: Iterable[tuple[bool, bytes]]) -> Iterator[bytes]:
    """`render_json`'s document, byte for byte, written unit by unit (each unit encoded with OPT_INDENT_2)."""
    head = orjson.dumps({"rulebook": _rulebook_data(book)}, option=orjson.OPT_INDENT_2)
    yield head[:-2] + b',\n  "units": ['
    first = True
    for _, unit in encoded:
        # JSON strings never hold a raw newline, so indenting every line nests the unit two levels deeper
        yield (b"\n    " if first else b",\n    ") + unit.replace(b"\n", b"\n    ")
        first = False
    yield b"]\n}\n" if first else b"\n  ]\n}\n"


def _rulebook_data(book: LoadedRulebook) -> dict[str, object]:
    return {"id": book.meta.id, "year": book.meta.year, "sha256": book.digest}


def encode_indented(card: Scorecard) -> tuple[bool, bytes]:
    """(passed, the unit as `render_json` indents it): runs in the workers."""
    return card.status == "pass", orjson.dumps(card_data(card.displayable()), option=orjson.OPT_INDENT_2)


def _encode_line(card: Scorecard) -> tuple[bool, bytes]:
    """(passed, one JSON line): runs in the workers."""
    return encode_jsonl(card.displayable())


def run(args: argparse.Namespace) -> int:
    book = rulebook(args)
    files = expand_paths(args.paths)  # a missing path is a usage error before any work; folders listed once
    if not files:
        raise no_reports(args.paths)
    with Progress([f for f in files if isinstance(f, Path)]) as progress:
        options = {**pool_options(args), "on_read": progress.on_read}
        if args.format == "table":
            cards = []
            for card in score_reports(book, files, **options):
                cards.append(card)
                progress.scored()
            if not cards:  # empty standard input
                raise no_reports(args.paths)
            emit(render_table(book, cards), args.output)
            return 0 if all(card.status == "pass" for card in cards) else 1
        passed = True
        scored = 0

        def watched(encoded: Iterable[tuple[bool, bytes]]) -> Iterator[tuple[bool, bytes]]:
            nonlocal passed, scored
            for ok, data in encoded:
                passed = passed and ok
                scored += 1
                progress.scored()
                yield ok, data

        encode = _encode_line if args.format == "jsonl" else encode_indented
        results = watched(score_encoded(book, files, encode, **options))
        chunks = (data for _, data in results) if args.format == "jsonl" else json_chunks(book, results)
        with output_stream(args.output) as handle:
            for chunk in chunks:
                handle.write(chunk)
            if not scored:  # empty standard input: a file output is not kept
                raise no_reports(args.paths)
    return 0 if passed else 1
