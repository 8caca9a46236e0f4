"""Options and output plumbing shared by subcommands: --rules, --output, atomic writes."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from compliance.loading.rulebook import DEFAULT_RULES, LoadedRulebook, load_rulebook


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        metavar="DIR",
        type=Path,
        default=None,
        help=f"rulebook directory (default: the bundled {DEFAULT_RULES.name})",
    )


def add_output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", metavar="FILE", default="-", help="write here instead of standard output")


def rulebook(args: argparse.Namespace) -> LoadedRulebook:
    return load_rulebook(args.rules)


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, then rename: an interrupted run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit(text: str | bytes, output: str) -> None:
    """Write a rendered output: '-' is standard output, anything else a file written atomically."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomic(Path(output), data)
