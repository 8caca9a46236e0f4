"""Parse YAML or JSON text into plain data plus a map from field paths to (line, column), within fixed bounds.

Reading is bounded before anything walks the data, because a small file can describe an enormous one:
- YAML is built straight from libyaml's events, never through PyYAML's composer (which recurses in C: with
  libyaml 0.2.5, 50,000 nested brackets crash it) and never by expanding aliases blindly: in a report an
  anchor or alias is an error (reports never need them; a 469-byte "billion laughs" expands to 387 million
  values), in a rulebook aliases may add at most ALIAS_BUDGET values;
- reading stops at the first node nested deeper than MAX_DEPTH: libyaml's parser is incremental, so the rest
  of the text is never parsed (read whole, 50,000 brackets cost libyaml 0.2.5 37 s and 2.5 GB);
- files larger than MAX_BYTES are not read.

Scalars are strict, so no number or unit changes silently:
- YAML is read with the YAML 1.2 core schema: `true`/`false` are the only booleans (`yes`, `on` stay text),
  `1:40` is text, not base 60; an integer with a leading zero (`0100`: 64 in YAML 1.1, 100 in 1.2) is refused
  as ambiguous; timestamps stay text for the models to validate;
- a key written twice is an error naming both places (YAML and JSON alike: the later would silently win);
- no number is infinite, NaN or a literal that rounds to zero (`1e-400`); in a rulebook every number must also
  be one the rule engine compares exactly (compliance.engine.durable): an integer within ±(2**63 - 1), a float
  below 2**63 in size (a report's numbers are bounded by its model, see Limits.engine_range).
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TypeVar

import orjson
import yaml
from pydantic import BaseModel, ValidationError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from compliance.errors import ComplianceError, Problem
from compliance.messages import chinese_first
from compliance.suggest import did_you_mean, known_fields

MAX_BYTES = 16 * 1024 * 1024  # a file (or a JSON Lines line); a report of 120,000 records takes 11 MB of JSON
MAX_DEPTH = 64  # levels of nesting; a report needs 4, a rulebook with examples 8
ALIAS_BUDGET = 10_000  # values that aliases may add to a rulebook file by repeating what they refer to
MAX_PROBLEMS = 50  # problems collected from one file before reading stops
INT_LIMIT = 2**63 - 1  # the engine's integers are 64-bit
FLOAT_LIMIT = 2.0**63  # larger floats cannot be compared exactly with the engine's integers (see durable.py)

FieldPath = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Document:
    """A parsed file: its data and where each field stands (1-based line and column)."""

    path: str
    data: Any
    marks: Mapping[FieldPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, where: Sequence[str | int]) -> tuple[int | None, int | None]:
        """The line and column of a field, or of its nearest ancestor that has one."""
        key = tuple(where)
        while True:
            if key in self.marks:
                return self.marks[key]
            if not key:
                return (None, None)
            key = key[:-1]

    def problem(self, code: str, message: str, where: Sequence[str | int] = ()) -> Problem:
        line, col = self.locate(where)
        return Problem(self.path, line, col, code, message, format_path(where))


def format_path(where: Sequence[str | int]) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True)
class Limits:
    """What a kind of file may use: anchors and aliases (and how much they may repeat), nesting depth."""

    aliases: bool
    alias_budget: int = 0
    depth: int = MAX_DEPTH
    # refuse numbers the engine cannot compare (integers beyond 64 bits, floats of 2**63 or more): a rulebook's
    # targets go to the engine as written; a report's numbers are bounded by its generated model, field by field
    # (a count stops at 2**63 - 1; a percent of 1e300 is data that contradicts itself, never an engine value)
    engine_range: bool = True


REPORT = Limits(aliases=False, engine_range=False)
RULEBOOK = Limits(aliases=True, alias_budget=ALIAS_BUDGET)


# ---------------------------------------------------------------- numbers


def number_problem(value: int | float, engine_range: bool = True) -> str | None:
    """Why the rule engine cannot compare a number exactly (None when it can). The same rule as
    compliance.engine.durable.number_json, stated here so files are refused where they are read. Without
    engine_range only what no reader may accept is refused (NaN, infinities): the range is left to the model
    that validates the data (see Limits.engine_range)."""
    if type(value) is int:
        if not engine_range or -INT_LIMIT <= value <= INT_LIMIT:
            return None
        return f"整数 {_short(value)} 超出规则引擎的64位范围（integer outside ±{INT_LIMIT}, the engine's 64-bit range）"
    if not math.isfinite(value):
        return f"数值 {value} 不是有限数（not a finite number）"
    if engine_range and abs(value) >= FLOAT_LIMIT:
        return f"数值 {value!r} 超出规则引擎可精确比较的范围（beyond ±2**63, which the engine cannot compare exactly）"
    return None


def _short(value: int) -> str:
    text = str(value)
    return text if len(text) <= 30 else f"{text[:12]}…{text[-6:]}（{len(text)}位 digits）"


_DECIMAL = re.compile(r"[-+]?[0-9]+")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
_OCTAL = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")
_NULL = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_NUMBER_START = frozenset("-+.0123456789")
_NONZERO_DIGIT = re.compile(r"[1-9]")

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT_TAG, _BOOL, _NULL_TAG = (_CORE + t for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP = _CORE + "seq", _CORE + "map"


class _Refused(Exception):
    """A problem that stops reading at once (nesting, alias budget): carries its located problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


