"""An independent minimal evaluator of a rulebook: plain dicts in, the product's verdict summary per unit out.

The honest baseline for the benchmark (issue 11) and a second opinion on every verdict. It shares no code with
the product (there is no `import compliance` here, and a test runs it with `compliance` unimportable): it reads
the rulebook's YAML with PyYAML, interprets the measure vocabulary (count, sum, rate, days, each, deadline,
change, value: README "Measures") in plain Python over the dicts `orjson.loads` gives, compares with Python's
operators, and gives per unit what `compliance score` gives: pass / fail / invalid and how many applicable rules
gave each status (pass, fail, not_applicable, not_reported, error).

Same semantics as the product, written afresh from the README and the vocabulary's docstrings: records dated
outside the assessment year and duplicates (the `distinct` key) are not counted; `per:` periods and per-record
kinds (`days`, `each`) pass only if every one meets the target, and a record that is not done (no end date, no
value) fails; 0/0 is not applicable and a numerator above its denominator an error; working days come from
calendar.yaml (the first day not counted) and a date it does not cover is an error; a unit fails when a rule gives
fail, not_reported or error, unless that rule is a bonus item (加分项).

What makes a report invalid here is deliberately less than the product's validation, and no message is kept:
- the JSON or YAML does not parse; the report is not a mapping;
- the header: `unit_id` (text: a unit's id, Chinese name or alias, matched ignoring case, width and spaces) and
  `year` (an integer) present, `unit_type` a slug, the other header fields of the right kind; the year is not the
  rulebook's, the unit is unknown without a `unit_type`, contradicts the registry, or names an unknown type;
- keys: an unknown key at any level (report, group, record, rate, milestone), a required record field missing;
- shapes: records a list of mappings, groups, rates and milestones mappings; a rate's parts both given or
  neither, numbers where numbers belong; a record date before the date it must not precede (`not_before`);
- values a measure reads: dates written YYYY-MM-DD, numbers, flags, choices and text of the declared type.
A bad value in a record field no applicable measure reads passes unnoticed here, and so do what the product's
stricter reading refuses (tests/hostile/): duplicate keys, YAML anchors and YAML 1.1's yes/on booleans and
octals, numbers beyond the product's bounds. On the generated benchmark data, the samples and every rule example
both agree on every report (tests/test_benchmarks.py).

It reads YAML, JSON and JSON Lines reports (not Excel workbooks):

    python -m benchmarks.minimal sample_reports [--rules DIR] [--output FILE]   # JSON Lines [source, status, counts]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import operator
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

import orjson
import yaml

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "rules" / "nantong-2018"
STATUSES = ("pass", "fail", "not_applicable", "not_reported", "error")
HEADER = ("unit_id", "year", "unit_name", "unit_type", "submitted", "contact")
REPORT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
SLUG = re.compile(r"[a-z][a-z0-9_-]*")
INT64 = 2**63 - 1
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}

# A measured metric is one of: a number (compared with the target); a str (a status without a comparison:
# not_reported, not_applicable, error); a tuple (values, undone) where every value must meet the target and
# `undone` records fail outright.
Metric = Any
Record = dict[str, Any]
Getter = Callable[[Record], Any]


class Refused(Exception):
    """The report is not valid: its unit is scored `invalid`. (Messages never show the value: a value nested a
    thousand levels deep must not cost a RecursionError.)"""


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML with dates left as written, so a report's dates are checked like JSON's (2018-02-30 is refused,
    not an exception from the loader)."""


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def unit_key(text: str) -> str:
    """A unit's id or name as a clerk may type it: full-width made half-width (NFKC), any case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)


# ---------------------------------------------------------------- values


def read_date(value: Any) -> dt.date:
    """A report date: text YYYY-MM-DD (a date object only from a caller that already parsed one)."""
    if type(value) is str:
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise Refused("not a date YYYY-MM-DD")
    if type(value) is dt.date:
        return value
    raise Refused(f"not a date: a {type(value).__name__}")


def _text(value: Any) -> str:
    if type(value) is not str or not value.strip():
        raise Refused(f"not text: a {type(value).__name__}")
    return value.strip()


def _number(value: Any, whole: bool, low: float | None = None, high: float | None = None) -> int | float:
    kind = type(value)
    if kind is int:
        if not -INT64 <= value <= INT64:
            raise Refused(f"integer out of range: {value}")
    elif kind is not float or whole or not math.isfinite(value):
        raise Refused(f"not {'a whole number' if whole else 'a number'}: a {type(value).__name__}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise Refused(f"out of range: {value}")
    return value  # type: ignore[no-any-return]


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise Refused(f"not true/false: a {type(value).__name__}")
    return value


def _field_reader(spec: dict[str, Any]) -> Callable[[Any], Any]:
    """A record field's value as its declared type (None stays None: the field was not given)."""
    name, kind = spec["id"], spec["type"]
    if kind == "date":
        return lambda record: None if (v := record.get(name)) is None else read_date(v)
    if kind == "text":
        return lambda record: None if (v := record.get(name)) is None else _text(v)
    if kind == "flag":
        return lambda record: None if (v := record.get(name)) is None else _flag(v)
    if kind == "choice":
        values = frozenset(spec["values"])

        def choice(record: Record) -> Any:
            v = record.get(name)
            if v is not None and (type(v) is not str or v not in values):
                raise Refused("not one of the choices")
            return v

        return choice
    whole, low, high = kind == "integer", spec.get("minimum"), spec.get("maximum")
    return lambda record: None if (v := record.get(name)) is None else _number(v, whole, low, high)


