"""Hostile input where the corpus cannot reach: the pool parent's own reading, output edge cases, located problems."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.commands.output import _target, emit
from compliance.errors import ComplianceError
from compliance.loading.documents import RULEBOOK, parse_json, parse_yaml, read_bytes
from compliance.loading.reports import read_report_file, report_from_line
from compliance.loading.rulebook import load_rulebook
from compliance.parallel import _raw_identity

MODEL = load_rulebook().report.model


def _within(seconds: float, work: Callable[[], object]) -> None:
    """Run `work` in a thread; fail (instead of hanging the suite) if it does not return in time."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked (a FIFO was opened for reading?)"
    if errors:
        raise errors[0]


def test_the_pool_parent_never_opens_a_fifo_to_hash_it(tmp_path: Path) -> None:
    # after a worker timed out on a report, the parent hashed the file for the error row: on a FIFO it blocked
    fifo = tmp_path / "r.yaml"
    os.mkfifo(fifo)
    found: list[object] = []
    _within(5, lambda: found.append(_raw_identity(str(fifo), None)))
    assert found == [("", ())]


def test_reading_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "r.jsonl"
    os.mkfifo(fifo)
    rows: list[object] = []
    _within(5, lambda: rows.extend(read_report_file(fifo, MODEL)))
    assert [[p.code for p in row.problems] for row in rows] == [["E010"]]  # type: ignore[attr-defined]
    with pytest.raises(ComplianceError) as caught:
        read_bytes(fifo)
    assert caught.value.problems[0].code == "E010"


def test_a_temporary_file_of_a_live_run_is_left_alone(tmp_path: Path) -> None:
    live = tmp_path / f".out.json.{os.getpid()}.abc.tmp"  # this process is alive: its file may be in use
    dead = tmp_path / ".out.json.999999999.abc.tmp"
    other = tmp_path / ".other.json.999999999.abc.tmp"  # another output's: not ours to judge
    for path in (live, dead, other):
        path.write_text("partial", encoding="utf-8")
    emit("{}\n", str(tmp_path / "out.json"))
    assert live.exists() and other.exists() and not dead.exists()
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == "{}\n"


def test_a_new_output_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        emit("x", str(tmp_path / "out.txt"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "out.txt").st_mode) == 0o640


def test_a_dangling_output_link_is_written_through(tmp_path: Path) -> None:
    os.symlink("target.json", tmp_path / "link.json")
    emit("{}", str(tmp_path / "link.json"))
    assert os.path.islink(tmp_path / "link.json")
    assert (tmp_path / "target.json").read_text(encoding="utf-8") == "{}"


def test_json_lines_problems_found_after_validation_are_located() -> None:
    item = report_from_line("r.jsonl", 7, b'{"unit_id":"haimen", "year":2017}', MODEL)
    assert item is not None and item.report is not None
    problem = item.problem("E301", "wrong year", "year")
    assert (problem.file, problem.line, problem.column, problem.field) == ("r.jsonl", 7, 22, "year")


def test_yaml_and_json_readings_agree() -> None:
    # the same document read as YAML 1.2 and as JSON gives the same data (JSON is YAML's flow style)
    text = '{"a": [1, -2.5, 1e-05, true, null, "2018-03-01", "yes", "1:40"], "b": {"c": 0}}'
    assert parse_yaml(text, "x", limits=RULEBOOK).data == parse_json(text, "x").data


@pytest.mark.parametrize(
    ("name", "how"),
    [
        ("-", "stdout"),
        ("/dev/stdout", "stdout"),
        ("/dev/fd/1", "stdout"),
        ("/dev/stderr", "stderr"),
        ("/dev/null", "direct"),
    ],
)
def test_streams_and_devices_are_written_to_never_replaced(name: str, how: str) -> None:
    # classified only, never written: a regression that replaced /dev/stdout or /dev/null (as root) would break
    # the machine the tests run on (it did once, while this corpus was run against the old code)
    assert _target(name)[0] == how
