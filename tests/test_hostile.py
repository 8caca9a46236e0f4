"""The hostile-input corpus (tests/hostile/<case>/): every input that once broke the tool, run as the user runs it.

A case is a folder: its input files, and `case.yaml` saying what to run and what must come out:

    why: what the case is about (and the defect it once showed)
    command: [score, reports, --format, json]    # compliance's arguments, run in a copy of the folder
    setup: [...]        # what git cannot hold: {fifo: PATH}, {symlink: PATH, to: TARGET}, {chmod: PATH, mode: 0},
                        # {repeat: {file, head, item, separator, count, tail}}, {copy_rulebook: DIR}, {remove: PATH},
                        # {chardev: PATH} (a private /dev/null: never the real one, which a regression could replace),
                        # {edit: {file, old, new}}, {rename: {from: PATH, to_hex: HEX BYTES}}, {write: {file, text}}
    env: {NAME: value}  # added to the environment
    stdin: text         # standard input (default: nothing, closed)
    exit: 2             # the exit code
    problems: [{code: E006, line: 1, column: 4, file: report.yaml}]   # each must be reported (line, column and
                        # the end of the file name only when given)
    rows: 3             # units (score --format json) or reports (assess --format json) out: one per report in
    stdout_has / stdout_lacks / stderr_has / stderr_lacks: [text, ...]
    files: {PATH: {mode: 0o644, kind: file|link|char|fifo, contains: text, lacks: [text, ...]}}
    absent: [PATH, ...] # glob patterns that must match nothing afterwards
    timeout: 60         # seconds; the run is killed (and the case fails) past it
    root_skips: true    # the case needs an unprivileged user (file permissions)

Every case, whatever it says, must also end within its timeout, with no traceback, and peak memory (RSS of the
process and its workers) below 500 MB. score and assess cases run with --workers 1 and --workers 2 (unless the
command names its own --workers).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.loading.rulebook import DEFAULT_RULES

CORPUS = Path(__file__).parent / "hostile"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
MEMORY_LIMIT_KB = 500 * 1024
SAFETY_NET_BYTES = 2 * 1024**3  # address space: a regression must not take the machine down with it
POOLED = ("score", "assess")
_PROBLEM = re.compile(r"^(.*?)(?::(\d+))?(?::(\d+))?: (E\d{3}) ")


def _spec(case: Path) -> dict[str, Any]:
    data = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("why") and data.get("command"), f"{case.name}: why and command"
    return data


def _params() -> list[Any]:
    params = []
    for case in CASES:
        spec = _spec(case)
        pooled = spec["command"][0] in POOLED and "--workers" not in spec["command"]
        for workers in (1, 2) if pooled else (None,):
            suffix = "" if workers is None else f"-w{workers}"
            params.append(pytest.param(case, workers, id=f"{case.name}{suffix}"))
    return params


def _setup(spec: dict[str, Any], root: Path) -> None:
    for step in spec.get("setup", []):
        (kind, value), *rest = step.items()
        if kind == "fifo":
            os.mkfifo(root / value)
        elif kind == "symlink":
            os.symlink(step["to"], root / value)
        elif kind == "chmod":
            os.chmod(root / value, step["mode"])
        elif kind == "repeat":
            (root / value["file"]).parent.mkdir(parents=True, exist_ok=True)
            with open(root / value["file"], "w", encoding="utf-8") as out:
                out.write(value.get("head", ""))
                out.write(value.get("separator", "").join([value["item"]] * value["count"]))
                out.write(value.get("tail", ""))
        elif kind == "copy_rulebook":
            shutil.copytree(DEFAULT_RULES, root / value)
        elif kind == "edit":
            file = root / value["file"]
            text = file.read_text(encoding="utf-8")
            assert value["old"] in text, f"edit: {value['old']!r} not in {value['file']}"
            file.write_text(text.replace(value["old"], value["new"], value.get("count", 1)), encoding="utf-8")
        elif kind == "chardev":
            _null_device(root / value)
        elif kind == "remove":
            (root / value).unlink()
        elif kind == "write":
            (root / value["file"]).parent.mkdir(parents=True, exist_ok=True)
            (root / value["file"]).write_text(value["text"], encoding="utf-8")
        elif kind == "rename":
            target = os.fsencode(root) + b"/" + bytes.fromhex(value["to_hex"])
            os.rename(root / value["from"], target)
        else:
            raise AssertionError(f"unknown setup step {kind}")
        assert not rest or kind in ("symlink", "chmod"), f"setup step with extra keys: {step}"


def _null_device(path: Path) -> None:
    """A character device standing for /dev/null, private to the case: a regression that replaces the device it
    writes to (as root, once, /dev/null itself) replaces this one. Without root, a link to /dev/null, which an
    unprivileged run cannot replace."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        os.symlink("/dev/null", path)