# ---------------------------------------------------------------- YAML


# libyaml's event parser (iterative: no recursion however deep the text), or PyYAML's own without libyaml
_EventSource: type[yaml.BaseLoader] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class _Builder:
    """Builds plain data (dict, list, str, int, float, bool, None) from YAML events, checking as it goes."""

    def __init__(self, text: str, path: str, limits: Limits, with_marks: bool) -> None:
        self.events: Any = _EventSource(text)  # only its events are used: no composer, constructor or resolver
        self.path = path
        self.limits = limits
        self.with_marks = with_marks
        self.marks: dict[FieldPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # anchor -> (value, expanded size, height)
        self.expanded = 0  # values added by aliases so far

    # -- problems

    def _at(self, mark: Any, code: str, message: str, where: FieldPath = ()) -> Problem:
        return Problem(self.path, mark.line + 1, mark.column + 1, code, message, format_path(where))

    def _note(self, problem: Problem) -> None:
        self.problems.append(problem)
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Refused(problem)

    def _stop(self, mark: Any, code: str, message: str, where: FieldPath = ()) -> NoReturn:
        raise _Refused(self._at(mark, code, message, where))

    # -- the document

    def build(self) -> Any:
        events = self.events
        events.get_event()  # stream start
        if events.check_event(StreamEndEvent):
            return None
        events.get_event()  # document start
        value, _, _ = self._node((), 1)
        events.get_event()  # document end
        if not events.check_event(StreamEndEvent):
            event = events.get_event()
            self._stop(
                event.start_mark,
                "E001",
                "YAML 语法错误：文件中只能有一个文档，却又遇到一个"
                "（YAML syntax error: expected a single document, found another）",
            )
        return value

    def _node(self, where: FieldPath, depth: int) -> tuple[Any, int, int]:
        """(value, expanded size, height) of the next node; `where` is its path, for marks and messages."""
        event = self.events.get_event()
        kind = type(event)
        if kind is AliasEvent:
            return self._alias(event, where, depth)
        if event.anchor is not None and not self.limits.aliases:
            self._stop(
                event.start_mark,
                "E006",
                f"报告中不能使用YAML锚点 &{event.anchor}（anchors and aliases are not allowed in reports: write"
                " the values out）",
                where,
            )
        if self.with_marks and where not in self.marks:
            self.marks[where] = (event.start_mark.line + 1, event.start_mark.column + 1)
        if kind is ScalarEvent:
            value = self._scalar(event, where)
            size = height = 1
        elif depth > self.limits.depth:
            self._stop(
                event.start_mark,
                "E005",
                f"嵌套超过{self.limits.depth}层（nested more than {self.limits.depth} levels deep）",
            )
        elif kind is SequenceStartEvent:
            value, size, height = self._sequence(event, where, depth)
        elif kind is MappingStartEvent:
            value, size, height = self._mapping(event, where, depth)
        else:  # pragma: no cover - libyaml gives only these inside a document
            self._stop(
                event.start_mark,
                "E001",
                f"YAML 语法错误：此处不应出现 {kind.__name__}（YAML syntax error: unexpected {kind.__name__}）",
                where,
            )
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, size, height)  # registered once complete: an alias cannot loop
        return value, size, height

    def _alias(self, event: Any, where: FieldPath, depth: int) -> tuple[Any, int, int]:
        if not self.limits.aliases:
            self._stop(
                event.start_mark,
                "E006",
                f"报告中不能使用YAML别名 *{event.anchor}（anchors and aliases are not allowed in reports: write"
                " the values out）",
                where,
            )
        found = self.anchors.get(event.anchor)
        if found is None:
            self._stop(
                event.start_mark,
                "E006",
                f"别名 *{event.anchor} 没有在它之前定义的锚点（alias to an anchor not defined before it, or to the"
                " value it is inside）",
                where,
            )
        value, size, height = found
        self.expanded += size
        if self.expanded > self.limits.alias_budget:
            self._stop(
                event.start_mark,
                "E006",
                f"别名展开超过{self.limits.alias_budget}个值（aliases repeat more than {self.limits.alias_budget}"
                " values in this file）",
                where,
            )
        if depth + height - 1 > self.limits.depth:
            self._stop(
                event.start_mark,
                "E005",
                f"展开别名后嵌套超过{self.limits.depth}层（nested more than {self.limits.depth} levels deep once"
                " aliases are expanded）",
            )
        if self.with_marks and where not in self.marks:
            self.marks[where] = (event.start_mark.line + 1, event.start_mark.column + 1)
        return value, size, height

    def _sequence(self, start: Any, where: FieldPath, depth: int) -> tuple[list[Any], int, int]:
        self._collection_tag(start, _SEQ, where)
        items: list[Any] = []
        size, height = 1, 1
        events = self.events
        while not events.check_event(SequenceEndEvent):
            value, s, h = self._node((*where, len(items)), depth + 1)
            items.append(value)
            size += s
            height = max(height, h + 1)
        events.get_event()
        return items, size, height

    def _mapping(self, start: Any, where: FieldPath, depth: int) -> tuple[dict[str, Any], int, int]:
        self._collection_tag(start, _MAP, where)
        data: dict[str, Any] = {}
        seen: dict[str, tuple[int, int]] = {}
        size, height = 1, 1
        events = self.events
        while not events.check_event(MappingEndEvent):
            key_event = events.peek_event()
            mark = (key_event.start_mark.line + 1, key_event.start_mark.column + 1)
            if type(key_event) is ScalarEvent:
                events.get_event()
                key: str | None = key_event.value
                if key_event.anchor is not None and not self.limits.aliases:
                    self._stop(
                        key_event.start_mark, "E006", "报告中不能使用YAML锚点（anchors are not allowed in reports）"
                    )
            else:
                self._node((*where, "?"), depth + 1)  # read and drop it
                self._note(
                    Problem(self.path, *mark, "E009", "键必须是文字（a key must be plain text, not a list or mapping）")
                )
                key = None
            first = None
            if key is not None:
                first = seen.get(key)
                if first is not None:
                    self._note(
                        Problem(
                            self.path,
                            *mark,
                            "E007",
                            f"键 '{key}' 重复，第一次在第{first[0]}行第{first[1]}列"
                            f"（duplicate key '{key}', first at line {first[0]} column {first[1]}）",
                            format_path((*where, key)),
                        )
                    )
                else:
                    seen[key] = mark
                if self.with_marks or not where:  # top-level keys always: reports are located by them
                    self.marks[(*where, key)] = mark
            value, s, h = self._node((*where, key if key is not None else "?"), depth + 1)
            if key is not None and first is None:
                data[key] = value
            size += s
            height = max(height, h + 1)
        events.get_event()
        return data, size, height

    def _collection_tag(self, event: Any, expected: str, where: FieldPath) -> None:
        if event.tag not in (None, "!", expected):
            self._note(
                self._at(event.start_mark, "E009", f"不支持的YAML标签 {event.tag}（unsupported YAML tag）", where)
            )

    def _scalar(self, event: Any, where: FieldPath) -> Any:
        text: str = event.value
        tag = event.tag
        if tag is None:
            if not event.implicit[0]:  # quoted: always text
                return text
            return self._plain(event, text, where)
        if tag == "!" or tag == _STR:
            return text
        if tag in (_INT, _FLOAT_TAG, _BOOL, _NULL_TAG):
            value = self._plain(event, text, where, tag)
            if value is text:  # an explicit tag the text does not fit (`!!int abc`)
                self._note(
                    self._at(event.start_mark, "E009", f"'{text}' 不符合标签 {tag}（does not fit its tag）", where)
                )
            return value
        self._note(self._at(event.start_mark, "E009", f"不支持的YAML标签 {tag}（unsupported YAML tag）", where))
        return None

    def _plain(self, event: Any, text: str, where: FieldPath, tag: str | None = None) -> Any:
        """A plain scalar by the YAML 1.2 core schema (or by an explicit core tag)."""
        if tag in (None, _NULL_TAG) and text in _NULL:
            return None
        if tag in (None, _BOOL):
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        if not text or text[0] not in _NUMBER_START:
            return text
        if tag in (None, _INT):
            number: int | float | None = None
            if _DECIMAL.fullmatch(text):
                if _LEADING_ZERO.fullmatch(text):
                    self._note(
                        self._at(
                            event.start_mark,
                            "E008",
                            f"'{text}' 有前导零，YAML 1.1 读作八进制、1.2 读作十进制（a leading zero makes a number"
                            " ambiguous: write it without, or quote it as text）",
                            where,
                        )
                    )
                    return None
                number = int(text)
            elif _OCTAL.fullmatch(text):
                number = int(text[2:], 8)
            elif _HEX.fullmatch(text):
                number = int(text[2:], 16)
            if number is not None:
                return self._checked(event, number, where)
        if tag in (None, _FLOAT_TAG):
            if _FLOAT.fullmatch(text) and (tag == _FLOAT_TAG or not _DECIMAL.fullmatch(text)):
                value = float(text)
                if value == 0 and _NONZERO_DIGIT.search(text.split("e")[0].split("E")[0]):
                    self._note(
                        self._at(
                            event.start_mark,
                            "E008",
                            f"数值 {text} 太小，会被读作0（so small it would be read as 0）",
                            where,
                        )
                    )
                    return None
                return self._checked(event, value, where)
            if _INF.fullmatch(text) or _NAN.fullmatch(text):
                self._note(self._at(event.start_mark, "E008", f"数值 {text} 不是有限数（not a finite number）", where))
                return None
        return text

    def _checked(self, event: Any, value: int | float, where: FieldPath) -> int | float | None:
        why = number_problem(value, self.limits.engine_range)
        if why is None:
            return value
        self._note(self._at(event.start_mark, "E008", why, where))
        return None


