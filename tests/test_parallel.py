"""The worker pool: crash and hang isolation, input order, byte-identical output whatever the worker count.

Faults are injected through the test-only hook in compliance.parallel (COMPLIANCE_TEST_FAULTS=1): a report
whose unit_id is fault-segfault kills its worker with a real SIGSEGV, fault-exit calls os._exit, fault-hang
sleeps for an hour, fault-raise raises MemoryError inside the scoring call. Without the variable these are
ordinary unregistered units.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Generator
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
    lines[100] = fault_line("raise")  # and when it is retried report by report, the engine raises for this one
    lines[230] = fault_line("hang")  # second task: the engine never returns
    lines[420] = fault_line("exit")  # third task: the worker process exits
    data = write_lines(tmp_path / "faults.jsonl", lines)
    faults = (10, 100, 230, 420)
    clean = write_lines(tmp_path / "clean.jsonl", [line for i, line in enumerate(lines) if i not in faults])

    faulty = run_cli("score", str(data), "--format", "jsonl", "--workers", "2", "--unit-timeout", "0.5", faults=True)
    reference = run_cli("score", str(clean), "--format", "jsonl", "--workers", "1")

    assert faulty.returncode == 1  # something failed: the culprits, and the failing synthetic units
    got = rows(faulty.stdout)
    assert len(got) == 450
    culprits = {i: got[i] for i in faults}
    assert culprits[10]["status"] == "invalid" and "crashed (signal 11)" in str(culprits[10]["problems"])
    assert culprits[100]["status"] == "invalid" and "MemoryError: test fault" in str(culprits[100]["problems"])
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


def test_a_worker_that_dies_after_sending_its_result_costs_nobody(tmp_path: Path, synthetic: list[bytes]) -> None:
    # fault-exit kills its batch's worker, so its batch is retried report by report; fault-exit-after is scored,
    # its result sent, and then its worker exits: the next report must not be blamed for that death
    lines = list(synthetic[:260])
    lines[5] = fault_line("exit")
    lines[6] = fault_line("exit-after")
    lines[220] = fault_line("exit-after")  # in a batch: the worker dies idle, after a batch that went well
    data = write_lines(tmp_path / "after.jsonl", lines)
    clean = write_lines(tmp_path / "clean.jsonl", [line for i, line in enumerate(lines) if i != 5])
    faulty = run_cli("score", str(data), "--format", "jsonl", "--workers", "2", faults=True)
    reference = run_cli("score", str(clean), "--format", "jsonl", "--workers", "1")
    got = rows(faulty.stdout)
    assert len(got) == 260
    assert got[5]["status"] == "invalid" and "exited (code 3)" in str(got[5]["problems"])
    others = [comparable(row) for i, row in enumerate(got) if i != 5]
    assert others == [comparable(row) for row in rows(reference.stdout)]


def test_a_slow_reader_does_not_make_finished_reports_time_out(
    tmp_path: Path, synthetic: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # While the caller dwells on a result, retries of a crashed task finish; their results wait in the pipes.
    # They must be collected as results, not mistaken for reports that overran the time limit.
    monkeypatch.setenv(FAULTS_ENV, "1")
    lines = list(synthetic[:100])
    lines[50] = fault_line("segfault")  # the second task of 50 crashes at once and is retried report by report
    data = write_lines(tmp_path / "slow.jsonl", lines)
    book = load_rulebook()
    cards = score_reports(book, [data], workers=2, unit_timeout=0.5, task_units=50)
    got = [next(cards)]
    time.sleep(2)
    got.extend(cards)
    monkeypatch.delenv(FAULTS_ENV)
    reference = list(score_reports(book, [data], workers=1))
    assert len(got) == 100
    assert got[50].status == "invalid" and "crashed (signal 11)" in got[50].problems[0]
    assert [card for i, card in enumerate(got) if i != 50] == [card for i, card in enumerate(reference) if i != 50]


def test_closing_the_pool_ends_busy_workers_at_once(
    tmp_path: Path, synthetic: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULTS_ENV, "1")
    data = write_lines(tmp_path / "hang.jsonl", [synthetic[0], fault_line("hang"), fault_line("hang")])
    cards = score_reports(load_rulebook(), [data], workers=2, unit_timeout=100, task_units=1)
    assert next(cards).source == f"{data}:1"
    workers = multiprocessing.active_children()
    assert workers  # one of them is hanging
    started = time.monotonic()
    assert isinstance(cards, Generator)
    cards.close()  # what an interrupt (or a consumer that stops early) does
    assert time.monotonic() - started < 1
    assert not any(worker.is_alive() for worker in workers)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_hanging_run(tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    data = write_lines(tmp_path / "hang.jsonl", [fault_line("hang")] * 4)
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | {FAULTS_ENV: "1"}
    args = ["score", str(data), "--workers", "2", "--unit-timeout", "100", "--format", "jsonl"]
    process = subprocess.Popen(
        [sys.executable, "-m", "compliance", *args, "-o", str(tmp_path / "out.jsonl")],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not (workers := _children(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the worker (one task: one worker) is now inside a hanging report
    assert workers
    return process, workers


def _kill(process: subprocess.Popen[bytes], workers: list[int]) -> None:
    for pid in [process.pid, *workers]:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    process.communicate()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_an_interrupted_run_leaves_no_worker_and_no_file(tmp_path: Path) -> None:
    process, workers = _start_hanging_run(tmp_path)
    try:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 130 and b"interrupted" in err
        assert not any(_alive(pid) for pid in workers)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["hang.jsonl"]  # no output, no temp file
    finally:
        _kill(process, workers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_no_worker_outlives_a_killed_parent(tmp_path: Path) -> None:
    process, workers = _start_hanging_run(tmp_path)
    try:
        process.kill()  # SIGKILL: the parent runs no clean-up at all
        process.wait(timeout=30)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers)  # not left hanging for an hour
    finally:
        _kill(process, workers)


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("fmt", ["table", "json", "jsonl"])
def test_score_shows_file_names_that_are_not_utf8(tmp_path: Path, fmt: str, workers: str) -> None:
    # a zip made on Chinese Windows unpacks on Linux with GBK bytes in its file names ("公" is b"\xb9\xab")
    with open(os.path.join(os.fsencode(tmp_path), b"\xb9\xab-haimen.yaml"), "wb") as handle:
        handle.write((SAMPLES / "haimen.yaml").read_bytes())
    with open(os.path.join(os.fsencode(tmp_path), b"\xb9\xab-broken.yaml"), "wb") as handle:
        handle.write(b"unit_id: [\n")
    done = run_cli("score", str(tmp_path), "--format", fmt, "--workers", workers)
    assert done.returncode == 1 and b"Traceback" not in done.stderr  # 1: the broken report
    shown = done.stdout.decode("utf-8")
    assert f"{tmp_path}/\\xb9\\xab-haimen.yaml" in (shown if fmt == "table" else shown.replace("\\\\", "\\"))
    assert f"{tmp_path}/\\xb9\\xab-broken.yaml:2:1: E001" in shown.replace("\\\\", "\\")


def test_score_table_neutralises_what_reports_say(tmp_path: Path) -> None:
    evil = {"unit_id": "evil-unit", "unit_type": "affiliated_unit", "year": 2018, "unit_name": "坏\x1b[2J单位\n■ 伪造"}
    (tmp_path / "evil\x1b[31m.json").write_bytes(orjson.dumps(evil))
    (tmp_path / "number.json").write_bytes(orjson.dumps({**evil, "unit_id": "number", "unit_name": "1.50"}))
    (tmp_path / "typo.json").write_bytes(b'{"unit_id": "typo", "year": 2018, "bad\\u001b[2Jfield": 1}')
    done = run_cli("score", str(tmp_path), "--workers", "1")
    shown = done.stdout.decode("utf-8")
    assert "\x1b" not in shown
    units = orjson.loads(run_cli("score", str(tmp_path), "--format", "json").stdout)["units"]
    assert "坏\x1b[2J单位\n■ 伪造" in [unit["unit_name"] for unit in units]  # JSON keeps what was sent
    assert "坏\ufffd[2J单位 ■ 伪造" in shown and "evil\ufffd[31m.json" in shown and "bad\ufffd[2Jfield" in shown
    assert not any(line.startswith("■") for line in shown.splitlines())
    assert " 1.50 " in shown  # a name is text, never a number to reformat


def test_streamed_json_matches_the_document_for_names_that_are_not_utf8(tmp_path: Path) -> None:
    with open(os.path.join(os.fsencode(tmp_path), b"\xb9\xab-haimen.yaml"), "wb") as handle:
        handle.write((SAMPLES / "haimen.yaml").read_bytes())
    book = load_rulebook()
    cards = list(score_reports(book, [tmp_path], workers=1))
    assert b"".join(json_chunks(book, (encode_indented(card) for card in cards))) == render_json(book, cards)
    assert b"\\\\xb9\\\\xab-haimen.yaml" in render_json(book, cards)
