"""Folder scans: report files in sorted order, and a named row for every path that could be a report but is not read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compliance.loading.reports import ReportInput, expand_paths
from compliance.loading.scan import Unread, scan


def _tree(root: Path) -> None:
    for name in ("b/2.yaml", "a/1.json", "a-c/x.yml", "a/z/3.jsonl", "top.yaml", "notes.txt", "a/.hidden.yaml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("unit_id: haimen\nyear: 2018\n", encoding="utf-8")


def test_a_plain_tree_is_listed_in_the_order_sorted_rglob_gives(tmp_path: Path) -> None:
    _tree(tmp_path)
    expected = sorted(
        p for p in tmp_path.rglob("*") if p.is_file() and p.suffix.lower() in (".yaml", ".yml", ".json", ".jsonl")
    )
    assert scan([tmp_path]) == expected


def test_an_unreadable_folder_is_a_row_not_silence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # file permissions do not stop root, so the refusal is simulated where the scan meets it
    _tree(tmp_path)
    locked = tmp_path / "b"
    real = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = expand_paths([tmp_path])
    rows = [item for item in found if isinstance(item, ReportInput)]
    assert [(row.source, [p.code for p in row.problems]) for row in rows] == [(str(locked), ["E000"])]
    assert "Permission denied" in rows[0].problems[0].message
    assert tmp_path / "top.yaml" in found and tmp_path / "a" / "1.json" in found


def test_special_files_and_links_are_named_in_place(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("x", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.yaml")
    os.mkfifo(tmp_path / "pipe.txt")  # not a report's name: not a candidate
    os.symlink("missing.yaml", tmp_path / "gone.yaml")
    os.symlink("missing", tmp_path / "gone")  # no report name either
    (tmp_path / "elsewhere").mkdir()
    os.symlink("elsewhere", tmp_path / "linked")
    found = scan([tmp_path])
    named = [(item.path.name, item.problem.code) if isinstance(item, Unread) else item.name for item in found]
    assert named == [("gone.yaml", "E011"), ("linked", "E012"), "ok.yaml", ("pipe.yaml", "E010")]


def test_a_folder_named_through_a_link_is_read(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "r.yaml").write_text("x", encoding="utf-8")
    os.symlink("real", tmp_path / "link")
    assert scan([tmp_path / "link"]) == [tmp_path / "link" / "r.yaml"]
