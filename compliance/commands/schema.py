"""`compliance schema [rules|report|rulebook|units]`: the JSON Schema of a file format, for editors.

So an editor validates while typing. VS Code (YAML extension): map it in settings.json under "yaml.schemas", or put
`# yaml-language-server: $schema=<path to the saved schema>` on the first line of a file.
"""

from __future__ import annotations

import argparse
from typing import Any

import orjson
from pydantic import BaseModel

from compliance.commands.common import add_output_option, emit
from compliance.model import Registry, Rulebook, RuleFile, UnitReport

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "rules": (RuleFile, "A rule file of a compliance rulebook (rules/*.yaml)"),
    "report": (UnitReport, "One unit's year-end report (年度法治政府建设工作报告)"),
    "rulebook": (Rulebook, "A rulebook's metadata (rulebook.yaml)"),
    "units": (Registry, "A rulebook's unit registry (units.yaml)"),
}


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "schema",
        help="print the JSON Schema of a file format",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "kind", nargs="?", choices=tuple(SCHEMAS), default="rules", help="which format (default: rules)"
    )
    add_output_option(parser)
    parser.set_defaults(run=run)


def json_schema(kind: str) -> dict[str, Any]:
    model, title = SCHEMAS[kind]
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": title}


def run(args: argparse.Namespace) -> int:
    emit(orjson.dumps(json_schema(args.kind), option=orjson.OPT_INDENT_2) + b"\n", args.output)
    return 0
