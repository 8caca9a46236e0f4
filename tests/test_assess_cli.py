"""`compliance assess`: every unit and every report accounted for, every format, reproducible output, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.cli import main
from compliance.loading.rulebook import DEFAULT_RULES, LoadedRulebook

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
TIME = "2019-01-15T09:00:00+08:00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_bytes(capfdbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, bytes]:
    code = main(list(argv))
    out, _ = capfdbinary.readouterr()
    return code, out


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_samples_table_lists_every_unit_and_report(capsys: pytest.CaptureFixture[str], book: LoadedRulebook) -> None:
    code, out, _ = run(capsys, "assess", str(SAMPLES), "--time", TIME)
    assert code == 1  # some samples fail on purpose
    assert "排名 ranking" in out and "等次 grade" in out
    for unit in book.registry.units:
        assert unit.id in out, unit.id
    for sample in SAMPLES.iterdir():
        if sample.is_file():
            assert sample.name in out or sample.stem in out, sample.name


def test_samples_json_accounts_for_everything(capfdbinary: pytest.CaptureFixture[bytes], book: LoadedRulebook) -> None:
    code, out = run_bytes(capfdbinary, "assess", str(SAMPLES), "--format", "json", "--time", TIME)
    assert code == 1
    data = json.loads(out)
    assert data["format"] == "compliance-assessment" and data["format_version"] == 1
    assert {u["unit_id"] for u in data["units"]} >= {u.id for u in book.registry.units}
    sources = {Path(r["source"]).name for r in data["audit"]["reports"]}
    assert sources == {p.name for p in SAMPLES.iterdir() if p.is_file()}
    assert all(len(r["sha256"]) == 64 for r in data["audit"]["reports"])
    assert data["audit"]["rulebook"]["sha256"] == book.digest
    assert data["audit"]["generated_at"] == "2019-01-15T01:00:00Z"
    assert "statement" in data["policy"] and data["policy"]["denominator"]["not_reported"] == "count_zero"
    by_id = {u["unit_id"]: u for u in data["units"]}
    assert by_id["rudong"]["status"] == "not_reported" and by_id["rudong"]["grade"] == "不合格"
    assert by_id["tongzhou"]["status"] == "invalid"  # broken-tongzhou.yaml: received but unreadable
    rates = [r["pass_rate"] for r in data["rule_pass_rates"] if r["pass_rate"] is not None]
    assert rates == sorted(rates)  # most-missed first
    assert len(data["matrix"]["rows"]) == len(book.registry.units)


def test_json_is_byte_identical_apart_from_the_time(
    capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    _, first = run_bytes(capfdbinary, "assess", str(SAMPLES), "--format", "json")
    _, second = run_bytes(capfdbinary, "assess", str(SAMPLES), "--format", "json", "--time", "2030-01-01T00:00:00Z")

    def without_time(raw: bytes) -> bytes:
        lines = [line for line in raw.splitlines() if b'"generated_at"' not in line]
        return b"\n".join(lines)

    assert first != second
    assert without_time(first) == without_time(second)
    _, third = run_bytes(capfdbinary, "assess", str(SAMPLES), "--format", "json", "--time", "2030-01-01T00:00:00Z")
    assert third == second


def test_source_date_epoch_fixes_the_time(
    capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1547514000")
    _, out = run_bytes(capfdbinary, "assess", str(SAMPLES / "haimen.yaml"), "--format", "json")
    assert json.loads(out)["audit"]["generated_at"] == "2019-01-15T01:00:00Z"


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md", "html", "junit"])
def test_every_format_is_reproducible(capfdbinary: pytest.CaptureFixture[bytes], fmt: str) -> None:
    _, first = run_bytes(capfdbinary, "assess", str(SAMPLES), "--format", fmt, "--time", TIME)
    _, second = run_bytes(capfdbinary, "assess", str(SAMPLES), "--format", fmt, "--time", TIME)
    assert first and first == second


def test_csv_opens_in_excel(capfdbinary: pytest.CaptureFixture[bytes], book: LoadedRulebook) -> None:
    _, out = run_bytes(capfdbinary, "assess", str(SAMPLES), "--format", "csv")
    assert out.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))
    assert rows[0][3] == "单位代码 unit id"
    assert {row[3] for row in rows[1:]} >= {u.id for u in book.registry.units}
    assert all(len(row) == len(rows[0]) for row in rows)


def test_junit_has_one_case_per_unit_and_rule(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    _, out = run_bytes(capfdbinary, "assess", str(SAMPLES), "--format", "junit", "--time", TIME)
    root = ET.fromstring(out)
    suites = {s.get("name", "").split()[0]: s for s in root.iter("testsuite")}
    qidong = suites["qidong"]
    assert len(qidong.findall("testcase")) == 26  # the 26 county rules
    assert qidong.get("failures") == "4"
    failed = {c.get("name", "").split()[0] for c in qidong.findall("testcase") if c.find("failure") is not None}
    assert failed == {"NT18-01.2", "NT18-24.1", "NT18-27.1", "NT18-32.1"}
    reports = suites["reports"]
    assert reports.get("errors") == "1"  # broken-tongzhou.yaml
    assert int(root.get("tests", "0")) == sum(int(s.get("tests", "0")) for s in root.iter("testsuite"))


def test_markdown_escapes_unit_strings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        tmp_path / "evil.yaml",
        {
            "unit_id": "evil-unit",
            "unit_name": "<b>坏</b>|单位",
            "unit_type": "affiliated_unit",
            "year": 2018,
        },
    )
    _, out, _ = run(capsys, "assess", str(tmp_path), "--format", "md")
    assert "<b>" not in out
    assert "&lt;b&gt;坏&lt;/b&gt;\\|单位" in out


def test_duplicates_copies_and_unregistered_reports_are_reported(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    base = {"unit_id": "gongjijin", "year": 2018, "rule_of_law_reports_heard": [{"date": "2018-12-20", "meeting": "a"}]}
    write(tmp_path / "a.yaml", base)
    write(tmp_path / "b.yaml", {**base, "law_study_sessions": [{"date": "2018-04-10", "topic": "x"}]})
    write(tmp_path / "c.yaml", {"unit_id": "yuanlin", "year": 2018})
    write(tmp_path / "d.yaml", {"unit_id": "yuanlin", "year": 2018})  # byte-identical copy of c
    write(
        tmp_path / "e.yaml",
        {"unit_id": "new-bureau", "unit_type": "city_department", "unit_name": "新局", "year": 2018},
    )
    (tmp_path / "f.yaml").write_text("unit_id: [unclosed\n", encoding="utf-8")
    code, out = run_bytes(capfdbinary, "assess", str(tmp_path), "--format", "json")
    assert code == 1
    data = json.loads(out)
    status = {Path(r["source"]).name: r["status"] for r in data["audit"]["reports"]}
    assert status == {
        "a.yaml": "duplicate",
        "b.yaml": "duplicate",
        "c.yaml": "used",
        "d.yaml": "copy",
        "e.yaml": "unregistered",
        "f.yaml": "invalid",
    }
    units = {u["unit_id"]: u for u in data["units"]}
    assert units["gongjijin"]["status"] == "duplicate" and units["gongjijin"]["grade"] is None
    assert units["gongjijin"]["rank"] is None
    assert any("E310" in p for p in data["problems"])
    assert units["new-bureau"]["registered"] is False and units["new-bureau"]["rank"] is None
    assert units["yuanlin"]["reports"] == [str(tmp_path / "c.yaml"), str(tmp_path / "d.yaml")]


def test_registry_option_and_clean_exit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = write(
        tmp_path / "units.yaml",
        {
            "types": [{"id": "county_government", "name": "县（市、区）人民政府", "name_en": "County"}],
            "units": [{"id": "haimen", "name": "海门市人民政府", "type": "county_government"}],
        },
    )
    code, out, err = run(capsys, "assess", str(SAMPLES / "haimen.yaml"), "--registry", str(registry))
    assert code == 0, err  # the one registered unit passes every rule
    assert "海门市人民政府" in out and "rudong" not in out
    assert str(registry) in out


@pytest.mark.parametrize(
    "argv",
    [
        ["assess", "no/such/folder"],
        ["assess", str(SAMPLES), "--rules", "no/such/rules"],
        ["assess", str(SAMPLES), "--time", "yesterday"],
        ["assess", str(SAMPLES), "--format", "pdf"],
        ["assess", str(SAMPLES), "--registry", "no/such/units.yaml"],
    ],
    ids=["missing-path", "missing-rulebook", "bad-time", "bad-format", "missing-registry"],
)
def test_usage_and_input_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err and err.strip()


def test_bad_registry_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = write(tmp_path / "units.yaml", {"types": [], "units": [{"id": "x", "name": "X", "type": "nowhere"}]})
    code, _, err = run(capsys, "assess", str(SAMPLES), "--registry", str(registry))
    assert code == 2 and "E202" in err


def test_a_registry_given_with_the_option_is_checked_like_the_rulebooks_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--registry` once said only "unit type 'x' is not defined", in English and without the hint units.yaml got."""
    registry = tmp_path / "units-2019.yaml"
    registry.write_text(
        "types:\n"
        "  - {id: county_government, name: 县（市、区）人民政府, name_en: County}\n"
        "units:\n"
        "  - {id: haimen, name: 海门市人民政府, type: county_goverment}\n"
        "  - {id: haimen, name: 海门区人民政府, type: county_government}\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "assess", str(SAMPLES / "haimen.yaml"), "--registry", str(registry))
    assert code == 2
    lines = err.splitlines()
    assert any(
        f"{registry}:4:" in line
        and "E202 未声明的单位类型 'county_goverment'" in line
        and "mean 'county_government'" in line
        for line in lines
    ), err
    assert any(f"{registry}:5:" in line and "E201 重复的单位代码 'haimen'" in line for line in lines), err


def test_unwritable_output_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, "assess", str(SAMPLES / "haimen.yaml"), "--output", str(blocker / "out.json"))
    assert code == 2 and "cannot write" in err


