"""Options and output plumbing shared by subcommands: --rules, --output, --workers, atomic writes."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from compliance.commands.output import atomic_file, emit, output_stream
from compliance.errors import ComplianceError, Problem
from compliance.lang import Lang, default_lang
from compliance.loading.rulebook import DEFAULT_RULES, LoadedRulebook, load_rulebook

__all__ = ["atomic_file", "emit", "output_stream"]


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        metavar="DIR",
        type=Path,
        default=None,
        help=f"rulebook directory (default: the bundled {DEFAULT_RULES.name})",
    )


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=[x.value for x in Lang],
        default=None,
        help="language of headings and labels: zh 中文, en English, both 中文 English "
        "(default: from LC_ALL / LC_MESSAGES / LANG; both when they name neither)",
    )


def lang(args: argparse.Namespace) -> Lang:
    return Lang(args.lang) if args.lang is not None else default_lang(os.environ)


def add_output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", metavar="FILE", default="-", help="write here instead of standard output")


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


def add_workers_options(parser: argparse.ArgumentParser) -> None:
    from compliance.parallel import (  # on first use: `check`, which has no workers, never loads the pool
        DEFAULT_UNIT_TIMEOUT,
        default_workers,
    )

    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"worker processes (default: one per core, here {default_workers()}; 1 scores in this process;"
        " always 1 on Windows)",
    )
    parser.add_argument(
        "--unit-timeout",
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help=f"time limit per engine batch of 50 reports, plus as much again per MiB of input (default"
        f" {DEFAULT_UNIT_TIMEOUT:g}); worker processes only: with --workers 1 there is no limit",
    )


def workers(args: argparse.Namespace) -> int | None:
    """--workers, after saying why a request for several cannot be met on this system."""
    from compliance.parallel import parallel_unavailable

    reason = parallel_unavailable()
    if reason and args.workers is not None and args.workers > 1:
        print(f"compliance: {reason}", file=sys.stderr)
        return 1
    workers: int | None = args.workers
    return workers


def rulebook(args: argparse.Namespace) -> LoadedRulebook:
    return load_rulebook(args.rules)


def pool_options(args: argparse.Namespace) -> dict[str, Any]:
    """--workers and --unit-timeout as keyword arguments for compliance.parallel; says so when a time limit is
    asked for but cannot apply (scoring in this process cannot stop the engine mid-call)."""
    from compliance.parallel import DEFAULT_UNIT_TIMEOUT, default_workers

    count = workers(args)
    if (count == 1 or (count is None and default_workers() == 1)) and args.unit_timeout is not None:
        print(
            "注意：--workers 1 在本进程内评分，--unit-timeout 不起作用（--unit-timeout is ignored with --workers 1:"
            " only worker processes can be stopped）",
            file=sys.stderr,
        )
    timeout = DEFAULT_UNIT_TIMEOUT if args.unit_timeout is None else args.unit_timeout
    return {"workers": count, "unit_timeout": timeout}


def no_reports(paths: list[str]) -> ComplianceError:
    """Nothing to score (an empty folder, empty standard input, a wrong path that holds no report): an input
    error, never a clean "no units" pass."""
    return ComplianceError(
        Problem(
            " ".join(paths),
            None,
            None,
            "E013",
            "没有找到任何报告，未评分（no reports found: nothing was scored; a folder is searched for .yaml, .yml,"
            " .json, .jsonl and .xlsx files）",
        )
    )
