"""Unit reports from files and folders (YAML, JSON, JSON Lines, Excel workbooks) -> reports validated by the
rulebook's report model (generated from its facts.yaml), or error rows."""

from __future__ import annotations

import codecs
import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

import orjson
from pydantic import ValidationError

from compliance.errors import ComplianceError, Problem
from compliance.facts.report import ReportHeader
from compliance.loading.documents import (
    MAX_BYTES,
    REPORT,
    Document,
    FieldPath,
    decode,
    format_path,
    json_plainly_strict,
    json_syntax,
    json_too_deep,
    open_regular,
    parse_json,
    parse_yaml,
    read_bytes,
    strict_json_marks,
    validation_problems,
)
from compliance.loading.scan import REPORT_SUFFIXES, STDIN, Unread, is_lock_file, scan

__all__ = ["REPORT_SUFFIXES", "STDIN", "Place", "ReportInput", "expand_paths", "read_report_file"]


@dataclass(frozen=True)
class Place:
    """Where a report's text stands, so problems found after validation (E301–E304: wrong year, unknown unit)
    can name a line and column. Marks known when it was read are kept; JSON text is re-read only when asked."""

    file: str
    first_line: int = 1  # the line a JSON Lines report is on
    marks: Mapping[FieldPath, tuple[int, int]] = field(default_factory=dict)
    text: bytes | str | None = field(default=None, repr=False)  # to locate fields the marks lack

    def locate(self, where: Sequence[str | int]) -> tuple[int | None, int | None]:
        key = tuple(where)
        marks = self.marks if key in self.marks or self.text is None else self._all_marks
        while key not in marks and key:
            key = key[:-1]
        if key in marks:
            return marks[key]
        return (self.first_line, None) if self.first_line > 1 or self.text is not None else (None, None)

    @cached_property
    def _all_marks(self) -> Mapping[FieldPath, tuple[int, int]]:
        try:
            if isinstance(self.text, bytes):
                return strict_json_marks(self.text, self.file, self.first_line)
            assert self.text is not None
            return parse_yaml(self.text, self.file, limits=REPORT).marks
        except ComplianceError:  # the text was read before; marks are a nicety
            return self.marks


@dataclass(frozen=True)
class ReportInput:
    """One report as read: the validated report, or the problems that stopped it (never dropped)."""

    source: str
    digest: str
    report: ReportHeader | None
    problems: tuple[Problem, ...] = ()
    claimed: str | None = None  # the unit_id an invalid report names, so its row still says whose it is
    place: Place | None = field(default=None, repr=False, compare=False)

    def problem(self, code: str, message: str, *where: str | int) -> Problem:
        """A problem with this report, located at a field: `item.problem("E301", "...", "year")`."""
        if self.place is None:
            return Problem(self.source, None, None, code, message, format_path(where))
        line, col = self.place.locate(where)
        return Problem(self.place.file, line, col, code, message, format_path(where))


def _claimed(data: object) -> str | None:
    unit_id = data.get("unit_id") if isinstance(data, dict) else None
    return unit_id.strip() if isinstance(unit_id, str) and unit_id.strip() else None


def unread_row(unread: Unread) -> ReportInput:
    return ReportInput(str(unread.path), "", None, (unread.problem,))


def expand_paths(paths: Iterable[str | Path]) -> list[Path | ReportInput]:
    """Files as given, folders as their report files (sorted), and an invalid row for every path a folder holds
    that could be a report but is not read (see compliance.loading.scan); a missing path is a usage error.
    Every other file a folder holds (a .docx, a .csv, an Excel lock file ~$x.xlsx) is named in one notice."""
    skipped: list[Path] = []
    found = [unread_row(item) if isinstance(item, Unread) else item for item in scan(paths, skipped)]
    if skipped:
        print(skipped_notice(skipped), file=sys.stderr)
    return found


def skipped_notice(skipped: list[Path]) -> str:
    return (
        f"compliance: 未读取 {len(skipped)} 个文件：报告须为 .yaml .yml .json .jsonl 或 .xlsx，"
        f"~$ 开头的是 Excel 锁定文件（{len(skipped)} file(s) not read: not a report format, or an Excel lock file）: "
        + ", ".join(str(p) for p in skipped)
    )


