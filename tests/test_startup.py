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


# What `check` of one YAML report has no use for: assessment, worker processes, the Excel reader and the office
# formats. Importing them made a unit wait ~0.1 s more for its own scorecard.
NOT_FOR_CHECK = (
    "compliance.assessment",
    "compliance.parallel",
    "compliance.scoring.triage",
    "compliance.scoring.units",
    "compliance.scoring.points",
    "compliance.scoring.results",
    "compliance.loading.excel",
    "compliance.loading.manual",
    "compliance.render.interface",
    "openpyxl",
    "jinja2",
    "docx",
    "multiprocessing",
)
LIST_MODULES = (
    "import sys\nfrom compliance.cli import main\n"
    "code = main(['check', 'sample_reports/haimen.yaml', '-o', sys.argv[1]])\n"
    "print(code)\nprint('\\n'.join(sorted(sys.modules)))\n"
)


def test_check_of_one_report_imports_only_what_it_uses(tmp_path: Path) -> None:
    out = tmp_path / "card.txt"
    done = subprocess.run(
        [sys.executable, "-c", LIST_MODULES, str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    code, *modules = done.stdout.splitlines()
    assert code == "0", done.stderr
    assert "NT18-" in out.read_text(encoding="utf-8")  # the scorecard was written: the check really ran
    assert sorted(set(NOT_FOR_CHECK) & set(modules)) == []


def test_the_scoring_package_gives_every_name_it_lists_from_its_module() -> None:
    import importlib

    import compliance.scoring as scoring

    for name in scoring.__all__:
        home = importlib.import_module(f"compliance.scoring.{scoring._HOME[name]}")
        assert getattr(scoring, name) is getattr(home, name), name
    assert set(scoring._HOME) == set(scoring.__all__)
    try:
        scoring.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def _third_party(modules: list[str]) -> set[str]:
    tops = {name.split(".")[0] for name in modules}
    return {t for t in tops if t not in sys.stdlib_module_names and not t.startswith("_") and t != "compliance"}


def test_the_start_up_benchmark_floor_imports_every_library_check_imports(tmp_path: Path) -> None:
    """benchmarks/startup.py compares `check` with a process that imports only its libraries: that floor must
    import every third-party module `check` does, or the comparison flatters the product."""
    from benchmarks.startup import COMMANDS

    done = subprocess.run(
        [sys.executable, "-c", LIST_MODULES, str(tmp_path / "card.txt")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    _, *checked = done.stdout.splitlines()
    floor_code = COMMANDS["libraries"][-1] + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))\n"
    floor = subprocess.run([sys.executable, "-c", floor_code], capture_output=True, text=True, timeout=120)
    assert floor.returncode == 0, floor.stderr
    assert "pydantic" in _third_party(checked)  # the listing really holds check's imports
    assert _third_party(checked) - _third_party(floor.stdout.splitlines()) == set()
