"""`compliance score PATH...`: many reports, one row per unit with counts per status (table or JSON)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

import orjson
from tabulate import tabulate

from compliance.commands.common import add_output_option, add_rules_option, emit, rulebook
from compliance.evaluate import STATUSES, Evaluator, Scorecard
from compliance.labels import STATUS_LABEL
from compliance.loading.reports import expand_paths, read_reports
from compliance.loading.rulebook import LoadedRulebook
from compliance.results import card_data


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("score", help="score many reports (files or folders)", description=__doc__)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders of reports")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    add_rules_option(parser)
    add_output_option(parser)
    parser.set_defaults(run=run)


def score_all(book: LoadedRulebook, paths: Iterable[str]) -> list[Scorecard]:
    inputs = read_reports(paths)
    with Evaluator(book) as evaluator:
        return list(evaluator.score(inputs))


def render_table(book: LoadedRulebook, cards: list[Scorecard]) -> str:
    rows = []
    for card in cards:
        counts = card.counts()
        name = card.unit_name or ""
        if card.problems:
            name = (name + " " if name else "") + "; ".join(card.problems)
        rows.append([card.unit_id or "?", name, STATUS_LABEL[card.status], *(counts[s] for s in STATUSES), card.source])
    headers = ["单位 unit", "名称 name", "结果 status", *(STATUS_LABEL[s] for s in STATUSES), "报告 report"]
    return tabulate(rows, headers=headers) + "\n"


def render_json(book: LoadedRulebook, cards: list[Scorecard]) -> bytes:
    document = {
        "rulebook": {"id": book.meta.id, "year": book.meta.year, "sha256": book.digest},
        "units": [card_data(card) for card in cards],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def run(args: argparse.Namespace) -> int:
    book = rulebook(args)
    expand_paths(args.paths)  # a missing path is a usage error before any work
    cards = score_all(book, args.paths)
    emit(render_json(book, cards) if args.format == "json" else render_table(book, cards), args.output)
    return 0 if all(card.status == "pass" for card in cards) else 1