_BRACKETS = re.compile(r"[\[\]{}]")
_SCANNER_DEPTH = 900  # libyaml 0.2.6 stops at 1,000 flow levels while scanning ahead, before any event


def _flow_cut(text: str, depth: int = _SCANNER_DEPTH) -> int | None:
    """Where brackets first nest `depth` deep (counting those inside strings too), or None.

    Past MAX_DEPTH the builder stops reading, and libyaml parses incrementally, so the rest of a deep document
    is never read; but libyaml 0.2.6 scans flow brackets far ahead and gives up at 1,000 levels with a syntax
    error. So a text that nests brackets that deep is read only up to there: the builder stops, at the exact
    place, long before the cut."""
    if text.count("[") + text.count("{") < depth:
        return None
    level = 0
    for match in _BRACKETS.finditer(text):
        level += 1 if match[0] in "[{" else -1
        if level >= depth:
            return match.start()
    return None


def _too_deep(text: str, offset: int, path: str) -> NoReturn:
    line, col = _line_col(text, offset)
    raise ComplianceError(
        Problem(path, line, col, "E005", f"嵌套超过{MAX_DEPTH}层（nested more than {MAX_DEPTH} levels deep）")
    )


def _line_col(text: str | bytes, offset: int) -> tuple[int, int]:
    if isinstance(text, bytes):
        text = text[:offset].decode("utf-8", "replace")
        offset = len(text)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse_yaml(text: str, path: str, *, with_marks: bool = True, limits: Limits = RULEBOOK) -> Document:
    """YAML (1.2 core schema, from libyaml's events) into data; with_marks also records every field's line.
    Top-level keys always get their line: reports are located by them (year, unit_id, unit_type)."""
    if len(text) > MAX_BYTES:
        raise ComplianceError(_too_large(path, len(text.encode("utf-8"))))
    cut = _flow_cut(text)
    builder = _Builder(text if cut is None else text[:cut], path, limits, with_marks)
    try:
        data = builder.build()
    except _Refused as exc:
        problems = [*builder.problems, exc.problem] if exc.problem not in builder.problems else builder.problems
        raise ComplianceError(sorted(problems)) from None
    except yaml.MarkedYAMLError as exc:
        if cut is not None:  # the builder did not reach MAX_DEPTH before the cut: brackets inside strings
            _too_deep(text, _flow_cut(text, MAX_DEPTH + 1) or 0, path)
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        reason = exc.problem or exc.context or "invalid YAML"
        message = f"YAML 语法错误（YAML syntax error: {reason}）"
        raise ComplianceError(Problem(path, line, col, "E001", message)) from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise ComplianceError(Problem(path, None, None, "E001", f"YAML 读取错误（YAML error: {exc}）")) from None
    finally:
        builder.events.dispose()
    if builder.problems:
        raise ComplianceError(sorted(builder.problems))
    return Document(path, data, builder.marks)


