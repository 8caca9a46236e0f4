"""The README's Commands table is true for every command: each option it shows exists, and each option exists in it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from compliance.cli import COMMANDS, build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
# One row per command; `source` has one per action (`source normalize`, `source outline`).
ROWS = {
    (match[1] if match[1] != "source" else f"source {match[2]}"): match[0].replace("\\|", "|")
    for match in re.finditer(r"^\| `compliance (\w+) ?(\w*)[^`]*` \|", README, re.MULTILINE)
}
NAMES = sorted(set(COMMANDS) - {"source"} | {"source normalize", "source outline"})


def usage(row: str) -> str:
    return row.split("`")[1]


def subparser(name: str) -> argparse.ArgumentParser:
    command, _, action_name = name.partition(" ")
    parser = build_parser([command])
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub: argparse.ArgumentParser = action.choices[command]
    if action_name:  # `source normalize`: the action's own parser
        inner = next(a for a in sub._actions if isinstance(a, argparse._SubParsersAction))
        sub = inner.choices[action_name]
    return sub


def test_every_command_has_a_row() -> None:
    assert set(ROWS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_row_shows_exactly_the_commands_options(name: str) -> None:
    shown = usage(ROWS[name])
    options = {o for a in subparser(name)._actions for o in a.option_strings} - {"-h", "--help"}
    listed = set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", shown))
    assert listed <= options, f"the README shows options {name} does not take: {listed - options}"
    long_forms = {o for o in options if o.startswith("--") and o != "--output"} | {"-o"}
    assert long_forms <= listed, f"{name} takes options the README does not show: {long_forms - listed}"


@pytest.mark.parametrize("name", NAMES)
def test_the_formats_shown_are_the_formats_taken(name: str) -> None:
    shown = re.search(r"--format ([\w|]+)", usage(ROWS[name]))
    action = next((a for a in subparser(name)._actions if "--format" in a.option_strings), None)
    assert (shown is None) == (action is None)
    if shown and action:
        assert set(shown[1].split("|")) == set(action.choices or ())