@dataclass(frozen=True)
class Run:
    root: Path
    code: int
    stdout: bytes
    stderr: str
    peak_kb: int
    seconds: float


def _limits() -> None:
    os.umask(0o022)
    resource.setrlimit(resource.RLIMIT_AS, (SAFETY_NET_BYTES, SAFETY_NET_BYTES))


def _run(args: list[str], cwd: Path, env: dict[str, str], stdin: str | None, timeout: float) -> Run:
    out, err = cwd / ".stdout", cwd / ".stderr"
    started = time.monotonic()
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "compliance", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=_limits,
            start_new_session=True,
        )
        if stdin is not None:
            assert process.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                process.stdin.write(stdin.encode("utf-8"))
            process.stdin.close()
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                os.wait4(process.pid, 0)
                pytest.fail(f"compliance {' '.join(args)} did not end within {timeout}s")
            time.sleep(0.02)
    process.returncode = os.waitstatus_to_exitcode(status)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # nothing may outlive the run; there should be nothing
    return Run(
        cwd,
        process.returncode,
        out.read_bytes(),
        err.read_bytes().decode("utf-8", "replace"),
        usage.ru_maxrss,
        time.monotonic() - started,
    )


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _problems(run: Run) -> tuple[list[tuple[str, int | None, int | None, str]], object]:
    """Every `file:line:col: CODE` in the output (JSON strings or text lines) and standard error, and the
    parsed JSON document if the output is one."""
    text = run.stdout.decode("utf-8", "replace")
    document: object = None
    lines = text.splitlines()
    with contextlib.suppress(ValueError):
        document = json.loads(text)
        lines = [line for s in _strings(document) for line in s.splitlines()]
    found = []
    for line in [*lines, *run.stderr.splitlines()]:
        match = _PROBLEM.match(line.strip())
        if match:
            file, row, col, code = match.groups()
            found.append((file, int(row) if row else None, int(col) if col else None, code))
    return found, document


def _rows(document: object) -> int | None:
    if isinstance(document, dict):
        if isinstance(document.get("units"), list) and "rulebook" in document:
            return len(document["units"])  # score
        audit = document.get("audit")
        if isinstance(audit, dict) and isinstance(audit.get("reports"), list):
            return len(audit["reports"])  # assess
    return None


def _check_files(spec: dict[str, Any], root: Path) -> None:
    for name, want in spec.get("files", {}).items():
        path = root / name
        info = os.lstat(path) if want.get("kind") == "link" else os.stat(path)
        kinds = {"file": stat.S_ISREG, "link": stat.S_ISLNK, "char": stat.S_ISCHR, "fifo": stat.S_ISFIFO}
        if "kind" in want:
            assert kinds[want["kind"]](info.st_mode), f"{name} is not a {want['kind']}"
        if "mode" in want:
            assert stat.S_IMODE(info.st_mode) == want["mode"], f"{name}: mode {stat.S_IMODE(info.st_mode):o}"
        if "contains" in want:
            assert want["contains"] in path.read_text(encoding="utf-8"), f"{name} lacks {want['contains']!r}"
        for text in want.get("lacks", []):
            assert text not in path.read_text(encoding="utf-8"), f"{name} has {text!r}"
    for pattern in spec.get("absent", []):
        assert glob.glob(str(root / pattern), include_hidden=True) == [], f"{pattern} exists"


