"""Command-line behaviour on good and bad input: exit codes, located messages, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"
GOOD = "unit_id: haimen\nyear: 2018\n"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compliance", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def score_json(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], *files: tuple[str, bytes]
) -> tuple[int, dict]:  # type: ignore[type-arg]
    for name, content in files:
        (tmp_path / name).write_bytes(content)
    code = main(["score", str(tmp_path), "--format", "json"])
    return code, json.loads(capsysbinary.readouterr().out)


@pytest.mark.parametrize(
    ("name", "content", "where", "code"),
    [
        ("syntax.yaml", b"unit_id: haimen\nyear: [2018\n", ":3:", "E001"),
        ("syntax.json", b'{"unit_id": "haimen",\n "year": 2018,,\n}', ":2:", "E001"),
        ("empty.yaml", b"", "empty.yaml", "E003"),
        ("list.yaml", b"- unit_id: haimen\n", "list.yaml", "E003"),
        ("gbk.yaml", "unit_id: haimen\nyear: 2018\nunit_name: 海门\n".encode("gbk"), ":3", "E002"),
        (
            "typo.yaml",
            b"unit_id: haimen\nyear: 2018\nrates:\n  suggestions_replied_ontime: {numerator: 1, denominator: 1}\n",
            ":4:3",
            "E102",
        ),
        (
            "badtype.json",
            b'{"unit_id": "haimen",\n "year": 2018,\n "law_study_sessions": [{"date": "2018-13-01", "topic": "x"}]}',
            ":3:",
            "E104",
        ),
        ("missing.yaml", b"year: 2018\n", "missing.yaml", "E103"),
        (
            "bool.yaml",
            b"unit_id: haimen\nyear: 2018\nrates:\n  court_appearance: {numerator: true, denominator: 3}\n",
            ":4:",
            "E104",
        ),
        (
            "negative.yaml",
            b"unit_id: haimen\nyear: 2018\nrates:\n  court_appearance: {numerator: -1, denominator: 3}\n",
            ":4:",
            "E104",
        ),
    ],
)
def test_bad_reports_become_error_rows_with_file_line_and_code(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], name: str, content: bytes, where: str, code: str
) -> None:
    exit_code, data = score_json(tmp_path, capsysbinary, (name, content), ("good.yaml", GOOD.encode()))
    assert exit_code == 1
    assert len(data["units"]) == 2  # nothing lost: the good report is still scored
    bad = next(u for u in data["units"] if u["source"].endswith(name))
    assert bad["status"] == "invalid"
    text = "\n".join(bad["problems"])
    assert name in text and where in text and code in text


def test_wrong_year_unknown_unit_and_type_contradiction_are_invalid(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    _, data = score_json(
        tmp_path,
        capsysbinary,
        ("a.yaml", b"unit_id: haimen\nyear: 2017\n"),
        ("b.yaml", b"unit_id: nowhere\nyear: 2018\n"),
        ("c.yaml", b"unit_id: haimen\nyear: 2018\nunit_type: city_department\n"),
    )
    codes = {Path(u["source"]).name: " ".join(u["problems"]) for u in data["units"]}
    assert "E301" in codes["a.yaml"] and "E302" in codes["b.yaml"] and "E303" in codes["c.yaml"]


def test_unregistered_unit_with_a_type_is_scored_and_flagged(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    _, data = score_json(
        tmp_path, capsysbinary, ("new.yaml", b"unit_id: new-bureau\nyear: 2018\nunit_type: city_department\n")
    )
    unit = data["units"][0]
    assert unit["registered"] is False and unit["results"]


def test_jsonl_reports_each_line_is_a_report(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    lines = (
        b'{"unit_id": "haimen", "year": 2018}\n\n'
        b'{"unit_id": "qidong", "year": 2018\n'  # line 3: broken
        b'{"unit_id": "rugao", "year": 2018}\n'
    )
    _, data = score_json(tmp_path, capsysbinary, ("all.jsonl", lines))
    assert [u["unit_id"] for u in data["units"]] == ["haimen", None, "rugao"]
    assert data["units"][1]["source"].endswith("all.jsonl:3")
    assert "all.jsonl:3:" in data["units"][1]["problems"][0]


def test_score_exit_codes(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["score", str(SAMPLES / "haimen.yaml"), str(SAMPLES / "nt-gov.yaml")]) == 0
    assert main(["score", str(SAMPLES / "qidong.yaml")]) == 1
    assert main(["score", str(SAMPLES / "broken-tongzhou.yaml")]) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["score", "no/such/path"],
        ["check", "no/such/file.yaml"],
        ["score", str(SAMPLES), "--rules", "no/such/rulebook"],
        ["rules", "--rules", "no/such/rulebook"],
        ["score"],
        ["score", str(SAMPLES), "--format", "xml"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2_without_a_traceback(args: list[str]) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.strip()


def test_broken_rulebook_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    import shutil

    from compliance.loading.rulebook import DEFAULT_RULES

    rules = tmp_path / "book"
    shutil.copytree(DEFAULT_RULES, rules)
    target = rules / "rules" / "s8-safeguards.yaml"
    target.write_text(
        target.read_text(encoding="utf-8").replace("target: 4}", "target: 4, tagret: 5}"), encoding="utf-8"
    )
    done = run_cli("score", str(SAMPLES), "--rules", str(rules))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "s8-safeguards.yaml:" in done.stderr and "tagret" in done.stderr and "did you mean 'target'" in done.stderr


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "scores.json"
    assert main(["score", str(SAMPLES / "haimen.yaml"), "--format", "json", "--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["units"][0]["unit_id"] == "haimen"
    assert [p.name for p in out.parent.iterdir()] == ["scores.json"]  # no temp file left behind


def test_check_prints_a_chinese_scorecard(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(SAMPLES / "fazhiban.yaml")]) == 1
    out = capsys.readouterr().out
    assert "NT18-10.1" in out and "停车场" in out and "未达标" in out


def test_same_inputs_give_identical_json() -> None:
    first = run_cli("score", str(SAMPLES), "--format", "json").stdout
    second = run_cli("score", str(SAMPLES), "--format", "json").stdout
    assert first == second and first


@pytest.mark.parametrize("command", ["score", "assess", "rules"])
def test_unwritable_output_is_one_message_and_exit_2(tmp_path: Path, command: str) -> None:
    args = [] if command == "rules" else [str(SAMPLES / "haimen.yaml")]
    done = subprocess.run(
        [sys.executable, "-m", "compliance", command, *args, "--output", str(tmp_path)],  # a folder, not a file
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert f"{tmp_path}: E000 无法写入输出文件（cannot write output" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # no temp file left behind


def test_sigterm_leaves_no_partial_output(tmp_path: Path) -> None:
    import signal
    import time

    from benchmarks.generate import write

    data = write(tmp_path / "many.jsonl", 20000, seed=3)
    out = tmp_path / "out" / "scores.jsonl"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "compliance",
            "score",
            str(data),
            "--format",
            "jsonl",
            "--workers",
            "2",
            "--output",
            str(out),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (out.parent.exists() and any(out.parent.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until the temp file exists, i.e. writing has begun
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and "interrupted" in err, err
    assert list(out.parent.iterdir()) == []  # neither a half-written file nor its temp file


def _chinese_first(problem: str) -> bool:
    """The message after the code is Chinese, with English after it in brackets:
    `file:line:col: E301 报告年度…（report is for…）`, `… E001 JSON 语法错误（JSON syntax error: …）`."""
    message = problem.split(" E", 1)[1].split(" ", 1)[1]
    chinese = message.split("（", 1)[0]
    return any("\u4e00" <= c <= "\u9fff" for c in chinese)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("year.yaml", b"unit_id: haimen\nyear: 2017\n", "E301"),
        ("unknown.yaml", b"unit_id: nowhere\nyear: 2018\n", "E302"),
        ("contradicts.yaml", b"unit_id: haimen\nyear: 2018\nunit_type: city_department\n", "E303"),
        ("type.yaml", b"unit_id: nowhere\nyear: 2018\nunit_type: no_such_type\n", "E304"),
        ("syntax.yaml", b"unit_id: haimen\nyear: [2018\n", "E001"),
        ("syntax.json", b'{"unit_id": "haimen", "year": }', "E001"),
        ("gbk.yaml", "unit_id: 海门市\nyear: 2018\n".encode("gbk"), "E002"),
        ("list.yaml", b"- unit_id: haimen\n", "E003"),
    ],
)
def test_report_problems_are_written_chinese_first(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], name: str, content: bytes, code: str
) -> None:
    _, data = score_json(tmp_path, capsysbinary, (name, content))
    (unit,) = data["units"]
    found = [p for p in unit["problems"] if f" {code} " in p]
    assert found and all(_chinese_first(p) for p in found), unit["problems"]


def test_a_missing_report_path_is_a_chinese_first_usage_error(tmp_path: Path) -> None:
    done = run_cli("check", str(tmp_path / "nowhere.yaml"))
    assert done.returncode == 2 and "E000 文件或文件夹不存在" in done.stderr and "Traceback" not in done.stderr