def validate_report(doc: Document, model: type[ReportHeader], raw_yaml: str | None = None) -> ReportInput:
    """A parsed report validated by the rulebook's report model (strict field by field: numbers, flags, dates);
    raw_yaml is its text, re-read for line marks only if it is invalid (and kept to locate later problems)."""
    digest = ""
    place = Place(doc.path, 1, doc.marks, raw_yaml)
    try:
        if not isinstance(doc.data, dict):
            found = "an empty file" if doc.data is None else f"a {type(doc.data).__name__}"
            message = f"报告顶层应为一组「名称: 值」（expected a report (a mapping) at the top level, found {found}）"
            raise ComplianceError(doc.problem("E003", message))
        return ReportInput(doc.path, digest, model.model_validate(doc.data), place=place)
    except ValidationError as exc:
        if raw_yaml is not None:  # parsed fast without line marks: parse again for the lines
            try:
                doc = Document(doc.path, doc.data, parse_yaml(raw_yaml, doc.path, limits=REPORT).marks)
            except ComplianceError as refused:
                if any(p.code != "E001" for p in refused.problems):
                    # the text itself is refused (an integer beyond 64 bits that JSON read as a float): say so
                    return ReportInput(doc.path, digest, None, tuple(refused.problems), _claimed(doc.data), place)
                # E001: JSON that libyaml cannot read (a key over 1,024 characters): the model's problems, unplaced
        problems = tuple(validation_problems(doc, exc, model))
        return ReportInput(doc.path, digest, None, problems, _claimed(doc.data), place)
    except ComplianceError as exc:
        return ReportInput(doc.path, digest, None, tuple(exc.problems), _claimed(doc.data), place)


def _with_digest(item: ReportInput, raw: bytes) -> ReportInput:
    return ReportInput(
        item.source, hashlib.sha256(raw).hexdigest(), item.report, item.problems, item.claimed, item.place
    )


def read_report_file(path: Path, model: type[ReportHeader]) -> Iterator[ReportInput]:
    """Every report in a file: one for YAML/JSON/Excel, one per non-blank line for JSON Lines. A file that cannot
    be read (missing, a FIFO or device, larger than documents.MAX_BYTES) is one invalid row."""
    name = str(path)
    if path.suffix.lower() == ".jsonl":
        try:
            handle = open_regular(path)
        except ComplianceError as exc:
            yield ReportInput(name, "", None, tuple(exc.problems))
            return
        with handle:
            yield from read_jsonl_stream(name, handle, model)
        return
    try:
        raw = read_bytes(path)
    except ComplianceError as exc:
        yield ReportInput(name, "", None, tuple(exc.problems))
        return
    if path.suffix.lower() == ".xlsx" or is_lock_file(path.name):
        from compliance.loading.excel import read_workbook  # on first use: `check` of a YAML report never needs it

        read = read_workbook(name, raw, model)
        yield _with_digest(ReportInput(name, "", read.report, read.problems, _claimed(read.data)), raw)
        return
    is_json = path.suffix.lower() == ".json"
    try:
        text = decode(raw, name)
        if is_json:
            item = validate_report(parse_json(text, name, REPORT), model, raw_yaml=text)
        else:
            item = validate_report(parse_yaml(text, name, with_marks=False, limits=REPORT), model, raw_yaml=text)
    except ComplianceError as exc:
        item = ReportInput(name, "", None, tuple(exc.problems), _claimed_json(raw) if is_json else None)
    yield _with_digest(item, raw)


def _claimed_json(raw: bytes) -> str | None:
    """The unit a JSON report refused while reading (nesting, a duplicate key) names, if JSON can say."""
    try:
        return _claimed(orjson.loads(raw))
    except orjson.JSONDecodeError:
        return None


