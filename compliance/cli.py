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
# Only the module of the command being run is imported (its libraries with it), so `--help` and every other
# command still work when a library one command needs is missing. The help line of each (what `--help`
# lists) is kept here too; tests/test_packaging.py checks it matches what the module says.
COMMANDS = {
    "check": "one unit's scorecard (自查)",
    "score": "score many reports (files or folders)",
    "units": "list the unit registry: codes, Chinese names, types, aliases (考评对象)",
    "rules": "list the rulebook",
    "assess": "year-end assessment: scores, grades, ranks, rectification lists (考评)",
    "lint": "check a rulebook (exit 0 sound, 1 problems, 2 unreadable)",
    "source": "work with the source document",
    "schema": "print the JSON Schema of a file format",
    "template": "a unit's fill-in report template (填报模板)",
}
# The pip package to install when an import fails, where its name differs from the module's.
PACKAGES = {
    "docx": "python-docx",
    "yaml": "PyYAML",
    "durable_rules_engine": "durable-rules",
    "durable": "durable-rules",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own exit code is 2 as well; keep one message shape
        self.print_usage(sys.stderr)
        sys.stderr.write(f"compliance: error: {message}\n")
        raise SystemExit(2)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser, with the full options of the command named in argv (and only a help line for the others)."""
    parser = _Parser(
        prog="compliance",
        description="政府工作要点考评 — score units' year-end reports against a declarative rulebook.",
    )
    parser.add_argument("--version", action="version", version=f"compliance {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    for name, summary in COMMANDS.items():
        if name == chosen:
            importlib.import_module(f"compliance.commands.{name}").add_parser(sub)
        else:
            sub.add_parser(name, help=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(argv).parse_args(argv)
        code: int = args.run(args)
        return code
    except ModuleNotFoundError as exc:  # a library missing from this installation: say which, and how to get it
        package = PACKAGES.get((exc.name or "").split(".")[0], exc.name)
        print(
            f"compliance: E000 缺少 Python 包 {package}，请安装：pip install {package}"
            f"（the package '{package}' is missing: pip install {package}）",
            file=sys.stderr,
        )
        return 2
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