def test_the_corpus_is_large_and_covers_every_kind_of_problem() -> None:
    specs = [_spec(case) for case in CASES]
    assert len(specs) >= 80
    codes = {p["code"] for spec in specs for p in spec.get("problems", [])}
    for code in ("E001", "E004", "E005", "E006", "E007", "E008", "E009", "E010", "E011", "E012", "E013"):
        assert code in codes, f"no case reports {code}"
    assert {"E301", "E302", "E303", "E304"} <= codes


def _execute(case: Path, workers: int | None, root: Path) -> Run:
    """Set the case up in `root` (a fresh folder) and run it."""
    spec = _spec(case)
    root.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(case, root, symlinks=True)
    (root / "case.yaml").unlink()
    _setup(spec, root)
    args = [str(a) for a in spec["command"]]
    if workers is not None:
        args += ["--workers", str(workers)]
    env = {**os.environ, "LC_ALL": "C.UTF-8", **{k: str(v) for k, v in spec.get("env", {}).items()}}
    env.pop("COMPLIANCE_TEST_FAULTS", None)
    return _run(args, root, env, spec.get("stdin"), spec.get("timeout", 60))


def _skipped(spec: dict[str, Any]) -> bool:
    return bool(spec.get("root_skips")) and os.geteuid() == 0


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[Run]]]:
    """Every selected case, started at once on as many threads as there are cores (each run is a process of its
    own: its time, exit code and peak memory are its own), so the corpus takes half the time on two cores."""
    selected = [
        item.callspec.id  # type: ignore[attr-defined]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_hostile_input"
    ]
    by_id: dict[str, Any] = {param.id: param.values for param in _params()}
    pool = ThreadPoolExecutor(max_workers=max(1, len(os.sched_getaffinity(0))))
    futures: dict[str, Future[Run]] = {}
    for key in selected:
        case, workers = by_id[key]
        if not _skipped(_spec(case)):
            futures[key] = pool.submit(_execute, case, workers, tmp_path_factory.mktemp(key) / "case")
    yield futures
    pool.shutdown(cancel_futures=True)


@pytest.mark.parametrize(("case", "workers"), _params())
def test_hostile_input(
    case: Path, workers: int | None, request: pytest.FixtureRequest, runs: dict[str, Future[Run]]
) -> None:
    spec = _spec(case)
    if _skipped(spec):
        pytest.skip("file permissions do not stop root")
    key = request.node.callspec.id
    run = runs[key].result()
    root = run.root
    assert "Traceback" not in run.stderr, run.stderr
    assert run.peak_kb < MEMORY_LIMIT_KB, f"peak RSS {run.peak_kb // 1024} MB"
    assert run.code == spec["exit"], f"exit {run.code}\n{run.stderr[-2000:]}"
    found, document = _problems(run)
    for want in spec.get("problems", []):
        assert any(
            code == want["code"]
            and want.get("line", row) == row
            and want.get("column", col) == col
            and file.endswith(want.get("file", ""))
            for file, row, col, code in found
        ), f"{want} not among {found}\n{run.stderr[-2000:]}"
    if "rows" in spec:
        assert _rows(document) == spec["rows"], "rows out must equal reports in"
    stdout = run.stdout.decode("utf-8", "replace")
    for text in spec.get("stdout_has", []):
        assert text in stdout, f"stdout lacks {text!r}"
    for text in spec.get("stdout_lacks", []):
        assert text not in stdout, f"stdout has {text!r}"
    for text in spec.get("stderr_has", []):
        assert text in run.stderr, f"stderr lacks {text!r}"
    for text in spec.get("stderr_lacks", []):
        assert text not in run.stderr, f"stderr has {text!r}"
    _check_files(spec, root)
