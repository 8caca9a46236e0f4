"""`compliance schema [rules|report|rulebook|units|facts|measures|calendar]`: the JSON Schema of a file format.

`report` is generated from the rulebook's facts.yaml (`--rules DIR`), with each fact's Chinese label as its title
and its description, so an editor explains every field while a clerk types.

So an editor validates while typing. VS Code (YAML extension): map it in settings.json under "yaml.schemas", or put
`# yaml-language-server: $schema=<path to the saved schema>` on the first line of a file.
"""

from __future__ import annotations

import argparse
from typing import Any

import orjson
from pydantic import BaseModel

from compliance.calendar import CalendarFile
from compliance.commands.common import add_output_option, add_rules_option, emit, rulebook
from compliance.facts.declare import FactsFile
from compliance.measures.catalogue import MeasuresFile
from compliance.model import Registry, Rulebook, RuleFile

SCHEMAS: dict[str, tuple[type[BaseModel] | None, str]] = {
    "rules": (RuleFile, "A rule file of a compliance rulebook (rules/*.yaml)"),
    "report": (None, "One unit's year-end report, as this rulebook's facts.yaml declares it"),
    "rulebook": (Rulebook, "A rulebook's metadata (rulebook.yaml)"),
    "units": (Registry, "A rulebook's unit registry (units.yaml)"),
    "facts": (FactsFile, "The facts a unit reports (facts.yaml)"),
    "measures": (MeasuresFile, "The measures rules compare (measures.yaml)"),
    "calendar": (CalendarFile, "A working-day calendar (calendar.yaml)"),
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
    add_rules_option(parser)
    add_output_option(parser)
    parser.set_defaults(run=run)


def json_schema(kind: str, report_model: type[BaseModel] | None = None) -> dict[str, Any]:
    model, title = SCHEMAS[kind]
    model = model or report_model
    assert model is not None, "the report schema needs the rulebook's report model"
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": title}


def run(args: argparse.Namespace) -> int:
    report_model = rulebook(args).report.model if args.kind == "report" else None
    emit(orjson.dumps(json_schema(args.kind, report_model), option=orjson.OPT_INDENT_2) + b"\n", args.output)
    return 0
