"""JSON Lines reading: the fast path (pydantic validating the bytes) and the slow one (orjson, then the model)
must accept and reject exactly the same lines and give the same report; every reader numbers lines alike."""

from __future__ import annotations

import io
import random
import types
import typing
from pathlib import Path

import orjson
import pytest
import typing_extensions
from pydantic import BaseModel
from typing_extensions import is_typeddict

from benchmarks.generate import generate
from compliance.errors import ComplianceError, Problem
from compliance.loading import reports
from compliance.loading.documents import json_syntax, strict_json_marks
from compliance.loading.reports import (
    ReportInput,
    read_jsonl_stream,
    read_line_closely,
    read_report_file,
    report_from_line,
)
from compliance.loading.rulebook import load_rulebook
from compliance.parallel import pieces, read_piece

BASE = b'{"unit_id":"haimen","year":2018'

MODEL = load_rulebook().report.model


def slow(line: bytes) -> ReportInput:
    """The reference: orjson reads the line, the text is read closely (duplicate keys, numbers, every field's
    place) and the model validates the data, as every YAML and JSON file is read."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if "depth" in exc.msg:
            try:
                strict_json_marks(line, "p")
            except ComplianceError as deep:
                return ReportInput("p:1", "", None, tuple(deep.problems))
        return ReportInput("p:1", "", None, (Problem("p", 1, exc.colno, "E001", json_syntax(exc.msg)),))
    return read_line_closely("p", 1, line, data, MODEL)


def outcome(item: ReportInput) -> tuple[str, tuple[object, ...], str | None]:
    # repr, not ==: 1 == 1.0 and 0.0 == -0.0, but a report must not change type or sign between the paths
    return repr(item.report), item.problems, item.claimed


ADVERSARIAL = {
    "plain": BASE + b"}",
    "duplicate key, last wins": b'{"unit_id":"haimen","year":2018,"unit_id":"qidong"}',
    "duplicate key, first invalid": b'{"unit_id":"haimen","year":"x","year":2018}',
    "duplicate key hides 1e400": BASE + b',"rates":{"court_appearance":{"percent":1e400,"percent":5}}}',
    "duplicate key hides -1e400": BASE + b',"contact":-1e400,"contact":"x"}',
    "duplicate key hides a 400-digit int": BASE + b',"contact":1' + b"0" * 400 + b',"contact":"x"}',
    "duplicate key hides a huge int": BASE
    + b',"declared":{"law_study_sessions":'
    + b"9" * 25
    + b',"law_study_sessions":1}}',
    "duplicate key hides NaN": BASE + b',"rates":{"court_appearance":{"percent":NaN,"percent":5}}}',
    "duplicate key hides a lone surrogate": BASE + b',"unit_name":"\\ud800","unit_name":"ok"}',
    "duplicate key hides invalid UTF-8": BASE + b',"unit_name":"\xff","unit_name":"ok"}',
    "1e400": BASE + b',"rates":{"court_appearance":{"percent":1e400}}}',
    "1e-400": BASE + b',"rates":{"court_appearance":{"percent":1e-400}}}',
    "largest double": BASE + b',"rates":{"court_appearance":{"percent":1.7976931348623157e308}}}',
    "just past the largest double": BASE + b',"rates":{"court_appearance":{"percent":1.7976931348623159e308}}}',
    "NaN": BASE + b',"rates":{"court_appearance":{"percent":NaN}}}',
    "nan": BASE + b',"rates":{"court_appearance":{"percent":nan}}}',
    "Infinity": BASE + b',"rates":{"court_appearance":{"percent":Infinity}}}',
    "-Infinity": BASE + b',"rates":{"court_appearance":{"percent":-Infinity}}}',
    "nested NaN in a list": BASE + b',"training_classes":[{"start_date":"2018-01-01","title":"t","participants":NaN}]}',
    "-0 count": BASE + b',"rates":{"court_appearance":{"numerator":-0,"denominator":1}}}',
    "-0.0 percent": BASE + b',"rates":{"court_appearance":{"percent":-0.0}}}',
    "1.0 for a count": BASE + b',"declared":{"law_study_sessions":1.0}}',
    "1e0 for a count": BASE + b',"declared":{"law_study_sessions":1e0}}',
    "int for a percent": BASE + b',"rates":{"court_appearance":{"percent":100}}}',
    "year 2018.0": b'{"unit_id":"haimen","year":2018.0}',
    "year 2.018e3": b'{"unit_id":"haimen","year":2.018e3}',
    "year 2018.5": b'{"unit_id":"haimen","year":2018.5}',
    "year true": b'{"unit_id":"haimen","year":true}',
    "year as text": b'{"unit_id":"haimen","year":"2018"}',
    "year huge": b'{"unit_id":"haimen","year":' + b"9" * 30 + b"}",
    "count 2**63-1": BASE + b',"declared":{"law_study_sessions":9223372036854775807}}',
    "count 2**63": BASE + b',"declared":{"law_study_sessions":9223372036854775808}}',
    "count 2**64-1": BASE + b',"declared":{"law_study_sessions":18446744073709551615}}',
    "count 2**64": BASE + b',"declared":{"law_study_sessions":18446744073709551616}}',
    "percent as a huge int": BASE + b',"rates":{"court_appearance":{"percent":' + b"1" * 30 + b"}}}",
    "lone high surrogate": BASE + b',"unit_name":"\\ud800"}',
    "lone low surrogate": BASE + b',"unit_name":"\\udc00"}',
    "reversed surrogate pair": BASE + b',"unit_name":"\\udc00\\ud800"}',
    "surrogate pair": BASE + b',"unit_name":"\\ud83d\\ude00"}',
    "invalid UTF-8": BASE + b',"unit_name":"\xff\xfe"}',
    "overlong UTF-8": BASE + b',"unit_name":"\xc0\xaf"}',
    "UTF-8-encoded surrogate": BASE + b',"unit_name":"\xed\xa0\x80"}',
    "code point past U+10FFFF": BASE + b',"unit_name":"\xf4\x90\x80\x80"}',
    "BOM": b"\xef\xbb\xbf" + BASE + b"}",
    "BOM in a string": BASE + b',"unit_name":"\xef\xbb\xbfx"}',
    "NUL escape": BASE + b',"unit_name":"a\\u0000b"}',
    "raw control character": BASE + b',"unit_name":"a\x01b"}',
    "raw tab": BASE + b',"unit_name":"a\tb"}',
    "escaped key": b'{"unit\\u005fid":"haimen","year":2018}',
    "top-level array": b"[" + BASE + b"}]",
    "null": b"null",
    "number": b"2018",
    "string": b'"haimen"',
    "empty object": b"{}",
    "trailing garbage": BASE + b"} x",
    "two objects": BASE + b"}" + BASE + b"}",
    "trailing comma": BASE + b",}",
    "single quotes": b"{'unit_id':'haimen','year':2018}",
    "leading zero": b'{"unit_id":"haimen","year":02018}',
    "plus sign": b'{"unit_id":"haimen","year":+2018}',
    "form feed as space": b"\x0c" + BASE + b"}",
    "no-break space as space": BASE + b",\xc2\xa0" + b'"contact":"x"}',
    "CR inside": BASE + b',\r"contact":"x"}',
    "nested 300 deep": BASE + b',"unit_name":' + b"[" * 300 + b"]" * 300 + b"}",
    "nested 2000 deep": BASE + b',"unit_name":' + b"[" * 2000 + b"]" * 2000 + b"}",
    "date as a timestamp": BASE + b',"submitted":1521504000}',
    "date as a float timestamp": BASE + b',"submitted":1521504000.0}',
    "date as a timestamp string": BASE + b',"submitted":"1521504000"}',
    "date with a time": BASE + b',"submitted":"2018-03-20T00:00:00"}',
    "date 2018-02-30": BASE + b',"submitted":"2018-02-30"}',
    "bool from 1": BASE + b',"draft_regulations":[{"title":"t","confidential":1}]}',
    "bool from 1.0": BASE + b',"draft_regulations":[{"title":"t","confidential":1.0}]}',
    "bool from yes": BASE + b',"draft_regulations":[{"title":"t","confidential":"yes"}]}',
    "bool from 2": BASE + b',"draft_regulations":[{"title":"t","confidential":2}]}',
    "unknown field": BASE + b',"law_study_sesions":[]}',
    "whitespace-only text": BASE + b',"contact":"   "}',
    "padded id": b'{"unit_id":"  haimen  ","year":2018}',
}


def _keys(shape: type) -> dict[str, object]:
    """The keys a report writes at one level of the model (records, rates and milestones are TypedDicts)."""
    if is_typeddict(shape):
        return typing.get_type_hints(shape, include_extras=True)
    return {field.alias or attribute: field.annotation for attribute, field in shape.model_fields.items()}


def _int_fields(model: type, prefix: tuple[str, ...] = ()) -> typing.Iterator[tuple[str, ...]]:
    """Every path to an int field of the report model (found from the model, so new fields are covered)."""
    for name, annotation in _keys(model).items():
        for kind in _kinds(annotation):
            if isinstance(kind, type) and (issubclass(kind, BaseModel) or is_typeddict(kind)):
                yield from _int_fields(kind, (*prefix, name))
            elif kind is int:
                yield (*prefix, name)


def _kinds(annotation: object) -> typing.Iterator[object]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Annotated, typing.NotRequired, typing.Required, typing_extensions.NotRequired):
        yield from _kinds(typing.get_args(annotation)[0])
    elif origin in (typing.Union, types.UnionType, tuple, list):
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                yield from _kinds(arg)
    else:
        yield annotation


def _line_with(path: tuple[str, ...], value: bytes) -> bytes:
    """A report holding `value` at `path` (a list where the model has records), with what the rest needs."""
    required = {
        "training_classes": {"start_date": "2018-01-01", "title": "t"},
        "review_committee_sessions": {"date": "2018-01-01", "title": "t"},
    }
    data: dict[str, object] = {"unit_id": "haimen", "year": 2018}
    node = data
    for step in path[:-1]:
        child: dict[str, object] = dict(required.get(step, {}))
        node[step] = [child] if step in required else child
        node = child
    node[path[-1]] = "@@"
    if path[0] == "rates":
        node.setdefault("denominator" if path[-1] == "numerator" else "numerator", 1)
    return orjson.dumps(data).replace(b'"@@"', value)


def big_int_lines() -> dict[str, bytes]:
    fields = sorted(_int_fields(MODEL))
    assert ("declared", "law_study_sessions") in fields and ("training_classes", "participants") in fields
    lines = {}
    for path in fields:
        assert slow(_line_with(path, b"2018")).report is not None  # valid but for the numbers put in below
        for value in (b"9223372036854775808", b"18446744073709551616", b"9" * 40, b"1" + b"0" * 400, b"-" + b"9" * 25):
            lines[f"{'.'.join(path)} = {value[:12].decode()}..."] = _line_with(path, value)
    return lines


def mutated_lines(count: int) -> list[bytes]:
    rng = random.Random(2018)
    base = list(generate(60, seed=5))
    tokens = [b"1e400", b"-1e400", b"1" + b"0" * 400, b"\\ud800", b"\\udc00", b"NaN", b"Infinity", b"-0", b"1.0",
              b"99999999999999999999999", b"18446744073709551616", b"\xef\xbb\xbf", b"\xff", b'"x":1,', b"null",
              b"true", b"\\u0000", b"1E+2", b"2018", b'"2018-02-30"', b"[]", b"{}"]  # fmt: skip
    out = []
    for _ in range(count):
        line = bytearray(rng.choice(base))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(line) + 1)
            if rng.random() < 0.5:
                line[at:at] = rng.choice(tokens)
            elif at < len(line):
                line[at] = rng.choice(b'{}[]",:0123456789eE+-. tfn\\')
        out.append(bytes(line))
    return out


CASES = {**ADVERSARIAL, **big_int_lines()}


@pytest.mark.parametrize("line", CASES.values(), ids=CASES.keys())
def test_fast_and_slow_paths_agree(line: bytes) -> None:
    got = report_from_line("p", 1, line, MODEL)
    assert got is not None
    assert outcome(got) == outcome(slow(line))


def test_fast_and_slow_paths_agree_on_mutated_reports() -> None:
    lines = mutated_lines(3000)
    got = [report_from_line("p", 1, line, MODEL) for line in lines]
    disagree = [line for line, item in zip(lines, got, strict=True) if not item or outcome(item) != outcome(slow(line))]
    assert disagree == []
    assert sum(1 for line in lines if slow(line).report is not None) >= 50  # some were still valid reports


def test_valid_lines_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [line for line in generate(50, seed=9) if slow(line).report is not None]
    expected = [outcome(slow(line)) for line in lines]
    assert len(lines) > 40

    def refuse(*args: object, **kwargs: object) -> ReportInput:
        raise AssertionError("the slow path was taken")

    monkeypatch.setattr(reports, "read_line_closely", refuse)
    assert [outcome(item) for line in lines if (item := report_from_line("p", 1, line, MODEL))] == expected


# ---------------------------------------------------------------- reading JSON Lines files and streams


def _all_readers(path: Path) -> list[list[tuple[str, str | None, tuple[str, ...]]]]:
    """What each reader makes of a JSON Lines file: (source, unit_id, problem codes) per report."""

    def summary(items: typing.Iterable[ReportInput]) -> list[tuple[str, str | None, tuple[str, ...]]]:
        return [(i.source, i.report.unit_id if i.report else None, tuple(p.code for p in i.problems)) for i in items]

    return [
        summary(read_report_file(path, MODEL)),
        summary(read_jsonl_stream(str(path), io.BytesIO(path.read_bytes()), MODEL)),
        summary(read_piece(piece, MODEL) for piece in pieces([path])),
    ]


def test_a_bom_before_the_first_line_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + BASE + b"}\r\n" + b'{"unit_id":"qidong","year":2018}\r\n')
    for read in _all_readers(path):
        assert read == [(f"{path}:1", "haimen", ()), (f"{path}:2", "qidong", ())]


def test_a_bom_alone_on_the_first_line_is_a_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf\n" + BASE + b"}\n")
    for read in _all_readers(path):
        assert read == [(f"{path}:2", "haimen", ())]


def test_a_bom_after_the_first_line_is_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(BASE + b"}\n\xef\xbb\xbf" + BASE + b"}\n")
    for read in _all_readers(path):
        assert read == [(f"{path}:1", "haimen", ()), (f"{path}:2", None, ("E001",))]


def test_every_reader_numbers_lines_alike(tmp_path: Path) -> None:
    # lines end at LF; stray CRs before it are dropped; a CR elsewhere does not start a line
    path = tmp_path / "cr.jsonl"
    path.write_bytes(BASE + b"}\r\r\n\n" + BASE + b"}\r" + BASE + b"}\n" + b'{"unit_id":"qidong","year":2018}')
    reads = _all_readers(path)
    assert reads[0] == reads[1] == reads[2]
    assert [source for source, _, _ in reads[0]] == [f"{path}:1", f"{path}:3", f"{path}:4"]


def test_a_report_nested_too_deep_is_an_invalid_row_at_the_level_too_deep(tmp_path: Path) -> None:
    # orjson reads up to 1024 levels; this report is refused where nesting passes MAX_DEPTH (64): the report is
    # level 1, so the 64th bracket opens level 65
    path = tmp_path / "deep.json"
    path.write_bytes(BASE + b',"unit_name":' + b"[" * 1000 + b"]" * 1000 + b"}")
    (item,) = read_report_file(path, MODEL)
    assert item.report is None and item.claimed == "haimen"
    column = len(BASE + b',"unit_name":') + 64
    assert [(p.code, p.line, p.column) for p in item.problems] == [("E005", 1, column)]


MISSPELT = [
    (
        '"law_study_sessions":[{"dat":"2018-01-02","topic":"t","format":"集体学法"}]',
        "law_study_sessions[0].dat",
        "date",
    ),
    (
        '"rates":{"court_appearance":{"numerator":1,"denominator":2,"previous_percent":5}}',
        "rates.court_appearance.previous_percent",
        "previous_year_percent",
    ),
    (
        '"milestones":{"annual_work_plan":{"completed":"2018-02-01","document":"x"}}',
        "milestones.annual_work_plan.document",
        "document_no",
    ),
]


@pytest.mark.parametrize(("fact", "where", "suggested"), MISSPELT)
def test_a_misspelt_key_inside_a_record_rate_or_milestone_is_named_with_the_key_meant(
    fact: str, where: str, suggested: str
) -> None:
    """Records, rates and milestones are validated as plain dicts (TypedDicts): the did-you-mean hint still looks
    inside them for the keys they allow."""
    item = report_from_line("p", 1, BASE + b"," + fact.encode() + b"}", MODEL)
    assert item is not None and item.report is None
    unknown = [p for p in item.problems if p.code == "E102"]
    assert len(unknown) == 1 and f"did you mean '{suggested}'" in unknown[0].message and where in str(unknown[0])