# ---------------------------------------------------------------- the rulebook


@dataclass(frozen=True)
class FactSpec:
    """A declared fact: where the report keeps it and what shape it has."""

    id: str
    key: str
    group: str | None
    type: str
    fields: dict[str, dict[str, Any]]
    required: tuple[str, ...]
    ordered: tuple[tuple[str, str], ...]  # (later, earlier) date fields: not_before
    previous_year: bool

    def getter(self) -> Callable[[Record], Any]:
        key, group = self.key, self.group
        if group is None:
            return lambda report: report.get(key)
        return lambda report: None if (g := report.get(group)) is None else g.get(key)


class Calendar:
    """Working days from calendar.yaml: Monday to Friday, minus holidays, plus make-up working days."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.years = frozenset(data["years"])
        holidays = {day for entry in data.get("holidays") or () for day in self._days(entry)}
        workdays = {day for entry in data.get("workdays") or () for day in self._days(entry)}
        first, last = dt.date(min(self.years), 1, 1), dt.date(max(self.years), 12, 31)
        self.first = first.toordinal()
        days = (dt.date.fromordinal(n) for n in range(self.first, last.toordinal() + 1))
        self.running = list(accumulate(d in workdays or (d.weekday() < 5 and d not in holidays) for d in days))

    @staticmethod
    def _days(entry: Any) -> list[dt.date]:
        if isinstance(entry, dt.date):
            return [entry]
        first, _, last = str(entry).strip().partition("..")
        start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
        return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]

    def working_days(self, start: dt.date, end: dt.date) -> int | None:
        """Working days after `start` up to and including `end`; None if the calendar does not cover them."""
        if any(year not in self.years for year in range(start.year, end.year + 1)):
            return None
        return self.running[end.toordinal() - self.first] - self.running[start.toordinal() - self.first]


@dataclass(frozen=True)
class Check:
    rule_id: str
    types: frozenset[str]
    units: frozenset[str]
    measure: str
    compare: Callable[[Any, Any], bool]
    target: int | float
    bonus: bool  # a bonus item (加分项): falling short of it does not fail the unit


class Rulebook:
    """A rulebook folder read with PyYAML: header, registry, facts, measures compiled to closures, checks."""

    def __init__(self, folder: Path = DEFAULT_RULES) -> None:
        meta = _yaml(folder / "rulebook.yaml")
        registry = _yaml(folder / "units.yaml")
        facts = _yaml(folder / "facts.yaml")
        self.year: int = meta["year"]
        self.types = frozenset(t["id"] for t in registry["types"])
        self.units: dict[str, str] = {u["id"]: u["type"] for u in registry["units"]}
        self.names: dict[str, str] = {}  # how a report may name a unit -> its id: ids first, then names, aliases
        for unit in registry["units"]:
            self.names.setdefault(unit_key(unit["id"]), unit["id"])
        for unit in registry["units"]:
            self.names.setdefault(unit_key(unit["name"]), unit["id"])
        for unit in registry["units"]:
            for alias in unit.get("aliases") or ():
                self.names.setdefault(unit_key(alias), unit["id"])
        calendar_file = folder / "calendar.yaml"
        self.calendar = Calendar(_yaml(calendar_file)) if calendar_file.exists() else None
        self.facts: dict[str, FactSpec] = {}
        for fact in facts["facts"]:
            fields = {f["id"]: f for f in fact.get("fields") or ()}
            self.facts[fact["id"]] = FactSpec(
                id=fact["id"],
                key=fact.get("key") or fact["id"],
                group=fact.get("group"),
                type=fact["type"],
                fields=fields,
                required=tuple(f["id"] for f in fields.values() if f.get("required")),
                ordered=tuple((f["id"], f["not_before"]) for f in fields.values() if f.get("not_before")),
                previous_year=bool(fact.get("previous_year")),
            )
        self.groups: dict[str, dict[str, FactSpec]] = {g["id"]: {} for g in facts.get("groups") or ()}
        self.top: dict[str, FactSpec] = {}
        for spec in self.facts.values():
            if spec.group is None:
                self.top[spec.key] = spec
            else:
                self.groups.setdefault(spec.group, {})[spec.key] = spec
        self.keys = frozenset((*HEADER, *self.top, *self.groups))
        self.check_top = {key: fact_checker(spec) for key, spec in self.top.items()}
        self.check_groups = {
            group: {key: fact_checker(spec) for key, spec in members.items()} for group, members in self.groups.items()
        }
        self.measures = {m["id"]: _compile_measure(m, self) for m in _yaml(folder / "measures.yaml")["measures"]}
        self.checks: list[Check] = []
        for path in sorted(p for p in (folder / "rules").glob("*") if p.suffix.lower() in (".yaml", ".yml", ".json")):
            for rule in _yaml(path)["rules"]:
                check = rule.get("check")
                if check is None:
                    continue  # not_checkable: no verdict
                applies = rule["applies_to"]
                self.checks.append(
                    Check(
                        rule["id"],
                        frozenset(applies.get("types") or ()),
                        frozenset(applies.get("units") or ()),
                        check["measure"],
                        COMPARE[check["op"]],
                        check["target"],
                        bool(rule.get("bonus")),
                    )
                )
        self.named = frozenset(u for c in self.checks for u in c.units)


# ---------------------------------------------------------------- measures


def _condition(field: dict[str, Any], spec: Any) -> Callable[[Any], bool]:
    """A `where:` condition on one field's value (the value is known to be given, except for `present`)."""

    def literal(value: Any) -> Any:
        return read_date(str(value) if isinstance(value, dt.date) else value) if field["type"] == "date" else value

    if not isinstance(spec, dict):
        wanted = literal(spec)
        return lambda value: value == wanted
    ((op, raw),) = spec.items()
    if op == "present":
        return lambda value: (value is not None) == raw
    if op in ("in", "not_in"):
        options = frozenset(literal(v) for v in raw)
        return (lambda value: value in options) if op == "in" else (lambda value: value not in options)
    compare, wanted = COMPARE[op], literal(raw)
    return lambda value: compare(value, wanted)


