"""An install that works where the office is: commands load lazily, a missing library is named, Windows scores
in one process and says why, the bundled rulebook is found. (The wheel itself is built, installed outside the
checkout and run by .ci/run on Python 3.11 and 3.12.)"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from compliance import parallel
from compliance.cli import COMMANDS, main
from compliance.loading.rulebook import DEFAULT_RULES

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
OPTIONAL = ["openpyxl", "docx", "jinja2", "opencc", "tqdm"]


def run_without(modules: list[str], *argv: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh interpreter where importing any of `modules` fails, as if it were not installed."""
    code = (
        "import sys\n"
        f"for name in {modules!r}:\n"
        "    sys.modules[name] = None  # import of name halted: ModuleNotFoundError\n"
        "from compliance.cli import main\n"
        f"sys.exit(main({list(argv)!r}))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)


def test_help_lines_match_the_commands() -> None:
    for name, summary in COMMANDS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(f"compliance.commands.{name}").add_parser(sub)
        (action,) = sub._choices_actions
        assert action.help == summary, name


def test_help_and_rules_work_without_optional_libraries() -> None:
    shown = run_without(OPTIONAL, "--help")
    assert shown.returncode == 0 and "assess" in shown.stdout and "units" in shown.stdout
    rules = run_without(OPTIONAL, "rules", "--format", "json")
    assert rules.returncode == 0 and len(json.loads(rules.stdout)) > 30
    assert run_without(OPTIONAL, "assess", "--help").returncode == 0


def test_a_missing_library_is_named_not_a_traceback(tmp_path: Path) -> None:
    lint = run_without(["opencc"], "lint")
    assert lint.returncode == 2 and "Traceback" not in lint.stderr
    assert "缺少 Python 包 opencc" in lint.stderr and "pip install opencc" in lint.stderr
    html = run_without(["jinja2"], "assess", str(SAMPLES), "--format", "html", "-o", str(tmp_path / "a.html"))
    assert html.returncode == 2 and "pip install jinja2" in html.stderr and "Traceback" not in html.stderr
    assert not (tmp_path / "a.html").exists()
    docx = run_without(["docx"], "assess", str(SAMPLES), "--format", "docx", "-o", str(tmp_path / "a.docx"))
    assert docx.returncode == 2 and "pip install python-docx" in docx.stderr and "Traceback" not in docx.stderr
    assert not (tmp_path / "a.docx").exists()


def test_the_bundled_rulebook_is_found_from_a_checkout() -> None:
    assert DEFAULT_RULES == ROOT / "rules" / "nantong-2018"
    assert (DEFAULT_RULES / "rulebook.yaml").is_file()


def _as_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.delattr(signal, "pthread_sigmask")
    monkeypatch.setattr(parallel, "_Pool", None)  # were the pool started, this would fail loudly


def test_without_fork_scoring_runs_in_one_process_and_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(SAMPLES), "--format", "json", "--workers", "1"]) == 1
    expected = json.loads(capsys.readouterr().out)
    _as_on_windows(monkeypatch)
    assert parallel.default_workers() == 1
    code = main(["score", str(SAMPLES), "--format", "json", "--workers", "2"])
    out, err = capsys.readouterr()
    assert code == 1 and json.loads(out) == expected
    assert err.startswith("compliance: 本系统") and "scoring in this process" in err


def test_without_fork_the_default_is_one_process_without_a_word(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as_on_windows(monkeypatch)
    assert main(["assess", str(SAMPLES), "--format", "json", "--time", "2019-01-15T09:00:00+08:00"]) == 1
    assert capsys.readouterr().err == ""
