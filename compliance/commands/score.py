"""`compliance score PATH...`: many reports, one row per unit with counts per status (table, JSON or JSON Lines).

Scoring runs in `--workers` processes (default: one per core; 1 scores in this process), so an engine crash
or hang costs only the report that caused it, which becomes an error row. JSON and JSON Lines are written
as they are produced (memory stays flat); `--output FILE` is written to a temp file and renamed at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import orjson
from tabulate import tabulate

from compliance.commands.common import add_output_option, add_rules_option, emit, rulebook
from compliance.evaluate import STATUSES, Scorecard
from compliance.labels import STATUS_LABEL
from compliance.loading.reports import expand_paths
from compliance.loading.rulebook import LoadedRulebook
from compliance.parallel import DEFAULT_UNIT_TIMEOUT, default_workers, encode_jsonl, score_encoded, score_reports
from compliance.results import card_data


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("score", help="score many reports (files or folders)", description=__doc__)
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="report files or folders of reports; - reads JSON Lines from stdin"
    )
    parser.add_argument("--format", choices=("table", "json", "jsonl"), default="table")
    parser.add_argument(
        "--workers", type=_positive_int, default=None, metavar="N",
        help=f"worker processes (default: one per core, here {default_workers()}; 1 scores in this process)",
    )
    parser.add_argument(
        "--unit-timeout", type=_positive_float, default=DEFAULT_UNIT_TIMEOUT, metavar="SECONDS",
        help=f"time limit per report, scaled to each batch of 50 (default {DEFAULT_UNIT_TIMEOUT:g})",
    )
    add_rules_option(parser)
    add_output_option(parser)
    parser.set_defaults(run=run)


def score_all(
    book: LoadedRulebook, paths: Iterable[str], workers: int | None = 1, unit_timeout: float = DEFAULT_UNIT_TIMEOUT
) -> list[Scorecard]:
    return list(score_reports(book, paths, workers=workers, unit_timeout=unit_timeout))


def render_table(book: LoadedRulebook, cards: list[Scorecard]) -> str:
    rows = []
    for card in cards:
        counts = card.counts()
        name = card.unit_name or ""
        rows.append([card.unit_id or "?", name, STATUS_LABEL[card.status], *(counts[s] for s in STATUSES), card.source])
    headers = ["单位 unit", "名称 name", "结果 status", *(STATUS_LABEL[s] for s in STATUSES), "报告 report"]
    text = tabulate(rows, headers=headers) + "\n"
    invalid = [problem for card in cards for problem in card.problems]
    if invalid:
        text += "\n报告无效 invalid reports:\n" + "".join(f"  {problem}\n" for problem in invalid)
    return text


def render_json(book: LoadedRulebook, cards: list[Scorecard]) -> bytes:
    document = {"rulebook": _rulebook_data(book), "units": [card_data(card) for card in cards]}
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
    return card.status == "pass", orjson.dumps(card_data(card), option=orjson.OPT_INDENT_2)


class _Sink:
    """Standard output, or a temp file beside FILE renamed over it only when everything was written."""

    def __init__(self, output: str) -> None:
        self.output = output
        self.tmp: Path | None = None
        if output == "-":
            self.handle: BinaryIO = sys.stdout.buffer
        else:
            target = Path(output)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            self.tmp = Path(name)
            self.handle = os.fdopen(fd, "wb", buffering=1 << 20)

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def commit(self) -> None:
        self.handle.flush()
        if self.tmp is not None:
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self.tmp, self.output)
            self.tmp = None

    def abort(self) -> None:
        if self.tmp is not None:
            self.handle.close()
            self.tmp.unlink(missing_ok=True)
            self.tmp = None


def run(args: argparse.Namespace) -> int:
    book = rulebook(args)
    expand_paths(args.paths)  # a missing path is a usage error before any work
    options = {"workers": args.workers, "unit_timeout": args.unit_timeout}
    if args.format == "table":
        cards = score_all(book, args.paths, **options)
        emit(render_table(book, cards), args.output)
        return 0 if all(card.status == "pass" for card in cards) else 1
    passed = True

    def watched(encoded: Iterable[tuple[bool, bytes]]) -> Iterator[tuple[bool, bytes]]:
        nonlocal passed
        for ok, data in encoded:
            passed = passed and ok
            yield ok, data

    encode = encode_jsonl if args.format == "jsonl" else encode_indented
    results = watched(score_encoded(book, args.paths, encode, **options))
    chunks = (data for _, data in results) if args.format == "jsonl" else json_chunks(book, results)
    sink = _Sink(args.output)
    try:
        for chunk in chunks:
            sink.write(chunk)
        sink.commit()
    finally:
        sink.abort()
    return 0 if passed else 1