class Selection:
    """The records a measure reads: filtered, dated in the year, de-duplicated."""

    def __init__(self, args: dict[str, Any], book: Rulebook) -> None:
        self.fact = book.facts[args["fact"]]
        self.records = self.fact.getter()
        readers = {name: _field_reader(spec) for name, spec in self.fact.fields.items()}
        self.readers = readers
        self.date = readers[args["date"]] if args.get("date") else None
        self.year = book.year
        tests: list[tuple[Getter, Callable[[Any], bool], bool]] = []
        for name, spec in (args.get("where") or {}).items():
            present = isinstance(spec, dict) and "present" in spec
            tests.append((readers[name], _condition(self.fact.fields[name], spec), present))
        self.tests = tuple(tests)
        self.key = tuple(readers[name] for name in args.get("distinct") or ())

    def matches(self, record: Record) -> bool:
        for read, test, present in self.tests:
            value = read(record)
            if (value is None and not present) or not test(value):
                return False
        return True

    def pick(self, records: list[Record]) -> list[tuple[Record, dt.date | None]]:
        """The records that count, with their dates: matching, dated in the year, each distinct key once."""
        picked = []
        seen: set[tuple[Any, ...]] = set()
        date, key, year, tests = self.date, self.key, self.year, self.tests
        for record in records:
            if tests and not self.matches(record):
                continue
            day = None
            if date is not None:
                day = date(record)
                if day is None or day.year != year:
                    continue
            if key:
                identity = tuple([read(record) for read in key])
                if identity in seen:
                    continue
                seen.add(identity)
            picked.append((record, day))
        return picked


