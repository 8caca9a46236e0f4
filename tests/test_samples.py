"""The bundled sample reports: every file is accounted for and each borderline gets the document's verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compliance.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"


@pytest.fixture(scope="module")
def scored() -> dict[str, Any]:
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "compliance", "score", str(SAMPLES), "--format", "json"],
        capture_output=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr  # some samples fail on purpose
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def by_source(scored: dict[str, Any], name: str) -> dict[str, Any]:
    return next(u for u in scored["units"] if Path(u["source"]).name == name)


def rule(scored: dict[str, Any], name: str, rule_id: str) -> dict[str, Any]:
    return next(r for r in by_source(scored, name)["results"] if r["rule_id"] == rule_id)


def test_every_sample_file_is_accounted_for(scored: dict[str, Any]) -> None:
    files = sorted(p.name for p in SAMPLES.iterdir() if p.suffix in (".yaml", ".json"))
    assert sorted(Path(u["source"]).name for u in scored["units"]) == files
    assert len(files) >= 10


def test_sample_set_covers_every_unit_type(scored: dict[str, Any]) -> None:
    types = {u["unit_type"] for u in scored["units"]}
    assert types >= {"city_government", "county_government", "development_zone", "city_department", "affiliated_unit"}


def test_exactly_four_sessions_pass(scored: dict[str, Any]) -> None:
    r = rule(scored, "haimen.yaml", "NT18-32.1")
    assert (r["status"], r["measured"]) == ("pass", 4)


def test_session_dated_2017_12_31_does_not_count(scored: dict[str, Any]) -> None:
    r = rule(scored, "qidong.yaml", "NT18-32.1")
    assert (r["status"], r["measured"]) == ("fail", 3)
    assert r["shortfall_amount"] == 1
    assert any("2017-12-31" in note for note in r["notes"])


def test_thirty_days_pass_twenty_nine_fail(scored: dict[str, Any]) -> None:
    r = rule(scored, "fazhiban.yaml", "NT18-10.1")
    assert r["status"] == "fail"
    failing = " ".join(r["records"])
    assert "停车场" in failing and "29日" in failing  # 2018-08-01 -> 08-30: 29 days
    assert "养犬" not in failing  # 2018-03-01 -> 03-31: exactly 30 days


def test_confidential_draft_needs_a_legal_basis(scored: dict[str, Any]) -> None:
    without = rule(scored, "fazhiban.yaml", "NT18-10.1")
    assert any("某专项" in rec for rec in without["records"])
    with_basis = rule(scored, "nt-gov.yaml", "NT18-10.1")
    assert with_basis["status"] == "pass"
    assert any("保密" in note and "国防动员" in note for note in with_basis["notes"])


def test_rate_of_99_9_percent_fails(scored: dict[str, Any]) -> None:
    r = rule(scored, "qidong.yaml", "NT18-24.1")
    assert (r["status"], r["measured"]) == ("fail", 99.9)


def test_missing_facts_are_not_reported(scored: dict[str, Any]) -> None:
    unit = by_source(scored, "rugao.yaml")
    assert unit["counts"]["not_reported"] >= 5
    assert rule(scored, "rugao.yaml", "NT18-32.3")["status"] == "not_reported"
    assert rule(scored, "rugao.yaml", "NT18-32.1")["status"] == "pass"


def test_contradictory_rate_is_an_error(scored: dict[str, Any]) -> None:
    r = rule(scored, "zhujian.json", "NT18-24.1")
    assert r["status"] == "error" and "47" in r["reason"] and "45" in r["reason"]


def test_invalid_report_is_an_error_row_with_locations(scored: dict[str, Any]) -> None:
    unit = by_source(scored, "broken-tongzhou.yaml")
    assert unit["status"] == "invalid" and unit["results"] == []
    assert unit["unit_id"] == "tongzhou"  # the unit it names still shows whose report failed
    text = "\n".join(unit["problems"])
    assert "broken-tongzhou.yaml:4:1" in text and "law_study_sessions" in text  # did you mean
    assert "training_classes[0].start_date" in text


def test_veto_rule_failure_is_reported(scored: dict[str, Any]) -> None:
    r = rule(scored, "jiaotong.yaml", "NT18-19.1")
    assert r["status"] == "fail" and r["measured"] < 100


@pytest.mark.parametrize(
    "name", ["haimen.yaml", "nt-gov.yaml", "gongshang.yaml", "nt-etdz.yaml", "gongjijin.yaml", "arbitration.yaml"]
)
def test_fully_compliant_samples_pass(scored: dict[str, Any], name: str) -> None:
    assert by_source(scored, name)["status"] == "pass"


def test_check_exit_codes() -> None:
    assert main(["check", str(SAMPLES / "haimen.yaml")]) == 0
    assert main(["check", str(SAMPLES / "qidong.yaml")]) == 1
    assert main(["check", str(SAMPLES / "rugao.yaml")]) == 1  # not reported counts as not passing
    assert main(["check", str(SAMPLES / "broken-tongzhou.yaml")]) == 2


@pytest.fixture(scope="module")
def assessed() -> dict[str, Any]:
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "compliance", "assess", str(SAMPLES), "--format", "json", "--time", "2019-01-15"],
        capture_output=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    return {u["unit_id"]: u for u in data["units"]}


def test_sample_scores_match_the_hand_computation_in_the_readme(assessed: dict[str, Any]) -> None:
    # qidong, 66 points apply (35 for the 13 original county rules, 31 for the 13 added by the re-encoding):
    # 32.1 one session short (per_shortfall 1) -1; 24.1 99.9% is a started 5-point band (rate_bands step 5 per 1) -1;
    # 27.1 court-appearance rate fell (all or nothing) -2; 01.2 a business start-up took 4 working days, Sunday
    # 2018-02-11 being a make-up working day (all or nothing) -2 → 60/66 = 90.909…
    qidong = assessed["qidong"]
    assert (qidong["earned"], qidong["available"], qidong["score"], qidong["grade"]) == (60, 66, 90.91, "优秀")
    lost = {r["rule_id"]: r["points_lost"] for r in qidong["rectification"]}
    assert lost == {"NT18-32.1": 1, "NT18-24.1": 1, "NT18-27.1": 2, "NT18-01.2": 2}
    # rugao: the 21 rules it did not report (8 original, 13 added) count as zero → 17/66 = 25.757…
    rugao = assessed["rugao"]
    assert (rugao["earned"], rugao["available"], rugao["score"], rugao["grade"]) == (17, 66, 25.76, "不合格")
    # jiaotong: 39 points apply (23 + 10.2 2, 18.2 3, 20.1 3, 24.2 3, 30.2 2, 00.1 3; 05.1 is 0 of 0 and 20.2 has no
    # extended request: not applicable). 431/436 certified fails veto rule 19.1 (a started 5-point band, -2)
    # → 37/39 = 94.87, 优秀 capped to 合格
    jiaotong = assessed["jiaotong"]
    assert (jiaotong["earned"], jiaotong["available"], jiaotong["score"]) == (37, 39, 94.87)
    assert (jiaotong["grade_before_veto"], jiaotong["grade"], jiaotong["vetoed_by"]) == ("优秀", "合格", ["NT18-19.1"])
    # tongzhou sent an unreadable report: listed as invalid, scored 0, never dropped
    assert assessed["tongzhou"]["status"] == "invalid" and assessed["tongzhou"]["grade"] == "不合格"