def test_output_file_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "assessment.html"
    code, out, _ = run(capsys, "assess", str(SAMPLES), "--format", "html", "--output", str(target))
    assert code == 1 and out == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# ------------------------------------------------------------------ output safety

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # anything but "\n" that moves or colours


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md", "html", "junit"])
def test_file_names_that_are_not_utf8_are_shown_not_fatal(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    # A zip made on Chinese Windows unpacks on Linux with GBK bytes in its file names ("公" is b"\xb9\xab").
    name = os.path.join(os.fsencode(tmp_path), b"\xb9\xab-haimen.yaml")
    with open(name, "wb") as handle:
        handle.write((SAMPLES / "haimen.yaml").read_bytes())
    code, out = run_bytes(capfdbinary, "assess", str(tmp_path), "--format", fmt, "--time", TIME)
    assert code == 1  # every other registered unit sent nothing
    shown = out.decode("utf-8")
    if fmt == "json":
        reports = json.loads(shown)["audit"]["reports"]
        assert [r["source"] for r in reports] == [str(tmp_path / "\\xb9\\xab-haimen.yaml")]
        assert reports[0]["status"] == "used"


def test_table_neutralises_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sessions = [{"date": "2018-03-01", "topic": "宪法\x07\n  · 伪造记录 forged record"}]
    write_json(tmp_path / "haimen.json", {"unit_id": "haimen", "year": 2018, "law_study_sessions": sessions})
    evil = {"unit_id": "evil-unit", "unit_type": "affiliated_unit", "year": 2018}
    write_json(tmp_path / "evil\x1b[31m.json", {**evil, "unit_name": "坏\x1b[2J单位\r\n■ 伪造 forged\u2028\x85\x00"})
    _, out, _ = run(capsys, "assess", str(tmp_path), "--time", TIME)
    assert CONTROL.search(out) is None, repr(CONTROL.search(out))
    assert "坏\ufffd[2J单位" in out and "evil\ufffd[31m.json" in out and "宪法\ufffd" in out
    assert not any(line.lstrip().startswith(("■ 伪造", "· 伪造")) for line in out.splitlines())


def test_table_does_not_reformat_names_or_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # tabulate would read "1.50" as a number and print "1.5", and a score of "0.00" as "0".
    write_json(
        tmp_path / "a.json", {"unit_id": "new-unit", "unit_type": "affiliated_unit", "year": 2018, "unit_name": "1.50"}
    )
    _, out, _ = run(capsys, "assess", str(tmp_path), "--time", TIME)
    row = next(line for line in out.splitlines() if line.startswith("new-unit"))
    assert row.split()[:2] == ["new-unit", "1.50"] and " 0.00 " in row


def test_pass_rate_bars_round_half_up() -> None:
    from compliance.render.table import rate_bar

    assert [rate_bar(Decimal(r)) for r in ("15.0", "25.0", "35.0", "24.9", "100.0")] == [
        "██",
        "███",  # 2.5 tenths: half-up, not Python's half-even round() (which gives 2, the same as 15%)
        "████",
        "██",
        "██████████",
    ]
    assert rate_bar(None) == ""


def test_markdown_neutralises_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "坏\x1b[2J单位\x00\x0b\x0c\u2028|x"
    write_json(
        tmp_path / "a.json", {"unit_id": "evil-unit", "unit_type": "affiliated_unit", "year": 2018, "unit_name": name}
    )
    _, out, _ = run(capsys, "assess", str(tmp_path), "--format", "md", "--time", TIME)
    assert CONTROL.search(out) is None, repr(CONTROL.search(out))
    assert "坏\ufffd\\[2J单位" in out and "\\|x" in out


def test_csv_neutralises_formulas_and_keeps_numbers(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    formulas = ['=HYPERLINK("http://x","y")', "+1+1", "-1+1", "@SUM(A1)"]
    for i, formula in enumerate(formulas):
        write_json(
            tmp_path / f"{formula[0]}{i}.json",
            {"unit_id": f"u{i}", "unit_type": "affiliated_unit", "year": 2018, "unit_name": formula},
        )
    monkeypatch.chdir(tmp_path)
    _, out = run_bytes(capfdbinary, "assess", "--format", "csv", "--", *sorted(p.name for p in tmp_path.iterdir()))
    assert out.startswith("\ufeff".encode()) and b"\r\n" in out
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))
    header, units = rows[0], {row[3]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    for i, formula in enumerate(formulas):
        row = units[f"u{i}"]
        assert row["单位 unit"] == "'" + formula
        assert row["报告 reports"] == f"'{formula[0]}{i}.json"
        assert row["得分 score"] == "0.00" and row["应得分 available"] == "27"  # numbers stay numbers
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row), header


