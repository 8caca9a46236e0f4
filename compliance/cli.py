"""argv -> options -> run -> exit code. Exit 0 clean, 1 findings, 2 usage or input error."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from compliance import __version__
from compliance.errors import ComplianceError

# One module per subcommand under compliance/commands/, each with add_parser(subparsers) and run(args) -> int.
COMMANDS = ("check", "score", "units", "rules", "assess", "lint", "source", "schema", "template")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own exit code is 2 as well; keep one message shape
        self.print_usage(sys.stderr)
        sys.stderr.write(f"compliance: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="compliance",
        description="政府工作要点考评 — score units' year-end reports against a declarative rulebook.",
    )
    parser.add_argument("--version", action="version", version=f"compliance {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"compliance.commands.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        code: int = args.run(args)
        return code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    except ComplianceError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        print("compliance: interrupted; no output file was left half-written", file=sys.stderr)
        return 130
    except OSError as exc:  # an output that cannot be written, a disk that filled up: a message, not a traceback
        where = exc.filename if exc.filename is not None else "compliance"
        print(f"{where}: E000 {exc.strerror or exc}", file=sys.stderr)
        return 2


def _terminated(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: temp files removed, workers ended


def entrypoint() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    sys.exit(main(sys.argv[1:]))
