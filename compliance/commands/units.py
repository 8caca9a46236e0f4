"""`compliance units [--type T]`: the unit registry (考评对象) — which code is whose, its type and other names.

A clerk finds their unit's code here. A report may name its unit by that code, by the Chinese name or by any
alias listed; `check` says which registered unit a report will be scored as.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

import orjson
from tabulate import tabulate

from compliance.commands.common import add_lang_option, add_output_option, add_rules_option, emit, lang, rulebook
from compliance.evaluate import Scorecard
from compliance.lang import Lang
from compliance.loading.rulebook import LoadedRulebook, unit_key
from compliance.model import Unit, UnitType
from compliance.plaintext import one_line
from compliance.suggest import did_you_mean


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "units",
        help="list the unit registry: codes, Chinese names, types, aliases (考评对象)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--type", dest="unit_type", metavar="T", default=None, help="only units of this type (its id or Chinese name)"
    )
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
    add_lang_option(parser)
    add_rules_option(parser)
    add_output_option(parser)
    parser.set_defaults(run=run)


def find_type(book: LoadedRulebook, text: str) -> UnitType | None:
    key = unit_key(text)
    return next((t for t in book.registry.types if key in (unit_key(t.id), unit_key(t.name))), None)


def unknown_type(book: LoadedRulebook, text: str) -> str:
    ids = [t.id for t in book.registry.types]
    key = unit_key(text)
    hint = did_you_mean(key, ids) or next((i for i in ids if i.startswith(key)), None)
    shown = one_line(text)
    known = "、".join(f"{t.id}（{t.name}）" for t in book.registry.types)
    return (
        f"--type: E000 没有单位类型「{shown}」" + (f"，您是否指 {hint}？" if hint else "。") + f"可选：{known}"
        f"（no unit type '{shown}'" + (f"; did you mean '{hint}'?" if hint else "") + ")"
    )


def rule_count(book: LoadedRulebook, unit: Unit) -> int:
    """How many rules (machine-checkable or not) apply to the unit: what its report is assessed on."""
    return sum(1 for r in book.rules if unit.type in r.applies_to.types or unit.id in r.applies_to.units)


def unit_rows(book: LoadedRulebook, units: list[Unit]) -> list[dict[str, object]]:
    return [
        {
            "id": u.id,
            "name": u.name,
            "type": u.type,
            "type_name": book.type_name(u.type),
            "aliases": list(u.aliases),
            "rules": rule_count(book, u),
        }
        for u in units
    ]


def _headers(lang: Lang) -> list[str]:
    return [
        lang.label("单位代码", "id"),
        lang.label("名称", "name"),
        lang.label("类型", "type"),
        lang.label("类型名称", "type name"),
        lang.label("别名", "aliases"),
        lang.label("适用规则数", "rules"),
    ]


def render_table(book: LoadedRulebook, rows: list[dict[str, object]], lang: Lang) -> str:
    cells = [
        [one_line(r["id"]), one_line(r["name"]), r["type"], one_line(r["type_name"]), _aliases(r), r["rules"]]
        for r in rows
    ]
    title = (
        f"{book.meta.title.zh} — {lang.label(f'{book.meta.year}年度考评对象', f'units assessed in {book.meta.year}')}"
    )
    return f"{one_line(title)}\n{tabulate(cells, headers=_headers(lang), disable_numparse=[0, 1, 4])}\n"


def render_csv(rows: list[dict[str, object]], lang: Lang) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_headers(lang))
    for r in rows:
        writer.writerow([r["id"], r["name"], r["type"], r["type_name"], _aliases(r), r["rules"]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # a BOM, so Excel reads the Chinese as UTF-8


def _aliases(row: dict[str, object]) -> str:
    aliases = row["aliases"]
    assert isinstance(aliases, list)
    return "、".join(one_line(a) for a in aliases)


def run(args: argparse.Namespace) -> int:
    book = rulebook(args)
    units = list(book.registry.units)
    if args.unit_type is not None:
        found = find_type(book, args.unit_type)
        if found is None:
            print(unknown_type(book, args.unit_type), file=sys.stderr)
            return 2
        units = [u for u in units if u.type == found.id]
    rows = unit_rows(book, units)
    chosen = lang(args)
    if args.format == "json":
        emit(orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n", args.output)
    elif args.format == "csv":
        emit(render_csv(rows, chosen), args.output)
    else:
        emit(render_table(book, rows, chosen), args.output)
    return 0


def registry_notes(book: LoadedRulebook, named: str | None, card: Scorecard) -> list[str]:
    """What `check` says about whose report this is, Chinese first: the registered unit a name or alias was
    resolved to; a loud E305 for a unit outside the registry (scored by its unit_type, never ranked: `assess`
    would grade the real unit as not reported); a did-you-mean for a unit that names nothing registered."""
    if not named:
        return []
    shown = one_line(named)
    source = one_line(card.source)
    unit = book.unit(card.unit_id) if card.registered and card.unit_id else book.resolve_unit(named)
    if unit is not None:
        if unit.id == named:
            return []
        who = f"{unit.id}（{unit.name}，{book.type_name(unit.type)}）"
        if card.problems:
            return [f"提示 hint: 「{shown}」是考评对象 {who}；unit_id 请填 {unit.id}（'{shown}' is unit '{unit.id}'）"]
        return [f"提示 note: 报告中的单位「{shown}」即考评对象 {who}，按该单位评分（scored as unit '{unit.id}'）"]
    near = book.suggest_unit(named)
    hint_zh = f"您是否指 {near.id}（{near.name}）？" if near else ""
    hint_en = f"; did you mean '{near.id}' ({near.name})?" if near else ""
    listing = "用 compliance units 查看考评对象名单（list them with `compliance units`）"
    if card.problems:
        return [f"提示 hint: 单位「{shown}」不在考评对象名单中。{hint_zh}{listing}"]
    kind = book.type_name(card.unit_type or "")
    return [
        f"{source}: E305 单位「{shown}」不在{book.meta.year}年度考评对象名单中：本次按报告所填类型「{kind}」自查，"
        f"但年度考评时不排名；如本单位在名单中，请改填名单中的单位代码，否则名单中的本单位将记为未报送。"
        f"{hint_zh}{listing}（unit '{shown}' is not in the unit registry: checked as a {card.unit_type}, but the "
        f"assessment will not rank it and will grade the registered unit as not reported{hint_en}） [unit_id]"
    ]
