"""`compliance source normalize|outline FILE`: the source document as clean simplified text, or its divisions."""

from __future__ import annotations

import argparse
from pathlib import Path

from tabulate import tabulate

from compliance.commands.common import add_output_option, emit
from compliance.loading.documents import read_text
from compliance.locator import NUMBERINGS
from compliance.source import SourceText, normalize_source

_SHOWN = 40  # characters of a division's text in the outline: enough to recognise it


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("source", help="work with the source document", description=__doc__)
    actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    normalize = actions.add_parser(
        "normalize",
        help="print the clean simplified text",
        description="Strip inserted pinyin (發(fā) -> 發) "
        "and convert to simplified Chinese; line structure is kept, so line numbers match the original.",
    )
    normalize.add_argument("file", metavar="FILE", type=Path, help="the source document (UTF-8 text)")
    add_output_option(normalize)
    normalize.set_defaults(run=run)
    outline = actions.add_parser(
        "outline",
        help="list the numbered divisions and the locator that cites each",
        description="Every numbered heading of the normalised source (一、 （一） 1. 1、 第N条 …): the locator a rule "
        "writes as `source: {at: …}`, whether it is an item (cited as `source: {item: N}`), its line and first words.",
    )
    outline.add_argument("file", metavar="FILE", type=Path, help="the source document (UTF-8 text)")
    outline.add_argument(
        "--numbering",
        choices=tuple(NUMBERINGS),
        default="auto",
        help="how the items are numbered, as rulebook.yaml's source.numbering (default: auto)",
    )
    add_output_option(outline)
    outline.set_defaults(run=run_outline)


def run(args: argparse.Namespace) -> int:
    emit(normalize_source(read_text(args.file)), args.output)
    return 0


def render_outline(source: SourceText) -> str:
    rows = []
    for division in source.divisions:
        text = division.body if len(division.body) <= _SHOWN else division.body[:_SHOWN] + "…"
        item = f"item: {division.number}" if division.item else ""
        # ASCII columns first: tabulate cannot align what follows a column of Chinese (no wcwidth installed)
        rows.append([division.line, item, division.locator, text])
    kind = source.item_kind.value if source.item_kind else "—"
    headers = ["行 line", "条目 item", "定位符 at", "正文 text"]
    return f"条目编号 items numbered: {kind}\n" + tabulate(rows, headers=headers, disable_numparse=True) + "\n"


def run_outline(args: argparse.Namespace) -> int:
    emit(render_outline(SourceText.parse(read_text(args.file), args.numbering)), args.output)
    return 0