def jsonl_lines(stream: Iterable[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for every non-blank line of JSON Lines: lines end at LF (a CR before it is dropped),
    and a UTF-8 BOM at the start of the first line (as Excel writes) is not part of the report. A line longer
    than documents.MAX_BYTES is given as None (see `line_too_long`), and never held in memory whole."""
    readline = getattr(stream, "readline", None)
    lines: Iterator[bytes | None] = iter(stream) if readline is None else _bounded(readline)
    for number, line in enumerate(lines, start=1):
        if line is None:
            yield number, None
            continue
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield number, line


def _bounded(readline: Callable[[int], bytes]) -> Iterator[bytes | None]:
    """Lines of at most MAX_BYTES (plus CR LF); None for a longer one, which is skipped a megabyte at a time."""
    while True:
        line = readline(MAX_BYTES + 3)
        if not line:
            return
        if len(line) > MAX_BYTES + 2 and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = readline(1 << 20)
            yield None
            continue
        yield line


def line_too_long(path: str, number: int) -> ReportInput:
    message = f"这一行超过 {MAX_BYTES // 1048576} MB，未读取（line longer than {MAX_BYTES:,} bytes: not read）"
    problem = Problem(path, number, None, "E004", message)
    return ReportInput(f"{path}:{number}", "", None, (problem,))


def report_from_line(path: str, number: int, line: bytes, model: type[ReportHeader]) -> ReportInput | None:
    """One JSON Lines report (None for a blank line); its source is `path:line`."""
    if not line.strip():
        return None
    source = f"{path}:{number}"
    digest = hashlib.sha256(line).hexdigest()
    if len(line) > MAX_BYTES:
        return ReportInput(source, digest, None, line_too_long(path, number).problems)
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if json_too_deep(exc):
            try:
                strict_json_marks(line, path, number)
            except ComplianceError as deep:  # E005, located where nesting passes MAX_DEPTH
                return ReportInput(source, digest, None, tuple(deep.problems))
        problem = Problem(path, number, exc.colno, "E001", json_syntax(exc.msg))
        return ReportInput(source, digest, None, (problem,))
    # Fast path: pydantic validates the line's bytes directly, quicker than validating `data`. The two agree
    # because orjson has read the line first: so it is JSON without NaN, Infinity or a number beyond a double,
    # even in a value a duplicate key discards (pydantic's parser would read those); and a line is taken this
    # way only when `json_plainly_strict` shows that no key is duplicated, no literal rounds to zero and no
    # integer passes 2**53 (pydantic reads integers beyond 64 bits, orjson floats: every integer field of a
    # generated report model stops at int64 anyway). On such JSON both parsers read the same values. Any other
    # line is read closely, and a report pydantic refuses is validated again from `data`, for problems located
    # like any other report's.
    try:
        report = model.model_validate_json(line)
    except ValidationError:
        pass
    else:
        # The model took the line, so every number in it stands in a bounded field of the model (no float
        # beyond the engine's range) and its nesting is the model's: no walk of the values is needed.
        if json_plainly_strict(line, data, walk=None):
            return ReportInput(source, digest, report, place=Place(path, number, {}, line))
    return read_line_closely(path, number, line, data, model)


def read_line_closely(path: str, number: int, line: bytes, data: object, model: type[ReportHeader]) -> ReportInput:
    """The slow way for one JSON Lines report (`data` is orjson's reading of `line`): every field located,
    duplicate keys, numbers and nesting checked, the data validated strictly."""
    source = f"{path}:{number}"
    digest = hashlib.sha256(line).hexdigest()
    try:
        marks = strict_json_marks(line, path, first_line=number)
    except ComplianceError as exc:
        return ReportInput(source, digest, None, tuple(exc.problems), _claimed(data))
    item = validate_report(Document(path, data, marks or {(): (number, 1)}), model)
    return ReportInput(source, digest, item.report, item.problems, item.claimed, Place(path, number, marks, line))


def read_jsonl_stream(name: str, stream: BinaryIO, model: type[ReportHeader]) -> Iterator[ReportInput]:
    """Reports from a JSON Lines stream (standard input is named `-`), read line by line."""
    for number, line in jsonl_lines(stream):
        if line is None:
            yield line_too_long(name, number)
            continue
        item = report_from_line(name, number, line, model)
        assert item is not None  # jsonl_lines skips blank lines
        yield item


def read_reports(paths: Iterable[str | Path], model: type[ReportHeader]) -> Iterator[ReportInput]:
    """Every report under the paths, in order; `-` reads JSON Lines from standard input."""
    for path in expand_paths(paths):
        if isinstance(path, ReportInput):
            yield path
        elif str(path) == STDIN:
            yield from read_jsonl_stream(STDIN, sys.stdin.buffer, model)
        else:
            yield from read_report_file(path, model)
