"""`compliance rules`: the rulebook as a table or JSON (every rule, machine-checkable or not)."""

from __future__ import annotations

import argparse
from typing import Any

import orjson
from tabulate import tabulate

from compliance.commands.common import add_output_option, add_rules_option, emit, rulebook
from compliance.loading.rulebook import LoadedRulebook, PlacedRule
from compliance.model import Rule, Veto
from compliance.results import number


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("rules", help="list the rulebook", description=__doc__)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    add_rules_option(parser)
    add_output_option(parser)
    parser.set_defaults(run=run)


def rule_data(placed: PlacedRule) -> dict[str, Any]:
    rule = placed.rule
    data: dict[str, Any] = {
        "id": rule.id,
        "item": rule.source.item,
        "at": rule.source.at,
        "section": placed.section,
        "clause": rule.source.clause,
        "title": rule.title.zh,
        "title_en": rule.title.en,
        "applies_to": {"types": list(rule.applies_to.types), "units": list(rule.applies_to.units)},
        "machine_checkable": rule.checkable,
        "points": number(rule.points),
        "veto": rule.is_veto,
        "veto_consequence": rule.veto.model_dump(exclude_none=True) if isinstance(rule.veto, Veto) else None,
        "group": rule.group,
        "bonus": rule.bonus,
    }
    if rule.check is not None:
        data |= {
            "measure": rule.check.measure,
            "op": rule.check.op.value,
            "target": number(rule.check.target),
            "unit": rule.unit,
            "scoring": rule.scoring.model_dump(),
        }
    else:
        data["not_checkable"] = rule.not_checkable.model_dump(mode="json") if rule.not_checkable else None
    if rule.note:
        data["note"] = rule.note
    return data


def _points(rule: Rule) -> str:
    """分值, marked when the rule is a bonus (加分) or one deduction of a group (扣分组)."""
    shown = str(number(rule.points))
    if rule.bonus:
        return f"+{shown} 加分"
    return f"{shown} 组{rule.group}" if rule.group else shown


def render_table(book: LoadedRulebook) -> str:
    rows = []
    for placed in book.placed:
        rule = placed.rule
        scope = ", ".join([*rule.applies_to.types, *rule.applies_to.units])
        if rule.check is not None:
            requirement = f"{rule.check.measure} {rule.check.op.value} {number(rule.check.target)} {rule.unit}"
        else:
            requirement = "（不可机读 not machine-checkable）"
        rows.append(
            [
                rule.id,
                rule.source.at or rule.source.item,
                rule.title.zh,
                scope,
                requirement,
                _points(rule),
                "否决" if rule.is_veto else "",
            ]
        )
    headers = ["规则 rule", "条 item", "要求 title", "适用 applies to", "指标 check", "分值 points", "一票否决 veto"]
    return f"{book.meta.title.zh}（{book.meta.source.number}）\n" + tabulate(rows, headers=headers) + "\n"


def run(args: argparse.Namespace) -> int:
    book = rulebook(args)
    if args.format == "json":
        emit(orjson.dumps([rule_data(p) for p in book.placed], option=orjson.OPT_INDENT_2) + b"\n", args.output)
    else:
        emit(render_table(book), args.output)
    return 0
