"""Deliberately broken rulebooks (tests/broken_rulebooks/<case>/) each give the expected code at the expected line.

A case holds the files it changes (overlaid on a copy of the bundled rulebook, or with `base: madeup` of the
made-up test rulebook in tests/rulebooks/madeup-county-2025), optional text `edits`
of bundled files, and `expect.yaml`: the problems that must be reported (code, file, line, column (null
for none), and optionally text the message must contain). Unless `others: allow`, no other problem may appear;
problems outside the files the case touches are never allowed, since the bundled rulebook is sound.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.cli import main
from compliance.loading.rulebook import DEFAULT_RULES

CASES = Path(__file__).parent / "broken_rulebooks"
BASES = {"bundled": DEFAULT_RULES, "madeup": Path(__file__).parent / "rulebooks" / "madeup-county-2025"}
CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "expect.yaml").is_file())


def _expect(case: Path) -> dict[str, Any]:
    data = yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("problems"), f"{case.name}/expect.yaml lists no problems"
    return data


def build(case: Path, target: Path) -> set[str]:
    """Copy the bundled rulebook to target, apply the case; return the paths the case touched."""
    shutil.copytree(BASES[_expect(case).get("base", "bundled")], target)
    touched: set[str] = set()
    for path in sorted(case.rglob("*")):
        if path.is_file() and path.name != "expect.yaml":
            relative = path.relative_to(case).as_posix()
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / relative)
            touched.add(relative)
    for edit in _expect(case).get("edits", []):
        file = target / edit["file"]
        text = file.read_text(encoding="utf-8")
        assert edit["old"] in text, f"{case.name}: edit target not found in {edit['file']}"
        file.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")
        touched.add(edit["file"])
    return touched


def lint_json(directory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    code = main(["lint", str(directory), "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def _relative(problem: dict[str, Any], root: Path) -> str:
    return Path(problem["file"]).resolve().relative_to(root.resolve()).as_posix()


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_broken_rulebook(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect = _expect(case)
    root = tmp_path / "rulebook"
    touched = build(case, root)
    code, problems = lint_json(root, capsys)
    assert code == 1, problems
    found = {(p["code"], _relative(p, root), p["line"]) for p in problems}
    for wanted in expect["problems"]:
        key = (wanted["code"], wanted["file"], wanted["line"])
        assert key in found, f"expected {key}, got {sorted(found)}"
        at = [p for p in problems if (p["code"], _relative(p, root), p["line"]) == key]
        assert wanted["column"] in {p["column"] for p in at}, f"{key}: expected column {wanted['column']}, got {at}"
        if "message_contains" in wanted:
            assert any(wanted["message_contains"] in p["message"] for p in at), at
    expected_files = touched | {w["file"] for w in expect["problems"]}
    assert {f for _, f, _ in found} <= expected_files, "problems reported in files the case did not touch"
    if expect.get("others", "forbid") == "forbid":
        assert found == {(w["code"], w["file"], w["line"]) for w in expect["problems"]}


def test_there_are_enough_cases() -> None:
    codes = {w["code"] for case in CASE_DIRS for w in _expect(case)["problems"]}
    assert len(CASE_DIRS) >= 12
    assert {"E001", "E003", "E101", "E102", "E201", "E202", "E204", "E205", "E602", "E605"} <= codes
    assert {"E401", "E402", "E405", "E406", "E407", "E408", "E501"} <= codes  # faithfulness and coverage
