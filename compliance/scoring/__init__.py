"""Pure: scorecards -> points, deduction groups, section subtotals, scores, grades, ranks (考评).

Nothing in this package reads files, clocks or the environment: the same scorecards, rulebook and audit header
always give the same `Assessment`. The modules, each with one owner:

- `numbers`: exact fractions and half-up rounding (used by the renderers too);
- `results`: the frozen result types;
- `points`: a verdict's points, deduction groups, sections, the score, grades and vetoes;
- `prose`: the policy in words and each rectification item;
- `units`: one unit's assessment; `city`: ranks, pass rates, grade counts; `triage`: which report counts;
- `declarations`: lint's checks of a rulebook's scoring declarations (E25x).
"""

from compliance.scoring.city import grade_counts, pass_rates, ranks
from compliance.scoring.numbers import exact, plain, round_half_up, text
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
    "Rectification",
    "ReportRecord",
    "ReportStatus",
    "RulePassRate",
    "RuleScore",
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
    "exact",
    "grade_counts",
    "grade_for",
    "manual_note",
    "manual_words",
    "pass_rates",
    "plain",
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
