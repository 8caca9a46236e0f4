"""Parse YAML or JSON text into plain data plus a map from field paths to (line, column)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import BaseModel, ValidationError

from compliance.errors import ComplianceError, Problem
from compliance.messages import chinese_first
from compliance.suggest import did_you_mean, known_fields

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C loader, still safe


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loading with dates left as text, so the models validate them (2018-02-30 gets a field path)."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

FieldPath = tuple[str | int, ...]


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


def _walk(node: yaml.Node, path: FieldPath, marks: dict[FieldPath, tuple[int, int]]) -> None:
    # A mapping value is located at its key (what a reader looks for), so setdefault keeps that.
    marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*path, key_node.value)
            marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(value_node, key, marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), marks)


def parse_yaml(text: str, path: str, *, with_marks: bool = True) -> Document:
    """Safe YAML (libyaml's C loader) into data; with_marks also records every field's line."""
    try:
        if not with_marks:
            return Document(path, yaml.load(text, Loader=_Loader))
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        reason = exc.problem or exc.context or "invalid YAML"
        raise ComplianceError(Problem(path, line, col, "E001", f"YAML syntax error: {reason}")) from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # constructor errors, e.g. unhashable keys
        raise ComplianceError(Problem(path, None, None, "E001", f"YAML error: {exc}")) from None
    marks: dict[FieldPath, tuple[int, int]] = {}
    if node is not None:
        _walk(node, (), marks)
    return Document(path, data, marks)


def parse_json(text: str | bytes, path: str) -> Document:
    try:
        return Document(path, orjson.loads(text))
    except orjson.JSONDecodeError as exc:
        return _json_error(exc, text, path)


def _json_error(exc: orjson.JSONDecodeError, text: str | bytes, path: str) -> Document:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    pos = min(exc.pos, len(raw))
    line = raw.count("\n", 0, pos) + 1
    col = pos - (raw.rfind("\n", 0, pos) + 1) + 1
    raise ComplianceError(Problem(path, line, col, "E001", f"JSON syntax error: {exc.msg}")) from None


def read_text(path: Path) -> str:
    """A file's UTF-8 text (a BOM, as Excel writes, is dropped); unreadable files are input errors."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ComplianceError(Problem(str(path), None, None, "E000", f"cannot read file: {exc.strerror}")) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ComplianceError(
            Problem(str(path), line, None, "E002", "file is not UTF-8 text (save it as UTF-8)")
        ) from None


def parse_file(path: Path, *, with_marks: bool = True) -> Document:
    """Parse a .yaml/.yml/.json file by its suffix."""
    text = read_text(path)
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path))
    return parse_yaml(text, str(path), with_marks=with_marks)


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
        raise ComplianceError(doc.problem("E003", f"expected a mapping ({what}) at the top level, found {found}"))
    return doc.data


def dump_json(data: Any) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