def _period(per: str | None) -> tuple[int, Callable[[dt.date], int]] | None:
    if per is None:
        return None
    if per == "month":
        return 12, lambda day: day.month - 1
    if per == "quarter":
        return 4, lambda day: (day.month - 1) // 3
    return 2, lambda day: 0 if day.month <= 6 else 1


def _tidy(value: float) -> int | float:
    """9 decimals at most, whole numbers as integers: a sum of 0.1s is compared as people would read it."""
    rounded = round(value, 9)
    return int(rounded) if rounded == int(rounded) else rounded


def _count(args: dict[str, Any], book: Rulebook) -> Callable[[Record], Metric]:
    select, period = Selection(args, book), _period(args.get("per"))
    declared = book.facts[args["declared"]].getter() if args.get("declared") else None

    def measure(report: Record) -> Metric:
        records = select.records(report)
        if records is None:
            total = declared(report) if declared is not None else None
            if total is None or period is not None:
                return "not_reported"
            return total
        picked = select.pick(records)
        if period is None:
            return len(picked)
        size, index = period
        tally = [0] * size
        for _, day in picked:
            tally[index(day)] += 1  # type: ignore[arg-type]
        return (tally, 0)

    return measure


def _sum(args: dict[str, Any], book: Rulebook) -> Callable[[Record], Metric]:
    select, period = Selection(args, book), _period(args.get("per"))
    value_of = select.readers[args["field"]]

    def measure(report: Record) -> Metric:
        records = select.records(report)
        if records is None:
            return "not_reported"
        total: float = 0
        sums: list[float] = [0] * (period[0] if period else 0)
        for record, day in select.pick(records):
            value = value_of(record)
            if value is None:
                continue  # no value: adds nothing
            total += value
            if period is not None:
                sums[period[1](day)] += value  # type: ignore[arg-type]
        return ([_tidy(s) for s in sums], 0) if period is not None else _tidy(total)

    return measure


def _ratio(n: int, d: int) -> Metric:
    if n > d:
        return "error"
    if d == 0:
        return "not_applicable"
    return n * 100 / d


def _rate_of(parts: Record | None) -> Metric:
    if parts is None:
        return "not_reported"
    n, d = parts.get("numerator"), parts.get("denominator")
    if n is not None and d is not None:
        return _ratio(n, d)
    percent = parts.get("percent")
    if percent is None:
        return "not_reported"
    return "error" if percent > 100 else percent


def _rate(args: dict[str, Any], book: Rulebook) -> Callable[[Record], Metric]:
    if args.get("fact"):
        get = book.facts[args["fact"]].getter()
        return lambda report: _rate_of(get(report))
    top, bottom = Selection(args["numerator"], book), Selection(args["denominator"], book)

    def measure(report: Record) -> Metric:
        upper, lower = top.records(report), bottom.records(report)
        if upper is None or lower is None:
            return "not_reported"
        return _ratio(len(top.pick(upper)), len(bottom.pick(lower)))

    return measure


