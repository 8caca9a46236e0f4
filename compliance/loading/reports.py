"""Unit reports from files and folders (YAML, JSON, JSON Lines, Excel workbooks) -> reports validated by the
rulebook's report model (generated from its facts.yaml), or error rows."""

from __future__ import annotations

import codecs
import hashlib
import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson
from pydantic import ValidationError

from compliance.errors import ComplianceError, Problem
from compliance.facts.report import ReportHeader
from compliance.loading.documents import Document, parse_json, parse_yaml, read_text, validation_problems
from compliance.loading.excel import is_lock_file, read_workbook

REPORT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".xlsx")
STDIN = "-"  # a path of `-` is JSON Lines on standard input


@dataclass(frozen=True)
class ReportInput:
    """One report as read: the validated report, or the problems that stopped it (never dropped)."""

    source: str
    digest: str
    report: ReportHeader | None
    problems: tuple[Problem, ...] = ()
    claimed: str | None = None  # the unit_id an invalid report names, so its row still says whose it is


def _claimed(data: object) -> str | None:
    unit_id = data.get("unit_id") if isinstance(data, dict) else None
    return unit_id.strip() if isinstance(unit_id, str) and unit_id.strip() else None


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders as their report files (sorted); a missing path is a usage error. Every file a
    folder holds that is not read (a .docx, a .csv, an Excel lock file ~$x.xlsx) is named in one notice."""
    found: list[Path] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if str(raw) == STDIN:
            found.append(path)
        elif path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                readable = file.suffix.lower() in REPORT_SUFFIXES and not is_lock_file(file.name)
                (found if readable else skipped).append(file)
        elif path.exists():
            found.append(path)
        else:
            raise ComplianceError(Problem(str(path), None, None, "E000", "no such file or directory"))
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
    digest = ""
    try:
        if not isinstance(doc.data, dict):
            found = "an empty file" if doc.data is None else f"a {type(doc.data).__name__}"
            raise ComplianceError(doc.problem("E003", f"expected a report (a mapping) at the top level, found {found}"))
        return ReportInput(doc.path, digest, model.model_validate(doc.data))
    except ValidationError as exc:
        if raw_yaml is not None:  # parsed fast without line marks: parse again for the lines
            doc = _marked(raw_yaml, doc)
        problems = tuple(validation_problems(doc, exc, model))
        return ReportInput(doc.path, digest, None, problems, _claimed(doc.data))
    except ComplianceError as exc:
        return ReportInput(doc.path, digest, None, tuple(exc.problems), _claimed(doc.data))


def _marked(text: str, doc: Document) -> Document:
    # JSON is (nearly) YAML, so the YAML composer gives JSON files their line numbers too. Line numbers are a
    # nicety: a document nested deeper than Python's recursion limit (orjson reads 1,024 levels) goes without.
    try:
        return Document(doc.path, doc.data, parse_yaml(text, doc.path).marks)
    except (ComplianceError, RecursionError):
        return doc


def _with_digest(item: ReportInput, raw: bytes) -> ReportInput:
    return ReportInput(item.source, hashlib.sha256(raw).hexdigest(), item.report, item.problems, item.claimed)


def read_report_file(path: Path, model: type[ReportHeader]) -> Iterator[ReportInput]:
    """Every report in a file: one for YAML/JSON, one per non-blank line for JSON Lines."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = Problem(str(path), None, None, "E000", f"cannot read file: {exc.strerror}")
        yield ReportInput(str(path), "", None, (problem,))
        return
    if path.suffix.lower() == ".jsonl":
        yield from read_jsonl_stream(str(path), io.BytesIO(raw), model)
        return
    if path.suffix.lower() == ".xlsx" or is_lock_file(path.name):
        read = read_workbook(str(path), raw, model)
        yield _with_digest(ReportInput(str(path), "", read.report, read.problems, _claimed(read.data)), raw)
        return
    try:
        text = read_text(path)
        if path.suffix.lower() == ".json":
            item = validate_report(parse_json(text, str(path)), model, raw_yaml=text)
        else:
            item = validate_report(parse_yaml(text, str(path), with_marks=False), model, raw_yaml=text)
    except ComplianceError as exc:
        item = ReportInput(str(path), "", None, tuple(exc.problems))
    yield _with_digest(item, raw)


def jsonl_lines(stream: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number, line) for every non-blank line of JSON Lines: lines end at LF (a CR before it is dropped),
    and a UTF-8 BOM at the start of the first line (as Excel writes) is not part of the report."""
    for number, line in enumerate(stream, start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield number, line


def report_from_line(path: str, number: int, line: bytes, model: type[ReportHeader]) -> ReportInput | None:
    """One JSON Lines report (None for a blank line); its source is `path:line`."""
    if not line.strip():
        return None
    source = f"{path}:{number}"
    digest = hashlib.sha256(line).hexdigest()
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        problem = Problem(path, number, exc.colno, "E001", f"JSON syntax error: {exc.msg}")
        return ReportInput(source, digest, None, (problem,))
    # Fast path: pydantic validates the line's bytes directly, quicker than validating `data`. The two agree
    # because orjson has read the line first: so it is JSON without NaN, Infinity or a number beyond a double,
    # even in a value a duplicate key discards (pydantic's parser would read those), and on such JSON both
    # parsers read the same values (the last of duplicate keys wins, floats are correctly rounded) except
    # integers beyond 64 bits, which orjson reads as floats: every integer field of a generated report model
    # stops at int64, so pydantic refuses those too and the line goes the slow way, where orjson's reading
    # decides. A report pydantic refuses is validated again from `data`, for problems located like any other.
    try:
        return ReportInput(source, digest, model.model_validate_json(line))
    except ValidationError:
        pass
    item = validate_report(Document(path, data, {(): (number, 1)}), model)
    return ReportInput(source, digest, item.report, item.problems, item.claimed)


def read_jsonl_stream(name: str, stream: BinaryIO, model: type[ReportHeader]) -> Iterator[ReportInput]:
    """Reports from a JSON Lines stream (standard input is named `-`), read line by line."""
    for number, line in jsonl_lines(stream):
        item = report_from_line(name, number, line, model)
        assert item is not None  # jsonl_lines skips blank lines
        yield item


def read_reports(paths: Iterable[str | Path], model: type[ReportHeader]) -> Iterator[ReportInput]:
    """Every report under the paths, in order; `-` reads JSON Lines from standard input."""
    for path in expand_paths(paths):
        if str(path) == STDIN:
            yield from read_jsonl_stream(STDIN, sys.stdin.buffer, model)
        else:
            yield from read_report_file(path, model)
