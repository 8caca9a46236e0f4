"""Finding your way: `compliance units`, and reports naming their unit by id, Chinese name or alias."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.evaluate import Evaluator
from compliance.facts.report import ReportHeader
from compliance.lang import Lang, default_lang
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import LoadedRulebook
from compliance.scoring import Audit, assess

AUDIT = Audit("nantong-2018", "t", 2018, "n", "0" * 64, "units.yaml", "0" * 64, "0", "2019-01-15T01:00:00Z")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ the resolver


@pytest.mark.parametrize(
    ("text", "unit_id"),
    [
        ("jiaoyu", "jiaoyu"),
        ("市教育局", "jiaoyu"),
        (" 市教育局 ", "jiaoyu"),
        ("市 教育局", "jiaoyu"),
        ("JiaoYu", "jiaoyu"),
        ("ｊｉａｏｙｕ", "jiaoyu"),  # full-width letters, as a Chinese input method types them
        ("海安县人民政府", "haian"),  # an alias: the county became a city in 2018
        ("市政府法制办公室", "fazhiban"),
        ("市法制办", "fazhiban"),
    ],
)
def test_ids_names_and_aliases_resolve_to_the_registered_unit(book: LoadedRulebook, text: str, unit_id: str) -> None:
    unit = book.resolve_unit(text)
    assert unit is not None and unit.id == unit_id


@pytest.mark.parametrize("text", ["jiaoyuju", "教育局", "南通市教育局", "市教育", ""])
def test_near_misses_do_not_resolve(book: LoadedRulebook, text: str) -> None:
    assert book.resolve_unit(text) is None


@pytest.mark.parametrize(
    ("text", "unit_id"),
    [
        ("jiaoyuju", "jiaoyu"),
        ("教育局", "jiaoyu"),
        ("南通市教育局", "jiaoyu"),
        ("haimem", "haimen"),
        ("海门市", "haimen"),
    ],
)
def test_near_misses_get_a_suggestion(book: LoadedRulebook, text: str, unit_id: str) -> None:
    unit = book.suggest_unit(text)
    assert unit is not None and unit.id == unit_id


def test_nothing_alike_gets_no_suggestion(book: LoadedRulebook) -> None:
    assert book.suggest_unit("中国人民银行总行") is None


def _report(book: LoadedRulebook, unit_id: str) -> ReportHeader:
    valid = book.report.model.model_validate(
        {
            "unit_id": "fazhiban",
            "year": 2018,
            "law_study_sessions": [{"date": f"2018-0{m}-10", "topic": f"t{m}"} for m in range(1, 5)],
        }
    )
    # A report naming its unit by Chinese name; the report model is being widened to accept names, so this
    # stands in for a report as the model will soon read it.
    return valid.model_copy(update={"unit_id": unit_id})


def test_a_report_naming_its_unit_in_chinese_is_scored_as_that_unit(book: LoadedRulebook) -> None:
    with Evaluator(book) as evaluator:
        names = ["fazhiban", "市法制办", "市政府法制办公室"]
        by_id, by_name, by_alias = evaluator.score_batch([ReportInput(n, "", _report(book, n)) for n in names])
    assert by_name.unit_id == by_alias.unit_id == "fazhiban"
    assert by_name.registered and by_name.unit_name == "市法制办" and by_name.unit_type == "city_department"
    # the same rules, including those addressed to the 法制办 by name, with the same verdicts
    named_rules = {r.id for r in book.checkable if "fazhiban" in r.applies_to.units}
    assert named_rules and named_rules <= {r.rule_id for r in by_name.results}
    assert by_name.results == by_id.results == by_alias.results


def test_assess_counts_a_report_by_name_for_the_registered_unit(book: LoadedRulebook) -> None:
    with Evaluator(book) as evaluator:
        cards = evaluator.score_batch([ReportInput("r", "", _report(book, "市法制办"))])
    assessment = assess(book, cards, AUDIT)
    unit = next(u for u in assessment.units if u.unit_id == "fazhiban")
    assert unit.status != "not_reported" and unit.score is not None
    assert not assessment.unregistered_units


# ------------------------------------------------------------------ compliance units


def test_units_lists_the_whole_registry(capsys: pytest.CaptureFixture[str], book: LoadedRulebook) -> None:
    code, out, _ = run(capsys, "units", "--lang", "both")
    assert code == 0
    lines = out.splitlines()
    for unit in book.registry.units:
        line = next(x for x in lines if x.split()[:1] == [unit.id])
        assert unit.name in line and unit.type in line
        assert all(alias in line for alias in unit.aliases)
    assert "单位代码 id" in lines[1] and "别名 aliases" in lines[1]


def test_units_json_and_type_filter(capsys: pytest.CaptureFixture[str], book: LoadedRulebook) -> None:
    code, out, _ = run(capsys, "units", "--format", "json", "--type", "county_government")
    rows = json.loads(out)
    expected = [u.id for u in book.registry.units if u.type == "county_government"]
    assert code == 0 and [r["id"] for r in rows] == expected and len(expected) == 8
    haian = next(r for r in rows if r["id"] == "haian")
    assert haian["aliases"] == ["海安县人民政府"] and haian["type_name"] == "县（市、区）人民政府"
    # the type's Chinese name works as well as its id
    _, by_name, _ = run(capsys, "units", "--format", "json", "--type", "县（市、区）人民政府")
    assert json.loads(by_name) == rows


def test_units_csv_opens_in_excel(capsysbinary: pytest.CaptureFixture[bytes], book: LoadedRulebook) -> None:
    assert main(["units", "--format", "csv", "--lang", "zh"]) == 0
    raw = capsysbinary.readouterr().out
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["单位代码", "名称", "类型"]
    assert len(rows) == 1 + len(book.registry.units)


def test_units_unknown_type_is_a_usage_error_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "units", "--type", "county")
    assert code == 2 and out == ""
    assert err.startswith("--type: E000 没有单位类型") and "county_government" in err


def test_units_writes_an_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "units.json"
    code, out, _ = run(capsys, "units", "--format", "json", "-o", str(target))
    assert code == 0 and out == "" and json.loads(target.read_text(encoding="utf-8"))[0]["id"] == "nt-gov"


# ------------------------------------------------------------------ check names the unit


def test_check_flags_an_unregistered_unit_loudly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.yaml"
    report.write_text("unit_id: jiaoyuju\nunit_type: city_department\nyear: 2018\n", encoding="utf-8")
    code, _, err = run(capsys, "check", str(report))
    assert code == 1  # not a pass: the assessment would grade the real 市教育局 as not reported
    warning = next(line for line in err.splitlines() if " E305 " in line)
    assert warning.split(" E305 ")[1].startswith("单位「jiaoyuju」不在")
    assert "jiaoyu（市教育局）" in warning and "not in the unit registry" in warning


def test_check_names_the_registered_unit_for_a_chinese_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.yaml"
    report.write_text("unit_id: 市教育局\nyear: 2018\n", encoding="utf-8")
    _, _, err = run(capsys, "check", str(report))
    assert "考评对象 jiaoyu（市教育局" in err


def test_check_suggests_a_unit_for_a_misspelt_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.yaml"
    report.write_text("unit_id: jiaoyuju\nyear: 2018\n", encoding="utf-8")
    code, _, err = run(capsys, "check", str(report))
    assert code == 2 and "您是否指 jiaoyu（市教育局）" in err


def test_check_is_quiet_about_a_registered_id(capsys: pytest.CaptureFixture[str]) -> None:
    samples = Path(__file__).resolve().parents[1] / "sample_reports"
    _, _, err = run(capsys, "check", str(samples / "haimen.yaml"))
    assert "E305" not in err and "提示" not in err


# ------------------------------------------------------------------ --lang


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, Lang.ZH),
        ({"LANG": "en_US.UTF-8"}, Lang.EN),
        ({"LANG": "C.UTF-8"}, Lang.BOTH),
        ({}, Lang.BOTH),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, Lang.EN),
        ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, Lang.ZH),
        ({"LC_ALL": "", "LANG": "zh_CN.GB18030"}, Lang.ZH),
    ],
)
def test_default_language_follows_the_locale(environ: dict[str, str], lang: Lang) -> None:
    assert default_lang(environ) == lang


def test_lang_option_picks_the_headings(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    _, zh, _ = run(capsys, "units")
    _, en, _ = run(capsys, "units", "--lang", "en")
    assert zh.splitlines()[1].split()[:2] == ["单位代码", "名称"]
    assert en.splitlines()[1].split()[:2] == ["id", "name"]


def test_a_report_may_name_its_unit_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "jiaoyu.yaml"
    report.write_text(
        "unit_id: 市教育局\nyear: 2018\nrule_of_law_reports_heard: [{date: 2018-12-20}]\n", encoding="utf-8"
    )
    assert main(["score", str(report), "--format", "json"]) == 1  # scored (and failing other rules), not invalid
    (unit,) = json.loads(capsys.readouterr().out)["units"]
    assert unit["unit_id"] == "jiaoyu" and unit["status"] == "fail"
    assert next(r for r in unit["results"] if r["rule_id"] == "NT18-31.3")["status"] == "pass"
