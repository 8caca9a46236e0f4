"""Unit reports from files and folders (YAML, JSON, JSON Lines) -> validated `UnitReport`s or error rows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from compliance.errors import ComplianceError, Problem
from compliance.loading.documents import Document, parse_json, parse_yaml, read_text, validation_problems
from compliance.model import UnitReport

REPORT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")


@dataclass(frozen=True)
class ReportInput:
    """One report as read: the validated report, or the problems that stopped it (never dropped)."""

    source: str
    digest: str
    report: UnitReport | None
    problems: tuple[Problem, ...] = ()


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders as their report files (sorted); a missing path is a usage error."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES))
        elif path.exists():
            found.append(path)
        else:
            raise ComplianceError(Problem(str(path), None, None, "E000", "no such file or directory"))
    return found


def validate_report(doc: Document, raw_yaml: str | None = None) -> ReportInput:
    digest = ""
    try:
        if not isinstance(doc.data, dict):
            found = "an empty file" if doc.data is None else f"a {type(doc.data).__name__}"
            raise ComplianceError(doc.problem("E003", f"expected a report (a mapping) at the top level, found {found}"))
        return ReportInput(doc.path, digest, UnitReport.model_validate(doc.data))
    except ValidationError as exc:
        if raw_yaml is not None:  # parsed fast without line marks: parse again for the lines
            doc = _marked(raw_yaml, doc)
        return ReportInput(doc.path, digest, None, tuple(validation_problems(doc, exc, UnitReport)))
    except ComplianceError as exc:
        return ReportInput(doc.path, digest, None, tuple(exc.problems))


def _marked(text: str, doc: Document) -> Document:
    # JSON is (nearly) YAML, so the YAML composer gives JSON files their line numbers too
    try:
        return Document(doc.path, doc.data, parse_yaml(text, doc.path).marks)
    except ComplianceError:
        return doc


def _with_digest(item: ReportInput, raw: bytes) -> ReportInput:
    return ReportInput(item.source, hashlib.sha256(raw).hexdigest(), item.report, item.problems)


def read_report_file(path: Path) -> Iterator[ReportInput]:
    """Every report in a file: one for YAML/JSON, one per non-blank line for JSON Lines."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield ReportInput(str(path), "", None, (Problem(str(path), None, None, "E000", f"cannot read file: {exc.strerror}"),))
        return
    if path.suffix.lower() == ".jsonl":
        yield from _read_jsonl(path, raw)
        return
    try:
        text = read_text(path)
        if path.suffix.lower() == ".json":
            item = validate_report(parse_json(text, str(path)), raw_yaml=text)
        else:
            item = validate_report(parse_yaml(text, str(path), with_marks=False), raw_yaml=text)
    except ComplianceError as exc:
        item = ReportInput(str(path), "", None, tuple(exc.problems))
    yield _with_digest(item, raw)


def _read_jsonl(path: Path, raw: bytes) -> Iterator[ReportInput]:
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{path}:{number}"
        try:
            data = orjson.loads(line)
            item = validate_report(Document(str(path), data, {(): (number, 1)}))
            item = ReportInput(source, item.digest, item.report, item.problems)
        except orjson.JSONDecodeError as exc:
            problem = Problem(str(path), number, exc.colno, "E001", f"JSON syntax error: {exc.msg}")
            item = ReportInput(source, "", None, (problem,))
        yield _with_digest(item, line)


def read_reports(paths: Iterable[str | Path]) -> Iterator[ReportInput]:
    for path in expand_paths(paths):
        yield from read_report_file(path)
