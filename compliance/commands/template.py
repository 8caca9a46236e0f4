"""`compliance template UNIT`: a fill-in report for one unit (填报模板), with only the facts its rules need.

YAML (commented in Chinese) or an Excel workbook (typed cells, drop-down lists, an instruction sheet); both are
generated from the rulebook and read back by `check`, `score` and `assess`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compliance.commands.common import add_rules_option, emit, rulebook
from compliance.templates.needs import unit_template
from compliance.templates.xlsx_template import render_xlsx
from compliance.templates.yaml_template import render_yaml


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("template", help="a unit's fill-in report template (填报模板)", description=__doc__)
    parser.add_argument("unit", metavar="UNIT", help="the unit: its id, Chinese name or alias (see compliance units)")
    parser.add_argument(
        "--format", choices=("xlsx", "yaml"), default=None, help="default: from the -o file's suffix, else yaml"
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", default=None, help="write here (default: UNIT-YEAR.xlsx / .yaml; - is stdout)"
    )
    add_rules_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    book = rulebook(args)
    template = unit_template(book, args.unit)
    chosen = args.format or ("xlsx" if str(args.output or "").lower().endswith(".xlsx") else "yaml")
    output = args.output or f"{template.unit.id}-{template.year}.{chosen}"
    if chosen == "xlsx":
        if output == "-" and sys.stdout.isatty():
            print(
                "compliance: E000 不把工作簿写到终端，请用 -o 文件名.xlsx（a workbook is not for the terminal）",
                file=sys.stderr,
            )
            return 2
        emit(render_xlsx(template), output)
    else:
        emit(render_yaml(template), output)
    if output != "-":
        unit = template.unit
        count = len(template.facts)
        print(f"{Path(output)}：{unit.name}（{unit.id}）{template.year}年度填报模板，{count} 项", file=sys.stderr)
    return 0
