"""Start-up: the command line works without the engine until a command needs it (issue 11, fast start)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Shadows the installed engine the way an installation without it fails: `import durable_rules_engine` raises.
ABSENT = 'raise ModuleNotFoundError("No module named \'durable_rules_engine\'", name="durable_rules_engine")\n'


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "durable_rules_engine.py").write_text(ABSENT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-m", "compliance", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def test_help_works_with_the_engine_absent(tmp_path: Path) -> None:
    done = _run(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "check" in done.stdout and "assess" in done.stdout and "Traceback" not in done.stderr


def test_a_command_that_needs_the_engine_says_which_package_is_missing(tmp_path: Path) -> None:
    done = _run(tmp_path, "check", "sample_reports/haimen.yaml")
    assert done.returncode == 2
    assert "E000 缺少 Python 包 durable-rules" in done.stderr and "pip install durable-rules" in done.stderr
    assert "Traceback" not in done.stderr
