"""`compliance source normalize FILE`: the source document as clean simplified text (pinyin stripped, OpenCC t2s)."""

from __future__ import annotations

import argparse
from pathlib import Path

from compliance.commands.common import add_output_option, emit
from compliance.loading.documents import read_text
from compliance.source import normalize_source


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


def run(args: argparse.Namespace) -> int:
    emit(normalize_source(read_text(args.file)), args.output)
    return 0