def test_junit_replaces_characters_xml_forbids(tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    name = "坏\x01\x08\x0b\x0c\x1b单位<&>"
    write_json(
        tmp_path / "a.json", {"unit_id": "evil-unit", "unit_type": "affiliated_unit", "year": 2018, "unit_name": name}
    )
    _, out = run_bytes(capfdbinary, "assess", str(tmp_path), "--format", "junit", "--time", TIME)
    root = ET.fromstring(out)
    names = [s.get("name", "") for s in root.iter("testsuite")]
    assert "evil-unit 坏\ufffd\ufffd\ufffd\ufffd\ufffd单位<&>" in names


# ------------------------------------------------------------------ scoring declarations in every format


@pytest.fixture(scope="module")
def declared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the bundled rulebook with a deduction group, a bonus rule and a fail-outright veto, and two
    reports: rugao (the group's cap binds, the bonus is earned) and the sample jiaotong (the veto fails it)."""
    root = tmp_path_factory.mktemp("declared")
    rules = root / "rules"
    shutil.copytree(DEFAULT_RULES, rules)

    def edit(name: str, old: str, new: str) -> None:
        path = rules / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")

    edit(
        "rulebook.yaml",
        "scoring:\n",
        "deduction_groups:\n"
        "  - {id: study, title: {zh: 学法培训, en: Law study and training}, points: 9, cap: 4}\n"
        "scoring:\n  bonus_cap: 1\n",
    )
    for rule_id in ("NT18-32.1", "NT18-32.3", "NT18-32.4"):
        edit("rules/s8-safeguards.yaml", f"  - id: {rule_id}\n", f"  - id: {rule_id}\n    group: study\n")
    edit("rules/s7-disputes.yaml", "  - id: NT18-27.1\n", "  - id: NT18-27.1\n    bonus: true\n")
    edit("rules/s4-enforcement.yaml", "    veto: true    #", "    veto: {consequence: fail}    #")
    reports = root / "reports"
    reports.mkdir()
    rugao = yaml.safe_load((SAMPLES / "haimen.yaml").read_text(encoding="utf-8"))
    rugao["unit_id"] = "rugao"
    rugao.pop("unit_name", None)
    rugao["law_study_sessions"] = rugao["law_study_sessions"][:2]
    rugao["training_classes"] = []
    write(reports / "rugao.yaml", rugao)
    shutil.copyfile(SAMPLES / "jiaotong.yaml", reports / "jiaotong.yaml")
    return rules, reports


def assess_declared(capfdbinary: pytest.CaptureFixture[bytes], declared: tuple[Path, Path], fmt: str) -> str:
    rules, reports = declared
    code, out = run_bytes(capfdbinary, "assess", str(reports), "--rules", str(rules), "--format", fmt, "--time", TIME)
    assert code == 1  # most registered units sent nothing
    return out.decode("utf-8-sig")


def test_declared_scoring_in_json(capfdbinary: pytest.CaptureFixture[bytes], declared: tuple[Path, Path]) -> None:
    data = json.loads(assess_declared(capfdbinary, declared, "json"))
    units = {u["unit_id"]: u for u in data["units"]}
    rugao = units["rugao"]
    # haimen's report (all 26 county rules pass: 66 points) less 2 sessions (32.1: −2) and its training class
    # (32.3: −3): group study loses 5, capped at 4. The bonus NT18-27.1 (2, haimen's rate rose from 52.3% to
    # 41/60 = 68.3%) is out of the 66 − 2 = 64 available and adds min(2, 1) = 1.
    assert rugao["groups"] == [
        {
            "group_id": "study",
            "title": "学法培训",
            "section": 8,
            "points": 9,
            "cap": 4,
            "rules": ["NT18-32.1", "NT18-32.3", "NT18-32.4"],
            "deducted": 5,
            "applied": 4,
            "capped": True,
            "earned": 5,
        }
    ]
    assert (rugao["earned"], rugao["available"], rugao["bonus"], rugao["bonus_applied"]) == (60, 64, 2, 1)
    assert rugao["score"] == 94.75  # 60 / 64 × 100 + 1 = 93.75 + 1
    assert rugao["deductions"] == 4
    # jiaotong (sample): 市政府部门 rules 05.1 3 + 10.1 4 + 10.2 2 + 18.2 3 + 19.1 4 + 20.1 3 + 20.2 1 + 24.1 4
    # + 24.2 3 + 27.1 2 + 30.2 2 + 31.2 2 + 31.3 3 + 32.2 4 + 00.1 3 = 43, less 05.1 (0 of 0) and 20.2 (no
    # extended request), not applicable, and the bonus 27.1: 37. 19.1 431/436 = 98.85%, one started band of 5
    # → −2: 35 / 37 × 100 = 94.594… plus its bonus (75% > 60%) 1 → 95.594… → 95.59 → 优秀; the veto fails it.
    jiaotong = units["jiaotong"]
    assert (jiaotong["score"], jiaotong["grade_before_veto"], jiaotong["grade"]) == (95.59, "优秀", "不合格")
    assert jiaotong["vetoes"] == [{"rule_id": "NT18-19.1", "consequence": "fail", "grade": "不合格"}]
    rules = {r["rule_id"]: r for r in data["rules"]}
    assert rules["NT18-19.1"]["veto"] is True
    assert rules["NT18-19.1"]["veto_consequence"] == {
        "consequence": "fail",
        "grade": "不合格",
        "when": ["fail", "not_reported", "error"],
    }
    assert (rules["NT18-27.1"]["bonus"], rules["NT18-32.3"]["group"]) == (True, "study")
    assert data["policy"]["bonus_cap"] == 1 and data["policy"]["mode"] == "normalised"
    assert data["policy"]["deduction_groups"][0] == {
        "id": "study",
        "title": "学法培训",
        "title_en": "Law study and training",
        "points": 9,
        "cap": 4,
    }
    statement = data["policy"]["statement"]
    assert "扣分组：学法培训（study）9分，最多扣4分" in statement and "合计不超过1分" in statement
    assert "NT18-19.1未达标、未报送、数据矛盾的，直接定为不合格" in statement


@pytest.mark.parametrize("fmt", ["table", "md", "html"])
def test_declared_scoring_for_people(
    capfdbinary: pytest.CaptureFixture[bytes], declared: tuple[Path, Path], fmt: str
) -> None:
    out = assess_declared(capfdbinary, declared, fmt)
    assert "扣分组 学法培训（study，9分）：各项合计扣5分，本项最多扣4分，实扣4分" in out
    assert "+1（得2，封顶）" in out  # rugao's and jiaotong's bonus column
    assert "不合格（一票否决，直接定为最低等次，原优秀）" in out
    assert "【加分项】" in out


def test_declared_scoring_in_csv(capfdbinary: pytest.CaptureFixture[bytes], declared: tuple[Path, Path]) -> None:
    rows = list(csv.DictReader(io.StringIO(assess_declared(capfdbinary, declared, "csv"))))
    by_id = {row["单位代码 unit id"]: row for row in rows}
    rugao, jiaotong = by_id["rugao"], by_id["jiaotong"]
    assert (rugao["得分 score"], rugao["加分 bonus earned"], rugao["计入加分 bonus added"]) == ("94.75", "2", "1")
    assert rugao["扣分组 deduction groups"] == "study 学法培训：扣5，实扣4"
    assert jiaotong["一票否决项 veto failures"] == "NT18-19.1（直接定为不合格）"


def test_declared_scoring_in_junit(capfdbinary: pytest.CaptureFixture[bytes], declared: tuple[Path, Path]) -> None:
    root = ET.fromstring(assess_declared(capfdbinary, declared, "junit"))
    suite = next(s for s in root.iter("testsuite") if s.get("name", "").startswith("rugao "))
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["bonus"] == "1" and props["score"] == "94.75"
    failed = {c.get("name", "").split()[0] for c in suite.findall("testcase") if c.find("failure") is not None}
    assert failed == {"NT18-32.1", "NT18-32.3"}
    # a unit that sent nothing claims no bonus: the bonus case is skipped, never a failure
    haimen = next(s for s in root.iter("testsuite") if s.get("name", "").startswith("haimen "))
    bonus_case = next(c for c in haimen.findall("testcase") if c.get("name", "").startswith("NT18-27.1"))
    skipped = bonus_case.find("skipped")
    assert skipped is not None and bonus_case.find("failure") is None
    assert "加分项得0/2分" in skipped.get("message", "")