def _days(args: dict[str, Any], book: Rulebook) -> Callable[[Record], Metric]:
    select = Selection(args, book)
    start_of, end_of = select.readers[args["from"]], select.readers[args["to"]]
    calendar = book.calendar if args.get("working") else None
    exempt = args.get("exempt")
    flag_of = select.readers[exempt["if"]] if exempt else None
    reason_of = select.readers[exempt["because"]] if exempt else None
    date, year = select.date, book.year

    def measure(report: Record) -> Metric:
        records = select.records(report)
        if records is None:
            return "not_reported"
        values: list[int] = []
        undone = 0
        for record in records:  # every record in the year is judged: no de-duplication here
            if select.tests and not select.matches(record):
                continue
            if date is not None and (day := date(record)) is not None and day.year != year:
                continue
            if flag_of is not None and flag_of(record) and reason_of(record):  # type: ignore[misc]
                continue  # exempt, with its justification written
            start, end = start_of(record), end_of(record)
            if start is None or end is None:
                undone += 1
                continue
            if end < start:
                return "error"
            if calendar is None:
                values.append((end - start).days)
                continue
            working = calendar.working_days(start, end)
            if working is None:
                return "error"
            values.append(working)
        if not values and not undone:
            return "not_applicable"
        return (values, undone)

    return measure


def _each(args: dict[str, Any], book: Rulebook) -> Callable[[Record], Metric]:
    select = Selection(args, book)
    value_of = select.readers[args["field"]]

    def measure(report: Record) -> Metric:
        records = select.records(report)
        if records is None:
            return "not_reported"
        values = []
        undone = 0
        for record, _ in select.pick(records):
            value = value_of(record)
            if value is None:
                undone += 1
            else:
                values.append(value)
        if not values and not undone:
            return "not_applicable"
        return (values, undone)

    return measure


def _deadline(args: dict[str, Any], book: Rulebook) -> Callable[[Record], Metric]:
    get = book.facts[args["fact"]].getter()
    year = book.year + (1 if args.get("year") == "next" else 0)
    if args.get("due"):
        month, day = (int(part) for part in str(args["due"]).split("-"))
        due = dt.date(year, month, day)
    else:
        due = dt.date(year, 12, 31)
    start = dt.date.min if args.get("since") == "any" else dt.date(book.year, 1, 1)

    def measure(report: Record) -> Metric:
        milestone = get(report)
        if milestone is None:
            return "not_reported"
        return 1 if start <= read_date(milestone["completed"]) <= due else 0

    return measure


def _change(args: dict[str, Any], book: Rulebook) -> Callable[[Record], Metric]:
    get = book.facts[args["fact"]].getter()

    def measure(report: Record) -> Metric:
        parts = get(report)
        current = _rate_of(parts)
        if type(current) is str:
            return current
        previous = parts.get("previous_year_percent")
        if previous is None:
            return "not_reported"
        if current == 100 and previous == 100:
            return "not_applicable"
        return round(current - previous, 9)

    return measure


def _value(args: dict[str, Any], book: Rulebook) -> Callable[[Record], Metric]:
    get = book.facts[args["fact"]].getter()

    def measure(report: Record) -> Metric:
        value = get(report)
        if value is None:
            return "not_reported"
        return int(value) if type(value) is bool else value

    return measure


KINDS: dict[str, Callable[[dict[str, Any], Rulebook], Callable[[Record], Metric]]] = {
    "count": _count,
    "sum": _sum,
    "rate": _rate,
    "days": _days,
    "each": _each,
    "deadline": _deadline,
    "change": _change,
    "value": _value,
}


def _compile_measure(declared: dict[str, Any], book: Rulebook) -> Callable[[Record], Metric]:
    (kind,) = (k for k in KINDS if k in declared)
    return KINDS[kind](declared[kind], book)


# ---------------------------------------------------------------- the structural check


