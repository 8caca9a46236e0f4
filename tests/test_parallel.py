"""The worker pool: crash and hang isolation, input order, byte-identical output whatever the worker count.

Faults are injected through the test-only hook in compliance.parallel (COMPLIANCE_TEST_FAULTS=1): a report
whose unit_id is fault-segfault kills its worker with a real SIGSEGV, fault-exit calls os._exit, fault-hang
sleeps for an hour, fault-raise raises MemoryError inside the scoring call. Without the variable these are
ordinary unregistered units.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from benchmarks.generate import generate
from compliance.commands.common import atomic_file
from compliance.commands.score import encode_indented, json_chunks, render_json
from compliance.loading.rulebook import load_rulebook
from compliance.parallel import FAULTS_ENV, score_reports

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_reports"


def run_cli(*args: str, faults: bool = False, timeout: float = 240) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in (FAULTS_ENV, "SOURCE_DATE_EPOCH")}
    if faults:
        env[FAULTS_ENV] = "1"
    return subprocess.run(
        [sys.executable, "-m", "compliance", *args],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )


def fault_line(kind: str) -> bytes:
    report = {"unit_id": f"fault-{kind}", "unit_type": "city_department", "year": 2018, "unit_name": f"故障单位{kind}"}
    return orjson.dumps(report)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    return list(generate(700, seed=7))  # several tasks of 200 units, every unit type, some failing and invalid


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def comparable(row: dict[str, object]) -> dict[str, object]:
    """A result row without where it came from (file and line differ between the two runs)."""
    problems = [str(p).split(": ", 1)[1] for p in row["problems"]]  # type: ignore[attr-defined]
    return {**{k: v for k, v in row.items() if k != "source"}, "problems": problems}


def rows(output: bytes) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in output.splitlines()]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_one_and_two_workers_give_identical_bytes(tmp_path: Path, synthetic: list[bytes], fmt: str) -> None:
    data = write_lines(tmp_path / "units.jsonl", synthetic)
    one = run_cli("score", str(SAMPLES), str(data), "--format", fmt, "--workers", "1")
    two = run_cli("score", str(SAMPLES), str(data), "--format", fmt, "--workers", "2")
    assert one.returncode == two.returncode == 1  # the samples and the synthetic set hold failing units
    assert one.stdout == two.stdout
    count = len(orjson.loads(one.stdout)["units"]) if fmt == "json" else len(one.stdout.splitlines())
    assert count == len(list(SAMPLES.iterdir())) + len(synthetic)  # every report, none dropped


def test_assessment_is_identical_with_one_and_two_workers(tmp_path: Path, synthetic: list[bytes]) -> None:
    data = write_lines(tmp_path / "units.jsonl", synthetic[:300])
    common = ("assess", str(SAMPLES), str(data), "--format", "json", "--time", "2019-01-15T09:00:00+08:00")
    one = run_cli(*common, "--workers", "1")
    two = run_cli(*common, "--workers", "2")
    assert one.returncode == two.returncode
    assert one.stdout == two.stdout
    reports = orjson.loads(one.stdout)["audit"]["reports"]
    assert len(reports) == len(list(SAMPLES.iterdir())) + 300


def test_streamed_json_is_the_whole_document_byte_for_byte(tmp_path: Path, synthetic: list[bytes]) -> None:
    book = load_rulebook()
    data = write_lines(tmp_path / "units.jsonl", synthetic[:120])
    cards = list(score_reports(book, [SAMPLES, data], workers=1))
    streamed = b"".join(json_chunks(book, (encode_indented(card) for card in cards)))
    assert streamed == render_json(book, cards)
    assert b"".join(json_chunks(book, iter(()))) == render_json(book, [])


def test_output_order_is_input_order(tmp_path: Path, synthetic: list[bytes]) -> None:
    data = write_lines(tmp_path / "units.jsonl", synthetic)
    done = run_cli("score", str(data), "--format", "jsonl", "--workers", "2")
    sources = [row["source"] for row in rows(done.stdout)]
    assert sources == [f"{data}:{n}" for n in range(1, len(synthetic) + 1)]


def test_a_crashing_or_hanging_unit_costs_only_itself(tmp_path: Path, synthetic: list[bytes]) -> None:
    lines = list(synthetic[:450])
    lines[10] = fault_line("segfault")  # first task: the worker dies mid-batch with SIGSEGV
    lines[230] = fault_line("hang")  # second task: the engine never returns
    lines[420] = fault_line("exit")  # third task: the worker process exits
    data = write_lines(tmp_path / "faults.jsonl", lines)
    clean = write_lines(tmp_path / "clean.jsonl", [line for i, line in enumerate(lines) if i not in (10, 230, 420)])

    faulty = run_cli("score", str(data), "--format", "jsonl", "--workers", "2", "--unit-timeout", "0.5", faults=True)
    reference = run_cli("score", str(clean), "--format", "jsonl", "--workers", "1")

    assert faulty.returncode == 1  # something failed: the culprits, and the failing synthetic units
    got = rows(faulty.stdout)
    assert len(got) == 450
    culprits = {i: got[i] for i in (10, 230, 420)}
    assert culprits[10]["status"] == "invalid" and "crashed (signal 11)" in str(culprits[10]["problems"])
    assert culprits[230]["status"] == "invalid" and "timed out" in str(culprits[230]["problems"])
    assert culprits[420]["status"] == "invalid" and "exited (code 3)" in str(culprits[420]["problems"])
    for row in culprits.values():
        assert str(row["unit_id"]).startswith("fault-")
        assert "E900" in str(row["problems"])
    # every other unit scored exactly as in a run without the culprits
    others = [comparable(row) for i, row in enumerate(got) if i not in culprits]
    expected = [comparable(row) for row in rows(reference.stdout)]
    assert others == expected


def test_an_engine_exception_in_process_costs_only_its_unit(synthetic: list[bytes], tmp_path: Path) -> None:
    lines = list(synthetic[:120])
    lines[60] = fault_line("raise")
    data = write_lines(tmp_path / "raise.jsonl", lines)
    done = run_cli("score", str(data), "--format", "jsonl", "--workers", "1", faults=True)
    got = rows(done.stdout)
    assert len(got) == 120
    assert got[60]["status"] == "invalid"
    assert "MemoryError" in str(got[60]["problems"])
    assert sum(1 for row in got if row["status"] == "pass") > 100  # its batch-mates were scored


def test_faults_are_ordinary_units_without_the_test_switch(tmp_path: Path) -> None:
    data = write_lines(tmp_path / "f.jsonl", [fault_line("segfault"), fault_line("hang")])
    done = run_cli("score", str(data), "--format", "jsonl", "--workers", "2", timeout=60)
    got = rows(done.stdout)
    assert [row["unit_id"] for row in got] == ["fault-segfault", "fault-hang"]
    assert all("E900" not in str(row["problems"]) for row in got)


def test_an_interrupted_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "scores.jsonl"
    target.write_bytes(b"last year's good output\n")
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as handle:
        handle.write(b'{"half": ')
        raise KeyboardInterrupt
    assert target.read_bytes() == b"last year's good output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.jsonl"]  # no temp file left behind


def test_workers_option_is_validated() -> None:
    done = run_cli("score", str(SAMPLES), "--workers", "0")
    assert done.returncode == 2
    assert b"--workers" in done.stderr and b"Traceback" not in done.stderr
