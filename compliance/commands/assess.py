"""`compliance assess PATH...`: the year-end assessment (年度考评) — scores, grades, ranks, rectification lists.

Every unit in the registry appears (a unit that sent nothing is graded as not reported) and every report
appears (unreadable ones, duplicates and units outside the registry are listed, never dropped).
Exit 0 when every unit passes every rule and every report was used; 1 otherwise; 2 on a usage or input error.
"""

from __future__ import annotations

import argparse
import os
from contextlib import ExitStack
from pathlib import Path

from compliance.assessment import run_assessment, run_time, with_registry
from compliance.commands.common import (
    add_lang_option,
    add_output_option,
    add_rules_option,
    add_workers_options,
    emit,
    lang,
    no_reports,
    pool_options,
    rulebook,
)
from compliance.commands.output import output_stream
from compliance.loading.manual import load_manual
from compliance.loading.reports import expand_paths
from compliance.progress import Progress
from compliance.render import Format, renderer, streaming
from compliance.streamed import stream_assessment


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "assess",
        help="year-end assessment: scores, grades, ranks, rectification lists (考评)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders of reports")
    parser.add_argument(
        "--registry",
        metavar="FILE",
        type=Path,
        default=None,
        help="assess the units in this registry (same format as the rulebook's units.yaml) instead of its own",
    )
    parser.add_argument(
        "--manual",
        metavar="FILE",
        type=Path,
        default=None,
        help="the assessor's points (人工评分, .yaml or .xlsx): rules no machine can judge, and overrides",
    )
    parser.add_argument("--format", choices=[f.value for f in Format], default=Format.TABLE.value)
    parser.add_argument(
        "--time",
        metavar="ISO8601",
        default=None,
        help="run time for the audit header (default: $SOURCE_DATE_EPOCH, else now); for reproducible output",
    )
    add_lang_option(parser)
    add_workers_options(parser)
    add_rules_option(parser)
    add_output_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    book = rulebook(args)
    registry = None
    if args.registry is not None:
        book, digest = with_registry(book, args.registry)
        registry = (str(args.registry), digest)
    when = run_time(args.time, os.environ)
    manual = load_manual(args.manual, book) if args.manual is not None else None  # checked before any work
    files = expand_paths(args.paths)  # a missing path is a usage error before any work
    if not files:
        raise no_reports(args.paths)
    scored = 0

    def advance(_card: object) -> None:
        nonlocal scored
        scored += 1
        progress.scored()

    fmt = Format(args.format)
    streamed = streaming(fmt)
    if streamed is not None:  # written as it goes: memory stays flat however many units
        with ExitStack() as spilled:  # what the assessment put aside on disk, removed at the end
            with Progress([f for f in files if isinstance(f, Path)]) as progress:
                summarised = spilled.enter_context(
                    stream_assessment(
                        book,
                        files,
                        when,
                        streamed.detail(book, manual is not None, lang(args)),
                        registry,
                        on_card=advance,
                        on_read=progress.on_read,
                        manual=manual,
                        **pool_options(args),
                    )
                )
            if not scored:  # empty standard input
                raise no_reports(args.paths)
            with output_stream(args.output) as handle:  # an unwritable output is a ComplianceError: exit 2
                for chunk in streamed.chunks(summarised, lang(args)):
                    handle.write(chunk)
            return summarised.exit_code
    with Progress([f for f in files if isinstance(f, Path)]) as progress:
        assessment = run_assessment(
            book,
            files,
            when,
            registry,
            on_card=advance,
            on_read=progress.on_read,
            manual=manual,
            **pool_options(args),
        )
    if not scored:  # empty standard input
        raise no_reports(args.paths)
    output = renderer(fmt)(assessment, lang(args))
    emit(output, args.output)  # an unwritable output is a ComplianceError: one message, exit 2
    return assessment.exit_code