def fact_checker(spec: FactSpec) -> Callable[[Any], object]:
    """The structural check of one fact's value (not None), worked out once per rulebook; raises Refused."""
    name = spec.id
    if spec.type == "records":
        fields, required, ordered = frozenset(spec.fields), spec.required, spec.ordered

        def records(value: Any) -> None:
            if type(value) is not list:
                raise Refused(f"{name}: not a list")
            for record in value:
                if type(record) is not dict or not record.keys() <= fields:
                    raise Refused(f"{name}: not a record, or an unknown field")
                if required and None in map(record.get, required):
                    raise Refused(f"{name}: a required field is missing")
                for later, earlier in ordered:
                    end, start = record.get(later), record.get(earlier)
                    if end is not None and start is not None and read_date(end) < read_date(start):
                        raise Refused(f"{name}: {later} before {earlier}")

        return records
    if spec.type == "rate":
        allowed = frozenset(("numerator", "denominator", "percent", *(("previous_year_percent",) * spec.previous_year)))

        def rate(value: Any) -> None:
            if type(value) is not dict or not value.keys() <= allowed:
                raise Refused(f"{name}: not a rate")
            n, d = value.get("numerator"), value.get("denominator")
            if (n is None) != (d is None):
                raise Refused(f"{name}: numerator and denominator go together")
            if n is not None:
                _number(n, True, 0)
                _number(d, True, 0)
            if value.get("percent") is not None:
                _number(value["percent"], False, 0)
            if value.get("previous_year_percent") is not None:
                _number(value["previous_year_percent"], False, 0, 100)

        return rate
    if spec.type == "milestone":

        def milestone(value: Any) -> None:
            if type(value) is not dict or value.keys() != {"completed", "document_no"}:
                raise Refused(f"{name}: a milestone is {{completed, document_no}}")
            read_date(value["completed"])
            _text(value["document_no"])

        return milestone
    if spec.type == "count":
        return lambda value: _number(value, True, 0)
    if spec.type == "number":
        return lambda value: _number(value, False)
    return lambda value: _flag(value)


def check_report(book: Rulebook, report: Any) -> tuple[str, str]:
    """The report's unit (its registered id if it names one) and unit type, or Refused: keys, shapes and header
    (see the module docstring)."""
    if type(report) is not dict or not report.keys() <= book.keys:
        raise Refused("not a report, or an unknown key")
    unit_id, year, unit_type = report.get("unit_id"), report.get("year"), report.get("unit_type")
    if type(unit_id) is not str or not 1 <= len(unit_id := unit_id.strip()) <= 100:
        raise Refused("unit_id")
    if type(year) is not int or not 1990 <= year <= 2100:
        raise Refused("year")
    if unit_type is not None and (type(unit_type) is not str or not SLUG.fullmatch(unit_type := unit_type.strip())):
        raise Refused("unit_type")
    for name in ("unit_name", "contact"):
        if report.get(name) is not None:
            _text(report[name])
    if report.get("submitted") is not None:
        read_date(report["submitted"])
    top, groups = book.check_top, book.check_groups
    for key, value in report.items():
        if value is None:
            if key in groups:
                raise Refused(f"{key}: a group cannot be null")
            continue
        check = top.get(key)
        if check is not None:
            check(value)
            continue
        members = groups.get(key)
        if members is None:
            continue  # a header field, checked above
        if type(value) is not dict or not value.keys() <= members.keys():
            raise Refused(f"{key}: not a mapping, or an unknown key")
        for member, inner in value.items():
            if inner is not None:
                members[member](inner)
    if unit_id not in book.units:  # not an id as registered: perhaps a name or an alias
        unit_id = book.names.get(unit_key(unit_id), unit_id)
    registered = book.units.get(unit_id)
    if year != book.year:
        raise Refused("another year")
    if registered is not None and unit_type is not None and unit_type != registered:
        raise Refused("unit_type contradicts the registry")
    kind = registered or unit_type
    if kind is None or kind not in book.types:
        raise Refused("unknown unit or unit type")
    return unit_id, kind


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Verdict:
    """One unit: its status and how many applicable rules gave each status; `rules` pairs each rule with its."""

    source: str
    unit_id: str | None
    status: str
    counts: tuple[int, int, int, int, int]
    rules: tuple[tuple[str, str], ...] = ()


