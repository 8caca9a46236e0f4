"""Report paths -> the files to read, in order, and every path that could be a report but is not read, named.

A folder is walked in sorted order (the order of `sorted(Path.rglob())`) without following symbolic links to
folders (a loop, or a walk out of the tree, would follow); a file given by name is taken as given. Nothing a
scan meets is dropped in silence: a dangling link, a folder that cannot be read, a FIFO, device or socket with
a report's name, a symbolic link to a folder each become an `Unread` (an invalid row in every output), and a
special file is never opened (opening a FIFO waits for a writer forever).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from compliance.errors import ComplianceError, Problem
from compliance.loading.documents import special_file_problem

REPORT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".xlsx")
STDIN = "-"  # a path of `-` is JSON Lines on standard input


@dataclass(frozen=True)
class Unread:
    """A path that could hold reports but is not read, and why (it becomes an invalid row)."""

    path: Path
    problem: Problem


def is_lock_file(name: str) -> bool:
    """Excel and WPS leave `~$name.xlsx` beside a workbook that is open: never a report."""
    return name.replace("\\", "/").rsplit("/", 1)[-1].startswith("~$")


def is_report_name(name: str) -> bool:
    """A report's name: its suffix, and not an Excel lock file (`~$name.xlsx`, left beside an open workbook)."""
    return os.path.splitext(name)[1].lower() in REPORT_SUFFIXES and not is_lock_file(name)


def scan(paths: Iterable[str | Path], skipped: list[Path] | None = None) -> list[Path | Unread]:
    """Files as given, folders as their report files (sorted); a path that does not exist is a usage error.
    Regular files a folder holds that are not reports by name are added to `skipped` (to be named)."""
    found: list[Path | Unread] = []
    for raw in paths:
        if str(raw) == STDIN:
            found.append(Path(STDIN))
            continue
        path = Path(raw)
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            if os.path.islink(path):
                message = "符号链接指向的文件不存在（dangling symbolic link: its target does not exist）"
                raise ComplianceError(Problem(str(path), None, None, "E011", message)) from None
            if isinstance(exc, FileNotFoundError | NotADirectoryError):
                message = "文件或文件夹不存在（no such file or directory）"
                raise ComplianceError(Problem(str(path), None, None, "E000", message)) from None
            message = f"无法读取（cannot read: {exc.strerror}）"
            raise ComplianceError(Problem(str(path), None, None, "E000", message)) from None
        if stat.S_ISDIR(mode):
            found.extend(_walk(path, skipped if skipped is not None else []))  # named: read even through a link
        else:
            found.append(path)  # a special file named on purpose is refused when read, as a row of its own
    return found


def _walk(folder: Path, skipped: list[Path]) -> Iterator[Path | Unread]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield Unread(folder, _problem(folder, "E000", f"无法读取文件夹（cannot read folder: {exc.strerror}）"))
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(path, skipped)
                continue
            try:
                mode = entry.stat(follow_symlinks=True).st_mode
            except FileNotFoundError:
                if is_report_name(entry.name):
                    message = "符号链接指向的文件不存在，未读取（dangling symbolic link: not read）"
                    yield Unread(path, _problem(path, "E011", message))
                continue
        except OSError as exc:
            if is_report_name(entry.name):
                yield Unread(path, _problem(path, "E000", f"cannot read: {exc.strerror}"))
            continue
        if stat.S_ISDIR(mode):
            message = (
                "指向文件夹的符号链接，未进入（symbolic link to a folder: not followed; name the folder itself to"
                " read it）"
            )
            yield Unread(path, _problem(path, "E012", message))
        elif not is_report_name(entry.name):
            if stat.S_ISREG(mode):
                skipped.append(path)
        elif stat.S_ISREG(mode):
            yield path
        else:
            special = special_file_problem(path, mode)
            assert special is not None
            yield Unread(path, special)


def _problem(path: Path, code: str, message: str) -> Problem:
    return Problem(str(path), None, None, code, message)