# ---------------------------------------------------------------- JSON


NOT_UTF8 = "文件不是 UTF-8 文本，请另存为 UTF-8 编码（file is not UTF-8 text: save it as UTF-8）"


def json_syntax(reason: str) -> str:
    """The E001 message for a JSON syntax error, Chinese first."""
    return f"JSON 语法错误（JSON syntax error: {reason}）"


_ZEROS = b"0" * 300  # a literal with this many zeros may round to zero (or lose its digits)


def parse_json(text: str | bytes, path: str, limits: Limits = RULEBOOK) -> Document:
    """JSON (orjson: no NaN, Infinity or number beyond a double) into data, with the same strictness as YAML:
    a duplicate key, a number the engine cannot compare or one that rounds to zero is an error with its place."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > MAX_BYTES:
        raise ComplianceError(_too_large(path, len(raw)))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        _json_error(exc, raw, path)
    if not json_plainly_strict(raw, data, walk=limits):
        strict_json_marks(raw, path, limits=limits)  # raises, located, whatever is wrong
    return Document(path, data)


def json_plainly_strict(raw: bytes, data: Any, *, walk: Limits | None) -> bool:
    """Cheap proof (substring searches and one orjson.dumps, no regex: this runs on every JSON Lines line) that
    JSON text has no duplicate key, no literal that may round to zero and no integer beyond 2**53; with `walk`,
    also no nesting deeper than its depth and (if it says so) no float beyond the engine's range. False means
    "look closely" (`strict_json_marks`), not "wrong". (JSON Lines reports skip the walk: their model bounds
    nesting and numbers, and a walk of a large report costs more than reading it.)

    Duplicates: without `\\u` escapes, every colon in the text belongs to a key or stands inside a string, and
    orjson writes each back once; so the same number of colons in both means no key was dropped."""
    if b"e-" in raw or b"E-" in raw or _ZEROS in raw:
        return False
    try:
        dumped = orjson.dumps(data, option=orjson.OPT_STRICT_INTEGER)  # raises beyond 2**53 or 254 levels
    except orjson.JSONEncodeError:
        return False
    if walk is not None and not _plain_values(data, walk):
        return False
    if b"\\" not in raw or b"\\u" not in raw:
        return raw.count(b":") == dumped.count(b":")
    try:
        json.loads(raw, object_pairs_hook=_unique_pairs)
    except _DuplicateKey:
        return False
    return True


def _plain_values(data: Any, limits: Limits) -> bool:
    """No nesting beyond the limit's depth, and no float beyond the engine's range if the limit asks (integers
    are orjson's to check: it refuses to write back one beyond 2**53)."""
    floats = limits.engine_range
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limits.depth:
            return False
        for child in value.values() if type(value) is dict else value:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif floats and kind is float and not -FLOAT_LIMIT < child < FLOAT_LIMIT:
                return False
    return True


class _DuplicateKey(Exception):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _DuplicateKey
    return data


def strict_json_marks(
    raw: bytes, path: str, first_line: int = 1, limits: Limits = REPORT
) -> dict[FieldPath, tuple[int, int]]:
    """Read JSON text closely: every field's line and column, or the located problems that make it unacceptable
    (duplicate keys, numbers, nesting) raised as a ComplianceError. JSON is (nearly) YAML, so the YAML builder
    does it; JSON that libyaml cannot read (a key over 1,024 characters) is checked without places."""
    text = raw.decode("utf-8", "surrogateescape")
    try:
        doc = parse_yaml(text, path, limits=limits)
    except ComplianceError as exc:
        if any(p.code == "E001" for p in exc.problems):  # libyaml's limits, not JSON's
            _strict_json_unplaced(raw, path, limits)
            return {}
        raise _shifted(exc, first_line) from None
    if first_line == 1:
        return dict(doc.marks)
    return {where: (line + first_line - 1, col) for where, (line, col) in doc.marks.items()}


def _shifted(exc: ComplianceError, first_line: int) -> ComplianceError:
    if first_line == 1:
        return exc
    return ComplianceError(
        [
            Problem(p.file, None if p.line is None else p.line + first_line - 1, p.column, p.code, p.message, p.field)
            for p in exc.problems
        ]
    )


def _strict_json_unplaced(raw: bytes, path: str, limits: Limits) -> None:
    problems: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(items)
        if len(data) != len(items):
            seen: set[str] = set()
            twice = next(k for k, _ in items if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            problems.append(f"E007 键 '{twice}' 重复（duplicate key '{twice}'）")
        return data

    def number(text: str) -> int | float:
        value: int | float = int(text) if _DECIMAL.fullmatch(text) else float(text)
        why = number_problem(value, limits.engine_range)
        if why is None and value == 0 and _NONZERO_DIGIT.search(text.split("e")[0].split("E")[0]):
            why = f"数值 {text} 太小，会被读作0（so small it would be read as 0）"
        if why is not None:
            problems.append(f"E008 {why}")
        return value

    try:
        json.loads(raw, object_pairs_hook=pairs, parse_int=number, parse_float=number)
    except RecursionError:
        problems.append(f"E005 嵌套超过{MAX_DEPTH}层（nested more than {MAX_DEPTH} levels deep）")
    if problems:
        raise ComplianceError([Problem(path, None, None, p[:4], p[5:]) for p in problems])


def _json_error(exc: orjson.JSONDecodeError, raw: bytes, path: str, first_line: int = 1) -> NoReturn:
    if json_too_deep(exc):
        strict_json_marks(raw, path, first_line)  # raises E005 where nesting passes MAX_DEPTH
    line, col = _line_col(raw, min(exc.pos, len(raw)))
    raise ComplianceError(Problem(path, line + first_line - 1, col, "E001", json_syntax(exc.msg))) from None


def json_too_deep(exc: orjson.JSONDecodeError) -> bool:
    """orjson gave up on nesting (past 1,024 levels), which is not a syntax error."""
    return "depth" in exc.msg or "recursion" in exc.msg


# ---------------------------------------------------------------- files


_KINDS = {
    stat.S_IFIFO: "命名管道 FIFO",
    stat.S_IFCHR: "字符设备 character device",
    stat.S_IFBLK: "块设备 block device",
    stat.S_IFSOCK: "套接字 socket",
    stat.S_IFDIR: "文件夹 folder",
}


def special_file_problem(path: Path | str, mode: int) -> Problem | None:
    """Why a path is not read as a file: a FIFO (reading it would wait for a writer forever), a device, a
    socket or a folder. None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kind = _KINDS.get(stat.S_IFMT(mode), "特殊文件 special file")
    if stat.S_ISDIR(mode):
        return Problem(str(path), None, None, "E000", f"是文件夹，不是文件（{kind}, not a file）")
    return Problem(str(path), None, None, "E010", f"不是普通文件，未读取（not a regular file but a {kind}: not read）")


def _too_large(path: str, size: int) -> Problem:
    return Problem(
        path,
        None,
        None,
        "E004",
        f"文件过大（{size / 1048576:.1f} MB，上限 {MAX_BYTES // 1048576} MB）"
        f"（too large: {size:,} bytes; the limit is {MAX_BYTES:,}）",
    )


def open_regular(path: Path) -> BinaryIO:
    """A regular file opened for reading. A FIFO, device or socket is refused before it is opened (opening a
    FIFO waits for a writer forever; a device may do anything), and checked again once open (it may have been
    swapped in between): it is opened without blocking, so even then nothing waits."""
    name = str(path)
    try:
        found = special_file_problem(path, os.stat(path).st_mode)
        if found is None:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            found = special_file_problem(path, os.fstat(fd).st_mode)
            if found is None:
                return os.fdopen(fd, "rb")
            os.close(fd)
    except OSError as exc:
        message = f"无法读取文件（cannot read file: {exc.strerror}）"
        raise ComplianceError(Problem(name, None, None, "E000", message)) from None
    raise ComplianceError(found)


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """A regular file's bytes (see `open_regular`), never more than `limit`: a larger file is an E004 error."""
    name = str(path)
    with open_regular(path) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise ComplianceError(_too_large(name, size))
            raw = handle.read(limit + 1)
        except OSError as exc:
            message = f"无法读取文件（cannot read file: {exc.strerror}）"
            raise ComplianceError(Problem(name, None, None, "E000", message)) from None
    if len(raw) > limit:  # it grew while being read
        raise ComplianceError(_too_large(name, len(raw)))
    return raw


def decode(raw: bytes, path: str) -> str:
    """UTF-8 text (a BOM, as Excel writes, is dropped); anything else is an input error naming the line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ComplianceError(Problem(path, line, None, "E002", NOT_UTF8)) from None


def read_text(path: Path) -> str:
    """A file's UTF-8 text (a BOM, as Excel writes, is dropped); unreadable files are input errors."""
    return decode(read_bytes(path), str(path))


def parse_file(path: Path, *, with_marks: bool = True, limits: Limits = RULEBOOK) -> Document:
    """Parse a .yaml/.yml/.json file by its suffix."""
    text = read_text(path)
    if path.suffix.lower() == ".json":
        doc = parse_json(text, str(path), limits)
        if not with_marks:
            return doc
        try:
            return Document(doc.path, doc.data, strict_json_marks(text.encode("utf-8"), doc.path, limits=limits))
        except ComplianceError:  # cannot happen once parse_json has read it; marks are a nicety anyway
            return doc
    return parse_yaml(text, str(path), with_marks=with_marks, limits=limits)


# ---------------------------------------------------------------- validation


def validate_strict(doc: Document, model: type[M]) -> M:
    """The data validated as JSON in pydantic's strict mode: a date is text ("2018-03-01", never the number
    1519689600), a number is a number (never `true` or "5"), a flag is `true`/`false` (never 1 or "yes").
    Raises ValidationError."""
    try:
        encoded = orjson.dumps(doc.data)
    except (orjson.JSONEncodeError, TypeError):  # parse_yaml and parse_json only give JSON's types
        return model.model_validate(doc.data, strict=True)
    return model.model_validate_json(encoded, strict=True)


def validated(doc: Document, model: type[M], what: str) -> M:
    """`validate_strict` of a mapping, with pydantic's errors as located problems (a ComplianceError)."""
    try:
        return validate_strict(Document(doc.path, as_mapping(doc, what), doc.marks), model)
    except ValidationError as exc:
        raise ComplianceError(validation_problems(doc, exc, model)) from None


def validation_problems(
    doc: Document, exc: ValidationError, model: type[BaseModel], prefix: FieldPath = ()
) -> list[Problem]:
    """Pydantic's errors as located problems, with a did-you-mean hint for unknown keys."""
    problems = []
    for err in exc.errors(include_url=False):
        where = (*prefix, *err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            name = str(where[-1]) if where else ""
            hint = did_you_mean(name, known_fields(model, _strip_union_tags(err["loc"][:-1])))
            msg = f"unknown field '{name}'" + (f" (did you mean '{hint}'?)" if hint else "")
            code = "E102" if hint else "E101"
        elif kind == "missing":
            msg, code = f"required field '{where[-1]}' is missing", "E103"
        else:
            msg, code = err["msg"], "E104"
        msg = chinese_first(err, msg, _strip_union_tags(where))  # 中文（English）
        problems.append(doc.problem(code, msg, _strip_union_tags(where)))
    # one message per field: a union reports each failed member; keep the first of each place and code
    unique: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        unique.setdefault((problem.field, problem.code), problem)
    return sorted(unique.values())


def _strip_union_tags(where: Sequence[Any]) -> FieldPath:
    # pydantic puts union member names (e.g. 'list[StudySession]') into locations; users never wrote them
    return tuple(p for p in where if isinstance(p, int) or not (("[" in p and "]" in p) or p[:1].isupper()))


def as_mapping(doc: Document, what: str) -> Mapping[str, Any]:
    if not isinstance(doc.data, Mapping):
        found = "an empty file" if doc.data is None else f"a {type(doc.data).__name__}"
        message = (
            f"文件顶层应为一组「名称: 值」（{what}）（expected a mapping ({what}) at the top level, found {found}）"
        )
        raise ComplianceError(doc.problem("E003", message))
    return doc.data
