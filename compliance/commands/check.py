"""`compliance check REPORT`: one unit's scorecard, for a unit checking its own report before it submits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tabulate import tabulate

from compliance.commands.common import add_output_option, add_rules_option, emit, rulebook
from compliance.commands.units import registry_notes
from compliance.evaluate import Evaluator, Scorecard
from compliance.labels import STATUS_LABEL
from compliance.loading.reports import expand_paths, read_report_file
from compliance.loading.rulebook import LoadedRulebook
from compliance.measures.interface import show
from compliance.results import number


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("check", help="one unit's scorecard (自查)", description=__doc__)
    parser.add_argument("report", type=Path, help="the unit's report (YAML or JSON)")
    add_rules_option(parser)
    add_output_option(parser)
    parser.set_defaults(run=run)


def render_card(book: LoadedRulebook, card: Scorecard) -> str:
    titles = {r.id: r.title.zh for r in book.rules}
    head = f"{card.unit_name or card.unit_id}（{card.unit_id}，{book.type_name(card.unit_type or '')}）  {card.source}"
    if card.problems:
        return head + "\n" + "\n".join(card.problems) + "\n"
    rows = []
    for r in card.results:
        measured = "—" if r.measured is None else show(r.measured)  # for people: 2 decimals, as the shortfall
        detail = r.shortfall or r.reason or ""
        if r.status == "fail" and r.records:
            detail += "\n" + "\n".join(f"  · {x}" for x in r.records)
        rows.append(
            [
                r.rule_id,
                titles.get(r.rule_id, ""),
                STATUS_LABEL[r.status],
                measured,
                f"{r.op} {number(r.target)} {r.unit}",
                detail,
            ]
        )
    table = tabulate(
        rows, headers=["规则 rule", "要求 requirement", "结果 status", "实际 measured", "目标 target", "差距 shortfall"]
    )
    counts = card.counts()
    summary = "  ".join(f"{STATUS_LABEL[s].split()[0]} {n}" for s, n in counts.items())
    return f"{head}\n{table}\n\n{summary}\n"


def run(args: argparse.Namespace) -> int:
    book = rulebook(args)
    path = expand_paths([args.report])
    if len(path) != 1 or path[0].is_dir():
        print(
            f"{args.report}: E000 give one report file to check (use `compliance score` for folders)", file=sys.stderr
        )
        return 2
    inputs = list(read_report_file(path[0], book.report.model))
    with Evaluator(book) as evaluator:
        cards = list(evaluator.score(inputs))
    shown = []
    for item, card in zip(inputs, cards, strict=True):
        if card.problems:
            for problem in card.problems:
                print(problem, file=sys.stderr)
        else:
            shown.append(render_card(book, card))
        for note in registry_notes(book, item.report.unit_id if item.report else item.claimed, card):
            print(note, file=sys.stderr)
    if shown:
        emit("".join(shown), args.output)
    if any(card.problems for card in cards):
        return 2
    # a unit outside the registry is not a pass: the assessment would not rank it (E305 above says why)
    return 1 if any(card.status == "fail" or not card.registered for card in cards) else 0
