"""The Nantong measures, as declared in rules/nantong-2018/measures.yaml: the counting conventions the document
and Chinese law imply."""

from __future__ import annotations

from pydantic import BaseModel

from compliance.loading.rulebook import load_rulebook
from compliance.measures.interface import Measured, PerRecord, Unmeasured

BOOK = load_rulebook()


def report(**facts: object) -> BaseModel:
    return BOOK.report.model.model_validate({"unit_id": "haimen", "year": 2018, **facts})


def metric(name: str, **facts: object) -> object:
    return BOOK.measures[name].plan.measure(report(**facts))


def _days(start: str, end: str) -> object:
    drafts = [{"title": "t", "consultation_start": start, "consultation_end": end}]
    found = metric("draft_consultation_days", draft_regulations=drafts)
    assert isinstance(found, PerRecord)
    return found.items[0][1]


def test_consultation_days_do_not_count_the_starting_day() -> None:
    # Civil Code art. 201: the day a period starts is not counted; 1 March -> 31 March is 30 days.
    assert _days("2018-03-01", "2018-03-31") == 30
    assert _days("2018-03-01", "2018-03-30") == 29
    assert _days("2018-12-15", "2019-01-14") == 30


def test_sessions_are_counted_only_inside_the_assessment_year() -> None:
    m = metric(
        "law_study_sessions",
        law_study_sessions=[
            {"date": "2017-12-31", "topic": "a"},
            {"date": "2018-01-01", "topic": "b"},
            {"date": "2018-12-31", "topic": "c"},
            {"date": "2019-01-01", "topic": "d"},
        ],
    )
    assert isinstance(m, Measured)
    assert m.value == 2
    assert any("2017-12-31" in n for n in m.notes) and any("2019-01-01" in n for n in m.notes)


def test_duplicate_records_count_once() -> None:
    m = metric("law_study_sessions", law_study_sessions=[{"date": "2018-04-10", "topic": "x"}] * 2)
    assert isinstance(m, Measured) and m.value == 1


def test_records_win_over_a_typed_total() -> None:
    m = metric(
        "law_study_sessions",
        law_study_sessions=[{"date": "2018-04-10", "topic": "x"}],
        declared={"law_study_sessions": 5},
    )
    assert isinstance(m, Measured) and m.value == 1
    assert any("5" in n for n in m.notes)


def test_declared_total_is_used_only_without_records() -> None:
    m = metric("law_study_sessions", declared={"law_study_sessions": 5})
    assert isinstance(m, Measured) and m.value == 5


def test_missing_facts_are_not_reported_and_empty_records_count_zero() -> None:
    assert isinstance(metric("training_classes"), Unmeasured)
    assert metric("training_classes").status == "not_reported"  # type: ignore[attr-defined]
    zero = metric("training_classes", training_classes=[])
    assert isinstance(zero, Measured) and zero.value == 0


def test_training_class_counts_in_the_year_of_its_first_day() -> None:
    m = metric(
        "training_classes",
        training_classes=[{"start_date": "2017-12-30", "end_date": "2018-01-02", "title": "t"}],
    )
    assert isinstance(m, Measured) and m.value == 0


def test_rates_come_from_their_parts_exactly() -> None:
    m = metric("suggestion_reply_rate", rates={"suggestions_replied_on_time": {"numerator": 999, "denominator": 1000}})
    assert isinstance(m, Measured) and m.value == 99.9
    full = metric("suggestion_reply_rate", rates={"suggestions_replied_on_time": {"numerator": 3, "denominator": 3}})
    assert isinstance(full, Measured) and full.value == 100
    # a near-miss that rounding to a few decimals would hide is still below 100
    near = metric(
        "suggestion_reply_rate",
        rates={"suggestions_replied_on_time": {"numerator": 9_999_999, "denominator": 10_000_000}},
    )
    assert isinstance(near, Measured) and near.value < 100


def test_parts_win_over_a_declared_percent() -> None:
    m = metric(
        "suggestion_reply_rate",
        rates={"suggestions_replied_on_time": {"numerator": 9, "denominator": 10, "percent": 100}},
    )
    assert isinstance(m, Measured) and m.value == 90 and m.notes


def test_contradictory_rates_are_errors_and_empty_ones_not_applicable() -> None:
    over = metric("suggestion_reply_rate", rates={"suggestions_replied_on_time": {"numerator": 11, "denominator": 10}})
    assert isinstance(over, Unmeasured) and over.status == "error"
    empty = metric("suggestion_reply_rate", rates={"suggestions_replied_on_time": {"numerator": 0, "denominator": 0}})
    assert isinstance(empty, Unmeasured) and empty.status == "not_applicable"


def test_each_draft_is_measured_and_only_a_named_legal_basis_exempts() -> None:
    m = metric(
        "draft_consultation_days",
        draft_regulations=[
            {"title": "A", "consultation_start": "2018-03-01", "consultation_end": "2018-03-31"},
            {"title": "B", "confidential": True, "legal_basis": "保密法第九条"},
            {"title": "C", "confidential": True},
        ],
    )
    assert isinstance(m, PerRecord)
    # C is marked confidential without a legal basis: not exempt, and never consulted: not done (never "0 days")
    assert [value for _, value in m.items] == [30]
    assert len(m.undone) == 1 and m.undone[0].startswith("C")
    assert len(m.exempt) == 1 and "B" in m.exempt[0]


def test_drafts_consulted_in_another_year_are_not_judged_against_this_year() -> None:
    m = metric(
        "draft_consultation_days",
        draft_regulations=[{"title": "A", "consultation_start": "2015-03-01", "consultation_end": "2015-03-10"}],
    )
    assert isinstance(m, Unmeasured) and m.status == "not_applicable"


def test_draft_ending_before_it_starts_is_an_error() -> None:
    m = metric(
        "draft_consultation_days",
        draft_regulations=[{"title": "A", "consultation_start": "2018-03-10", "consultation_end": "2018-03-01"}],
    )
    assert isinstance(m, Unmeasured) and m.status == "error"


def test_milestones_count_only_when_completed_in_the_year() -> None:
    done = metric(
        "annual_work_plan_done", milestones={"annual_work_plan": {"completed": "2018-03-01", "document_no": "x"}}
    )
    late = metric(
        "annual_work_plan_done", milestones={"annual_work_plan": {"completed": "2019-01-01", "document_no": "x"}}
    )
    assert isinstance(done, Measured) and done.value == 1
    assert isinstance(late, Measured) and late.value == 0


def test_court_appearance_gain_is_in_percentage_points() -> None:
    m = metric(
        "court_appearance_rate_gain",
        rates={"court_appearance": {"numerator": 3, "denominator": 4, "previous_year_percent": 70}},
    )
    assert isinstance(m, Measured) and m.value == 5


def test_every_measure_has_a_unit_and_a_chinese_name() -> None:
    for measure in BOOK.measures.values():
        assert measure.unit and measure.label.zh and measure.plan.fields
