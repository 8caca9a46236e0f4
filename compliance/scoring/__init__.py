"""Pure: scorecards -> points, deduction groups, section subtotals, scores, grades, ranks (考评).

Nothing in this package reads files, clocks or the environment: the same scorecards, rulebook and audit header
always give the same `Assessment`. The modules, each with one owner:

- `numbers`: points as integers at the plan's scale, and half-up rounding (used by the renderers too);
- `declared`: what the rulebook declares in points (its scale, each section's points), worked out once;
- `results`: the frozen result types;
- `points`: a verdict's points, deduction groups, sections, the score, grades and vetoes;
- `prose`: the policy in words and each rectification item;
- `units`: one unit's assessment; `city`: ranks, pass rates, grade counts; `triage`: which report counts;
- `declarations`: lint's checks of a rulebook's scoring declarations (E25x).
"""

# The names below are loaded from their modules on first use (PEP 562), so importing one module of this package
# (lint's `declarations` when a rulebook loads, for `compliance check`) does not import all of them.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compliance.scoring.city import grade_counts, pass_rates, ranks
    from compliance.scoring.numbers import (
        Points,
        Scale,
        half_up,
        plain,
        points_number,
        points_plain,
        points_text,
        round_half_up,
        text,
    )
    from compliance.scoring.points import (
        ScoringPlan,
        applies,
        capped,
        deduction,
        grade_for,
        rule_points,
        veto_of,
    )
    from compliance.scoring.prose import (
        INVALID_REASON,
        NO_REPORT_REASON,
        OP_SYMBOL,
        manual_note,
        manual_words,
        policy_statement,
        rectification,
        report_fields,
    )
    from compliance.scoring.results import (
        FAILING,
        UNGRADED,
        Assessment,
        Audit,
        GradeCount,
        GroupScore,
        Rectification,
        ReportRecord,
        ReportStatus,
        RulePassRate,
        RuleScore,
        SectionScore,
        UnitAssessment,
        UnitStatus,
        VetoApplied,
    )
    from compliance.scoring.triage import assess
    from compliance.scoring.units import UnitEntry, score_unit

_HOMES: dict[str, tuple[str, ...]] = {
    "city": ("grade_counts", "pass_rates", "ranks"),
    "numbers": (
        "Points",
        "Scale",
        "half_up",
        "plain",
        "points_number",
        "points_plain",
        "points_text",
        "round_half_up",
        "text",
    ),
    "points": ("ScoringPlan", "applies", "capped", "deduction", "grade_for", "rule_points", "veto_of"),
    "prose": (
        "INVALID_REASON",
        "NO_REPORT_REASON",
        "OP_SYMBOL",
        "manual_note",
        "manual_words",
        "policy_statement",
        "rectification",
        "report_fields",
    ),
    "results": (
        "FAILING",
        "UNGRADED",
        "Assessment",
        "Audit",
        "GradeCount",
        "GroupScore",
        "Rectification",
        "ReportRecord",
        "ReportStatus",
        "RulePassRate",
        "RuleScore",
        "SectionScore",
        "UnitAssessment",
        "UnitStatus",
        "VetoApplied",
    ),
    "triage": ("assess",),
    "units": ("UnitEntry", "score_unit"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next use is a plain module attribute
    return value


__all__ = [
    "FAILING",
    "INVALID_REASON",
    "NO_REPORT_REASON",
    "OP_SYMBOL",
    "UNGRADED",
    "Assessment",
    "Audit",
    "GradeCount",
    "GroupScore",
    "Points",
    "Rectification",
    "ReportRecord",
    "ReportStatus",
    "RulePassRate",
    "RuleScore",
    "Scale",
    "ScoringPlan",
    "SectionScore",
    "UnitAssessment",
    "UnitEntry",
    "UnitStatus",
    "VetoApplied",
    "applies",
    "assess",
    "capped",
    "deduction",
    "grade_counts",
    "grade_for",
    "half_up",
    "manual_note",
    "manual_words",
    "pass_rates",
    "plain",
    "points_number",
    "points_plain",
    "points_text",
    "policy_statement",
    "ranks",
    "rectification",
    "report_fields",
    "round_half_up",
    "rule_points",
    "score_unit",
    "text",
    "veto_of",
]
