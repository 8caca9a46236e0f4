"""The pre-commit hook lints the rulebooks of the repository being committed, not the installed package's."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
(HOOK,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def staged(repo: Path) -> list[str]:
    """The files pre-commit would pass: those under the repository that the hook's `files` pattern selects."""
    pattern = re.compile(HOOK["files"])
    names = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    return [name for name in names if pattern.search(name)]


def run_hook(repo: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    entry = shlex.split(HOOK["entry"])
    assert entry[0] == "compliance"  # the console script; here run as a module of this checkout
    command = [sys.executable, "-m", "compliance", *entry[1:], *HOOK.get("args", []), *files]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, check=False)


def rulebook_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "city-rulebooks"
    shutil.copytree(ROOT / "rules" / "nantong-2018", repo / "rules" / "city-2019")
    (repo / "reports").mkdir()
    (repo / "reports" / "haimen.yaml").write_text("unit_id: haimen\nyear: 2018\n", encoding="utf-8")
    return repo


def test_hook_passes_the_files_and_lints_their_rulebook(tmp_path: Path) -> None:
    assert HOOK["pass_filenames"] is True and HOOK["language"] == "python"
    repo = rulebook_repo(tmp_path)
    files = staged(repo)
    assert "rules/city-2019/rulebook.yaml" in files and "rules/city-2019/rules/s4-enforcement.yaml" in files
    assert "reports/haimen.yaml" not in files
    done = run_hook(repo, files)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.fullmatch(r"city-2019: \d+ rules, sound\n", done.stderr)  # many files, one rulebook, linted once


def test_a_broken_staged_rule_fails_the_commit(tmp_path: Path) -> None:
    repo = rulebook_repo(tmp_path)
    broken = repo / "rules" / "city-2019" / "rules" / "s4-enforcement.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("target:", "targt:", 1), encoding="utf-8")
    done = run_hook(repo, staged(repo))
    assert done.returncode == 1
    assert done.stdout.startswith("rules/city-2019/rules/s4-enforcement.yaml:")  # the repository's own file
    assert str(ROOT) not in done.stdout


def test_two_rulebooks_are_each_linted(tmp_path: Path) -> None:
    repo = rulebook_repo(tmp_path)
    shutil.copytree(repo / "rules" / "city-2019", repo / "rules" / "county-2019")
    done = run_hook(repo, staged(repo))
    assert done.returncode == 0
    assert sorted(re.findall(r"^([\w-]+): \d+ rules, sound$", done.stderr, re.MULTILINE)) == [
        "city-2019",
        "county-2019",
    ]