NO_COUNTS = (0, 0, 0, 0, 0)
BAD = frozenset(("fail", "not_reported", "error"))  # any of these in a rule that is not a bonus fails the unit


class Evaluator:
    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self._applicable: dict[tuple[str, str], tuple[Check, ...]] = {}

    def applicable(self, unit_id: str, unit_type: str) -> tuple[Check, ...]:
        key = (unit_id if unit_id in self.book.named else "", unit_type)
        found = self._applicable.get(key)
        if found is None:
            found = tuple(c for c in self.book.checks if unit_type in c.types or unit_id in c.units)
            self._applicable[key] = found
        return found

    def judge(self, source: str, report: Any) -> Verdict:
        try:
            unit_id, unit_type = check_report(self.book, report)
            checks = self.applicable(unit_id, unit_type)
            measures = self.book.measures
            metrics: dict[str, Metric] = {}
            statuses: list[str] = []
            for check in checks:
                name = check.measure
                metric = metrics[name] if name in metrics else metrics.setdefault(name, measures[name](report))
                if isinstance(metric, str):
                    statuses.append(metric)
                elif isinstance(metric, tuple):
                    values, undone = metric
                    compare, target = check.compare, check.target
                    ok = not undone and all(compare(v, target) for v in values)
                    statuses.append("pass" if ok else "fail")
                else:
                    statuses.append("pass" if check.compare(metric, check.target) else "fail")
        except Refused:
            claimed = report.get("unit_id") if type(report) is dict else None
            claimed = claimed.strip() or None if type(claimed) is str else None
            return Verdict(source, claimed, "invalid", NO_COUNTS)
        counts = (
            statuses.count("pass"),
            statuses.count("fail"),
            statuses.count("not_applicable"),
            statuses.count("not_reported"),
            statuses.count("error"),
        )
        bad = any(status in BAD and not check.bonus for check, status in zip(checks, statuses, strict=True))
        rules = tuple(zip((c.rule_id for c in checks), statuses, strict=True))
        return Verdict(source, unit_id, "fail" if bad else "pass", counts, rules)

    def unreadable(self, source: str) -> Verdict:
        return Verdict(source, None, "invalid", NO_COUNTS)


# ---------------------------------------------------------------- reading


def _report_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES)
        else:
            yield path


def judge_lines(evaluator: Evaluator, name: str, lines: Iterable[bytes]) -> Iterator[Verdict]:
    """JSON Lines: one verdict per non-blank line, sourced `name:line` (a BOM before the first is dropped)."""
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        line = line.rstrip(b"\r\n")
        if not line.strip():
            continue
        source = f"{name}:{number}"
        try:
            report = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield evaluator.unreadable(source)
            continue
        yield evaluator.judge(source, report)


def judge_paths(evaluator: Evaluator, paths: Iterable[str | Path]) -> Iterator[Verdict]:
    for path in _report_files(paths):
        name = str(path)
        if path.suffix.lower() == ".jsonl":
            with path.open("rb") as handle:
                yield from judge_lines(evaluator, name, handle)
            continue
        try:
            text = path.read_bytes().decode("utf-8-sig")
            report = orjson.loads(text) if path.suffix.lower() == ".json" else yaml.load(text, Loader=_YamlLoader)
        except (OSError, UnicodeDecodeError, orjson.JSONDecodeError, yaml.YAMLError):
            yield evaluator.unreadable(name)
            continue
        yield evaluator.judge(name, report)


def score_paths(paths: Iterable[str | Path], rules: Path = DEFAULT_RULES) -> Iterator[Verdict]:
    """A verdict for every report under `paths` (files, folders, JSON Lines), in order."""
    return judge_paths(Evaluator(Rulebook(rules)), paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.minimal", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path, help="report files, folders or JSON Lines")
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--output", type=Path, help="JSON Lines out (default: standard output)")
    args = parser.parse_args(argv)
    out = args.output.open("wb") if args.output else sys.stdout.buffer
    try:
        for verdict in score_paths(args.paths, args.rules):
            out.write(orjson.dumps([verdict.source, verdict.status, verdict.counts]) + b"\n")
    finally:
        if args.output:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
