"""`compliance lint [PATH...]`: is a rulebook sound? Schema, consistency, examples, faithfulness, coverage.

Each PATH is a rulebook directory or a file inside one (its nearest folder holding a rulebook.yaml), so a
pre-commit hook passing the files being committed lints the rulebooks they belong to, each once.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import orjson

from compliance.commands.common import add_output_option, emit
from compliance.errors import ComplianceError, Problem
from compliance.lint import (
    LintResult,
    coverage_data,
    lint_rulebook,
    problem_data,
    render_coverage,
    render_junit,
    render_text,
)
from compliance.loading.rulebook import DEFAULT_RULES
from compliance.plaintext import displayable


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "lint",
        help="check a rulebook (exit 0 sound, 1 problems, 2 unreadable)",
        description=__doc__,
        epilog="Problem codes are listed in the docstring of compliance/lint.py (python -m pydoc compliance.lint).",
    )
    parser.add_argument(
        "paths",
        metavar="PATH",
        type=Path,
        nargs="*",
        help="rulebook directories, or files inside them (as pre-commit passes the files being committed); "
        f"default: the bundled {DEFAULT_RULES.name}",
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


def rulebook_dirs(paths: list[Path]) -> list[Path]:
    """The rulebooks the paths belong to, each once, in order; a directory given is taken as a rulebook."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            message = "找不到规则库文件夹（rulebook directory not found）"
            raise ComplianceError(Problem(str(path), None, None, "E000", message))
        book = path if path.is_dir() else _rulebook_of(path)
        if book is None:
            shown = displayable(str(path))
            print(f"{shown}: 不属于任何规则集，未检查（not inside a rulebook: skipped）", file=sys.stderr)
        elif book.resolve() not in {d.resolve() for d in found}:
            found.append(book)
    return found


def _rulebook_of(path: Path) -> Path | None:
    """The nearest folder above a file that holds a rulebook.yaml."""
    return next((d for d in path.resolve().parents if (d / "rulebook.yaml").is_file()), None)


def run(args: argparse.Namespace) -> int:
    directories = rulebook_dirs(args.paths) if args.paths else [DEFAULT_RULES]
    if len(directories) > 1 and (args.format != "text" or args.coverage or args.source is not None):
        print(
            "compliance lint: E000 多个规则集只能以 text 格式检查，且不带 --coverage、--source"
            "（several rulebooks: text format only, without --coverage or --source）",
            file=sys.stderr,
        )
        return 2
    results = [lint_rulebook(directory, args.source) for directory in directories]
    if len(results) == 1:
        emit(render(results[0], args.format, args.coverage), args.output)
    else:
        emit("".join(render_text(result) for result in results), args.output)
    if args.format == "text":
        for result in results:
            verdict = "sound" if result.ok else f"{len(result.problems)} problem(s)"
            print(f"{displayable(result.directory.name)}: {result.rules} rules, {verdict}", file=sys.stderr)
    if any(unreadable(problem) for result in results for problem in result.problems):
        return 2  # a file of a rulebook is there but cannot be read at all: not a finding about its content
    return 0 if all(result.ok for result in results) else 1


def unreadable(problem: Problem) -> bool:
    """A file that exists but cannot be read (no permission, a folder, a FIFO or device, too large). A missing
    rulebook.yaml is a finding instead: the rulebook is incomplete, and lint says what else is wrong with it."""
    if problem.code in ("E004", "E010"):
        return True
    return problem.code == "E000" and "cannot read" in problem.message and os.path.lexists(problem.file)
