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
from compliance.loading.reports import ReportInput, expand_paths, read_report_file
from compliance.loading.rulebook import LoadedRulebook
from compliance.measures.interface import show
from compliance.plaintext import displayable, one_line
from compliance.results import number


def shown(text: object) -> str:
    """Report-supplied text (a name, a title, a file name) as the terminal should see it: control and bidi
    characters neutralised (an ESC could recolour or retitle the terminal), bytes that are not UTF-8 as \\xNN."""
    return one_line(displayable(str(text)))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("check", help="one unit's scorecard (自查)", description=__doc__)
    parser.add_argument("report", type=Path, help="the unit's report (YAML or JSON)")
    add_rules_option(parser)
    add_output_option(parser)
    parser.set_defaults(run=run)


def render_card(book: LoadedRulebook, card: Scorecard) -> str:
    titles = {r.id: r.title.zh for r in book.rules}
    name, unit_type = shown(card.unit_name or card.unit_id), shown(book.type_name(card.unit_type or ""))
    head = f"{name}（{shown(card.unit_id)}，{unit_type}）  {shown(card.source)}"
    if card.problems:
        return head + "\n" + "\n".join(shown(p) for p in card.problems) + "\n"
    rows = []
    for r in card.results:
        measured = "—" if r.measured is None else show(r.measured)  # for people: 2 decimals, as the shortfall
        detail = shown(r.shortfall or r.reason or "")
        if r.status == "fail" and r.records:
            detail += "\n" + "\n".join(f"  · {shown(x)}" for x in r.records)
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
    if args.report.is_dir():
        print(
            f"{shown(args.report)}: E000 give one report file to check (use `compliance score` for folders)",
            file=sys.stderr,
        )
        return 2
    (found,) = expand_paths([args.report])  # a missing path is a usage error
    inputs = [found] if isinstance(found, ReportInput) else list(read_report_file(found, book.report.model))
    with Evaluator(book) as evaluator:
        cards = list(evaluator.score(inputs))
    rendered = []
    for item, card in zip(inputs, cards, strict=True):
        if card.problems:
            for problem in card.problems:
                print(shown(problem), file=sys.stderr)
        else:
            rendered.append(render_card(book, card))
        for note in registry_notes(book, item.report.unit_id if item.report else item.claimed, card):
            print(shown(note), file=sys.stderr)
    if rendered:
        emit("".join(rendered), args.output)
    if any(card.problems for card in cards):
        return 2
    # a unit outside the registry is not a pass: the assessment would not rank it (E305 above says why)
    return 1 if any(card.status == "fail" or not card.registered for card in cards) else 0
