"""The benchmark's inputs and its baseline are worth something only if they are realistic and agree with the product.

- the generator makes every unit type, dated records, about 5% failing units and a few invalid ones;
- the independent minimal evaluator (benchmarks/minimal.py: orjson dicts, no pydantic, no project code) gives the
  product's verdict, rule by rule, on every one of 3,000 generated units, on the samples and on every rule example
  of both rulebooks: a differential check of the product, and proof the benchmark's ratio compares like with like;
- it refuses what its docstring says it refuses, and it runs with `compliance` unimportable.
No timing is asserted here: speed is measured by `python -m benchmarks.run`.
"""

from __future__ import annotations

import ast
import copy
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from benchmarks import minimal, phases
from benchmarks.generate import generate, passing_report, registry, write
from compliance.cli import main as product_main
from compliance.evaluate import STATUSES, Evaluator
from compliance.examples import example_unit
from compliance.loading.reports import ReportInput
from compliance.loading.rulebook import DEFAULT_RULES, load_rulebook

ROOT = Path(__file__).resolve().parent.parent
UNITS = 3000
MADEUP = ROOT / "tests" / "rulebooks" / "madeup-county-2025"

Summary = tuple[str, str | None, str, tuple[int, ...], tuple[tuple[str, str], ...]]


def product_jsonl(tmp: Path, *args: str) -> list[dict[str, Any]]:
    """`compliance score ... --format jsonl`: the product's stable output, one unit object per line."""
    out = tmp / "product.jsonl"
    code = product_main(["score", *args, "--format", "jsonl", "--output", str(out)])
    assert code in (0, 1)
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def product_summary(unit: dict[str, Any]) -> Summary:
    rules = tuple(sorted((r["rule_id"], r["status"]) for r in unit["results"]))
    counts = tuple(unit["counts"][s] for s in STATUSES)
    return unit["source"], unit["unit_id"], unit["status"], counts, rules


def minimal_summary(verdict: minimal.Verdict) -> Summary:
    return verdict.source, verdict.unit_id, verdict.status, verdict.counts, tuple(sorted(verdict.rules))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("bench") / "units.jsonl", UNITS, seed=11)


