"""`compliance lint [RULES_DIR]`: is the rulebook sound? Schema, consistency, examples, faithfulness, coverage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from compliance.commands.common import add_output_option, emit
from compliance.lint import (
    LintResult,
    coverage_data,
    lint_rulebook,
    printable,
    problem_data,
    render_coverage,
    render_junit,
    render_text,
)
from compliance.loading.rulebook import DEFAULT_RULES


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "lint",
        help="check a rulebook (exit 0 sound, 1 problems, 2 unreadable)",
        description=__doc__,
        epilog="Problem codes are listed in the docstring of compliance/lint.py (python -m pydoc compliance.lint).",
    )
    parser.add_argument(
        "rules_dir",
        metavar="RULES_DIR",
        type=Path,
        nargs="?",
        default=None,
        help=f"rulebook directory (default: the bundled {DEFAULT_RULES.name})",
    )
    parser.add_argument(
        "--source",
        metavar="FILE",
        type=Path,
        default=None,
        help="the source document (default: the one rulebook.yaml names under source.path)",
    )
    parser.add_argument("--format", choices=("text", "json", "junit"), default="text")
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="also print every measurable clause of the source and the rules citing it",
    )
    add_output_option(parser)
    parser.set_defaults(run=run)


def render(result: LintResult, fmt: str, with_coverage: bool) -> str | bytes:
    if fmt == "json":
        problems = [problem_data(p) for p in result.problems]
        document: object = (
            {"problems": problems, "coverage": coverage_data(result.coverage)} if with_coverage else problems
        )
        return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    if fmt == "junit":
        return render_junit(result)
    text = render_text(result)
    return (render_coverage(result) + ("\n" + text if text else "")) if with_coverage else text


def run(args: argparse.Namespace) -> int:
    result = lint_rulebook(args.rules_dir or DEFAULT_RULES, args.source)
    emit(render(result, args.format, args.coverage), args.output)
    if args.format == "text":
        verdict = "sound" if result.ok else f"{len(result.problems)} problem(s)"
        print(f"{printable(result.directory.name)}: {result.rules} rules, {verdict}", file=sys.stderr)
    return 0 if result.ok else 1
