"""Options and output plumbing shared by subcommands: --rules, --output, --workers, atomic writes."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from compliance.errors import ComplianceError, Problem
from compliance.lang import Lang, default_lang
from compliance.loading.rulebook import DEFAULT_RULES, LoadedRulebook, load_rulebook
from compliance.parallel import DEFAULT_UNIT_TIMEOUT, default_workers, parallel_unavailable


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
        default=DEFAULT_UNIT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit per report, scaled to each engine batch of 50 (default {DEFAULT_UNIT_TIMEOUT:g})",
    )


def workers(args: argparse.Namespace) -> int | None:
    """--workers, after saying why a request for several cannot be met on this system."""
    reason = parallel_unavailable()
    if reason and args.workers is not None and args.workers > 1:
        print(f"compliance: {reason}", file=sys.stderr)
        return 1
    workers: int | None = args.workers
    return workers


def rulebook(args: argparse.Namespace) -> LoadedRulebook:
    return load_rulebook(args.rules)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A temp file in the same folder, fsynced and renamed over `path` only if the block completes: an
    interrupted run never leaves half a file (and never replaces a good one)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            yield handle
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise _unwritable(path, exc) from None
        try:
            os.chmod(tmp, _mode_for(path))  # mkstemp makes it private; a report is shared like any new file
            os.replace(tmp, path)
        except OSError as exc:
            raise _unwritable(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The mode the file keeps (it is replaced) or a new file would get (0666 less the umask)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _unwritable(path: Path, exc: OSError) -> ComplianceError:
    return ComplianceError(Problem(str(path), None, None, "E000", f"cannot write output: {exc.strerror or exc}"))


@contextlib.contextmanager
def output_stream(output: str) -> Iterator[BinaryIO]:
    """Where results go as they are produced: '-' is standard output, anything else a file written atomically."""
    if output == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    else:
        with atomic_file(Path(output)) as handle:
            yield handle


def emit(text: str | bytes, output: str) -> None:
    """Write a rendered output: '-' is standard output, anything else a file written atomically."""
    with output_stream(output) as handle:
        handle.write(text.encode("utf-8") if isinstance(text, str) else text)