@pytest.fixture(scope="module")
def product_units(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return product_jsonl(tmp_path_factory.mktemp("product"), str(synthetic), "--workers", "2")


def test_generator_is_deterministic_and_covers_every_unit_type(synthetic: Path) -> None:
    lines = synthetic.read_bytes().splitlines()
    assert len(lines) == UNITS
    assert lines[:200] == list(generate(200, seed=11))  # same seed, same reports
    assert lines[:200] != list(generate(200, seed=12))
    types, _ = registry()
    seen = Counter()
    dated = 0
    for line in lines:
        try:
            report = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # one of the deliberately broken lines
        seen[report.get("unit_type")] += 1
        dated += bool(report.get("law_study_sessions")) and all("date" in s for s in report["law_study_sessions"])
    assert set(types) <= set(seen)
    assert dated > UNITS * 0.9


def test_generated_outcomes_are_realistic(product_units: list[dict[str, Any]]) -> None:
    statuses = Counter(unit["status"] for unit in product_units)
    assert len(product_units) == UNITS
    assert 0.03 * UNITS <= statuses["fail"] <= 0.08 * UNITS  # about 5% fail something
    assert 1 <= statuses["invalid"] <= 0.01 * UNITS  # a few invalid reports
    assert statuses["pass"] >= 0.9 * UNITS


def test_minimal_and_product_agree_on_every_generated_unit(synthetic: Path, product_units: list[dict]) -> None:
    plain = list(minimal.score_paths([synthetic]))
    assert len(plain) == len(product_units) == UNITS
    disagreements = [
        (mine, theirs)
        for mine, theirs in zip(map(minimal_summary, plain), map(product_summary, product_units), strict=True)
        if mine != theirs
    ]
    assert disagreements == []
    seen = Counter(v.status for v in plain)
    assert seen["fail"] > 0 and seen["invalid"] > 0  # the comparison saw failures and refusals, not only passes
    rule_statuses = Counter(status for v in plain for _, status in v.rules)
    assert rule_statuses["not_reported"] > 0 and rule_statuses["not_applicable"] > 0


def test_minimal_and_product_agree_on_the_samples(tmp_path: Path) -> None:
    theirs = [product_summary(u) for u in product_jsonl(tmp_path, str(ROOT / "sample_reports"), "--workers", "1")]
    mine = [minimal_summary(v) for v in minimal.score_paths([ROOT / "sample_reports"])]
    assert mine == theirs
    assert {s[2] for s in mine} == {"pass", "fail", "invalid"}
    assert any(s[3][4] for s in mine)  # a sample with an error (numerator above denominator)


@pytest.mark.parametrize("rules", [DEFAULT_RULES, MADEUP], ids=["nantong-2018", "madeup-county-2025"])
def test_minimal_and_product_agree_on_every_rule_example(rules: Path) -> None:
    """Each example report, scored whole: the unit's status and every applicable rule's status the same (a bonus
    rule falling short fails no unit), and the example's own rule gives what the example expects (both rulebooks,
    so every kind and option of the vocabulary is exercised)."""
    book = load_rulebook(rules)
    plain = minimal.Evaluator(minimal.Rulebook(rules))
    compared = 0
    with Evaluator(book) as evaluator:
        for placed in book.placed:
            rule = placed.rule
            for example in rule.examples:
                data = {"unit_id": example_unit(book, rule, example), "year": book.meta.year, **example.report}
                name = f"{rule.id}-{example.name}"
                report = book.report.model.model_validate(data)
                card = evaluator.score_batch([ReportInput(name, "", report)])[0]
                theirs = sorted((r.rule_id, r.status) for r in card.results)
                verdict = plain.judge(name, copy.deepcopy(data))
                assert (name, verdict.status, sorted(verdict.rules)) == (name, card.status, theirs)
                assert (name, dict(verdict.rules)[rule.id]) == (name, example.expect.value)
                compared += 1
    assert compared >= 40
    kinds = {kind for m in minimal._yaml(rules / "measures.yaml")["measures"] for kind in minimal.KINDS if kind in m}
    if rules == MADEUP:
        assert kinds == set(minimal.KINDS)  # the made-up rulebook uses every kind of the vocabulary


def test_a_bonus_rule_falling_short_fails_no_unit() -> None:
    """A made-up department meeting every rule but the bonus one (MU-08.1, 加分项): both say pass."""
    book = load_rulebook(MADEUP)
    data: dict[str, Any] = {"unit_id": "police", "year": book.meta.year}
    for rule in book.rules:  # the passing example of every rule a department is held to, merged
        example = next((e for e in rule.examples if e.expect.value == "pass"), None)
        if rule.check is None or "department" not in rule.applies_to.types or example is None:
            continue
        for key, value in example.report.items():
            both = isinstance(value, dict) and isinstance(data.get(key), dict)
            data[key] = {**data[key], **value} if both else value
    data["model_unit"] = False
    with Evaluator(book) as evaluator:
        card = evaluator.score_batch([ReportInput("bonus", "", book.report.model.model_validate(data))])[0]
    verdict = minimal.Evaluator(minimal.Rulebook(MADEUP)).judge("bonus", data)
    assert [(r.rule_id, r.status) for r in card.results if r.status != "pass"] == [("MU-08.1", "fail")]
    assert (verdict.status, sorted(verdict.rules)) == (card.status, sorted((r.rule_id, r.status) for r in card.results))
    assert verdict.status == "pass"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(report: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = report
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()
REFUSED: dict[str, Callable[[dict[str, Any]], None]] = {
    "misspelt-key": lambda r: r.__setitem__("lawstudy_sessions", r.pop("law_study_sessions")),
    "other-year": _set("year", 2017),
    "year-as-text": _set("year", "2018"),
    "unit-id-blank": _set("unit_id", "  "),
    "unit-id-a-number": _set("unit_id", 101),
    "unit-id-too-long": _set("unit_id", "市" * 101),
    "unknown-unit-type": _set("unit_type", "village_committee"),
    "type-contradicts-registry": _set("unit_type", "county_government"),
    "unknown-unit-without-type": _set("unit_id", "nowhere"),
    "unknown-record-field": _set("law_study_sessions.0.place", "会议室"),
    "required-field-missing": _set("law_study_sessions.0.topic", _DELETE),
    "required-field-null": _set("law_study_sessions.0.date", None),
    "impossible-date": _set("law_study_sessions.0.date", "2018-02-30"),
    "date-as-number": _set("law_study_sessions.0.date", 20180301),
    "blank-text": _set("law_study_sessions.0.topic", "  "),
    "records-not-a-list": _set("training_classes", {"title": "x"}),
    "record-not-a-mapping": _set("training_classes", ["依法行政专题培训班"]),
    "end-before-start": _set(
        "training_classes", [{"start_date": "2018-05-02", "end_date": "2018-05-01", "title": "x"}]
    ),
    "choice-with-a-space": _set("approval_cases", [{"case_no": "k", "type": "开办企业 ", "accepted": "2018-03-01"}]),
    "flag-as-number": _set(
        "draft_regulations", [{"title": "x", "consultation_start": "2018-03-01", "deputies_consulted": 1}]
    ),
    "group-null": _set("rates", None),
    "unknown-rate": _set("rates.conversion_rate", {"numerator": 1, "denominator": 1}),
    "rate-part-alone": _set("rates.credit_code_conversion", {"numerator": 3}),
    "rate-part-float": _set("rates.credit_code_conversion", {"numerator": 3.0, "denominator": 4}),
    "rate-part-negative": _set("rates.credit_code_conversion", {"numerator": -1, "denominator": 4}),
    "previous-year-above-100": _set("rates.court_appearance.previous_year_percent", 100.5),
    "milestone-extra-key": _set("milestones.annual_work_plan.signed_by", "市长"),
    "milestone-without-number": _set("milestones.annual_work_plan.document_no", _DELETE),
    "declared-negative": _set("declared", {"law_study_sessions": -1}),
}


ACCEPTED: dict[str, Callable[[dict[str, Any]], None]] = {
    "unit-by-chinese-name": _set("unit_id", "市审批局"),
    "unit-by-alias": _set("unit_id", "市行政审批局"),
    "unit-id-in-capitals-and-spaces": _set("unit_id", " ＳＨＥＮ PI "),
    "unit-type-agrees-with-registry": _set("unit_type", "city_department"),
}


def test_minimal_refuses_what_the_product_refuses(tmp_path: Path) -> None:
    """The structural check its docstring promises (keys, shapes, header, and the values a measure reads): each of
    these reports is invalid for both; the report they were made from is valid and passes for both, also when it
    names its unit by Chinese name or alias."""
    base = passing_report(random.Random(5), "shenpi", "city_department", "市审批局", True)
    lines = [orjson.dumps(base)]
    for change in (*ACCEPTED.values(), *REFUSED.values()):
        report = copy.deepcopy(base)
        change(report)
        lines.append(orjson.dumps(report))
    lines.append(orjson.dumps(base)[:-7])  # cut short: not JSON
    lines.append(b'{"unit_id": "shenpi", "year": 2018, "unit_name": ' + b"[" * 1000 + b"]" * 1000 + b"}")
    path = tmp_path / "variants.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    theirs = [product_summary(u) for u in product_jsonl(tmp_path, str(path), "--workers", "1")]
    mine = [minimal_summary(v) for v in minimal.score_paths([path])]
    names = ["base", *ACCEPTED, *REFUSED, "broken-json", "nested-a-thousand-deep"]
    assert [(n, s[1], s[2]) for n, s in zip(names, theirs, strict=True)][: 1 + len(ACCEPTED)] == [
        (n, "shenpi", "pass") for n in names[: 1 + len(ACCEPTED)]
    ]
    assert [(n, s[2]) for n, s in zip(names, theirs, strict=True)][1 + len(ACCEPTED) :] == [
        (n, "invalid") for n in names[1 + len(ACCEPTED) :]
    ]
    assert list(zip(names, mine, strict=True)) == list(zip(names, theirs, strict=True))


def test_minimal_evaluator_uses_no_project_code(tmp_path: Path) -> None:
    tree = ast.parse((ROOT / "benchmarks" / "minimal.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] == "compliance"}
    # and it runs with `compliance` unimportable, giving the product's verdicts on the samples
    blocked = "import sys; sys.modules['compliance'] = None; from benchmarks.minimal import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", blocked, str(ROOT / "sample_reports")],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    rows = [orjson.loads(line) for line in done.stdout.splitlines()]
    theirs = product_jsonl(tmp_path, str(ROOT / "sample_reports"), "--workers", "1")
    assert rows == [[u["source"], u["status"], [u["counts"][s] for s in STATUSES]] for u in theirs]


class _Stats:
    """A pstats.Stats stand-in: {function: (calls, primitive calls, own time, cumulative, {caller: edge})}."""

    def __init__(self, table: dict[phases.Func, tuple[Any, ...]]) -> None:
        self.stats = table


def test_phase_breakdown_gives_time_to_the_first_phase_entered() -> None:
    root = ("~", 0, "<main>")
    line = ("/x/compliance/loading/reports.py", 1, "report_from_line")
    loads = ("~", 0, "<built-in method orjson.loads>")
    judge = ("/x/compliance/engine/durable.py", 1, "judge")
    result = ("/x/compliance/evaluate.py", 1, "_result")
    shortfall = ("/x/compliance/measures/interface.py", 1, "shortfall")
    measure = ("/x/compliance/measures/count.py", 1, "measure")
    table = {
        root: (1, 1, 1.0, 20.0, {}),
        line: (9, 9, 2.0, 5.0, {root: (9, 9, 2.0, 5.0)}),
        # orjson.loads reads reports (3 s) and the engine's answers (1 s): shared 3:1
        loads: (9, 9, 4.0, 4.0, {line: (8, 8, 3.0, 3.0), judge: (1, 1, 1.0, 1.0)}),
        judge: (1, 1, 1.5, 2.5, {root: (1, 1, 1.5, 2.5)}),
        result: (1, 1, 0.5, 1.0, {root: (1, 1, 0.5, 1.0)}),
        shortfall: (1, 1, 0.5, 0.5, {result: (1, 1, 0.5, 0.5)}),  # measures' code building a result: results
        measure: (1, 1, 0.25, 0.25, {root: (1, 1, 0.25, 0.25)}),
    }
    found = phases.attribute(_Stats(table))  # type: ignore[arg-type]
    assert found.total == pytest.approx(9.75)
    assert found.phases["parse+validate"] == pytest.approx(2.0 + 3.0)
    assert found.phases["engine"] == pytest.approx(1.5 + 1.0)
    assert found.phases["results"] == pytest.approx(1.0)
    assert found.phases["derive"] == pytest.approx(0.25)
    assert found.phases["other"] == pytest.approx(1.0)
    assert found.unclaimed[0][1] == "<main>"


def test_benchmark_command_reports_ratios_memory_and_phases(tmp_path: Path) -> None:
    """A tiny run of `python -m benchmarks.run`: every table is there (its numbers are measured, not tested)."""
    tiny = ["--sizes", "30", "--repeat", "1", "--workers", "1", "--profile-size", "30", "--data", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *tiny],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for heading in ("cpu ×min", "cpu ×orj", "product parent", "compliance assess FILE", "per-phase breakdown"):
        assert heading in text
    for phase in phases.ORDER:
        assert any(line.startswith(phase + " ") for line in text.splitlines()), phase
    assert sorted(p.name for p in tmp_path.iterdir()) == ["30-seed2018.jsonl"]  # no output or stats left behind
