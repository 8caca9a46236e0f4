"""The assessment as JSON: the documented, stable shape (`format_version` changes only when a field is removed)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, Protocol

import orjson

from compliance.evaluate import Status
from compliance.lang import Lang
from compliance.loading.manual import ManualEntry
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import DeductionGroup, Rule, ScoringPolicy
from compliance.results import number, result_data
from compliance.scoring import (
    Assessment,
    Audit,
    GradeCount,
    GroupScore,
    Rectification,
    ReportRecord,
    RulePassRate,
    RuleScore,
    Scale,
    UnitAssessment,
    VetoApplied,
    manual_note,
    plain,
    points_plain,
    veto_of,
)
from compliance.scoring.summary import Summarised, UnitSummary

FORMAT_VERSION = 1


def _veto(rule: Rule, policy: ScoringPolicy) -> dict[str, Any] | None:
    """The veto as it applies (`veto: true` resolved to the policy's cap and triggers), or None."""
    veto = veto_of(rule, policy)
    if veto is None:
        return None
    return {"consequence": veto.consequence, "grade": veto.grade, "when": list(veto.when)}


def _rule(rule: Rule, section: int, policy: ScoringPolicy) -> dict[str, Any]:
    assert rule.check is not None
    return {
        "rule_id": rule.id,
        "section": section,
        "item": rule.source.item,
        "at": rule.source.at,
        "clause": rule.source.clause,
        "title": rule.title.zh,
        "title_en": rule.title.en,
        "measure": rule.check.measure,
        "op": rule.check.op.value,
        "target": number(rule.check.target),
        "unit": rule.unit,
        "points": number(rule.points),
        "scoring": rule.scoring.model_dump(),
        "veto": rule.is_veto,
        "veto_consequence": _veto(rule, policy),
        "group": rule.group,
        "bonus": rule.bonus,
    }


def _group(group: DeductionGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "title": group.title.zh,
        "title_en": group.title.en,
        "points": number(group.points),
        "cap": number(group.deduction_cap),
    }


def _group_score(group: GroupScore, scale: Scale) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "title": group.title,
        "section": group.section,
        "points": points_plain(group.points, scale),
        "cap": points_plain(group.cap, scale),
        "rules": list(group.rule_ids),
        "deducted": points_plain(group.deducted, scale),
        "applied": points_plain(group.applied, scale),
        "capped": group.capped,
        "earned": points_plain(group.earned, scale),
    }


def _veto_applied(veto: VetoApplied) -> dict[str, Any]:
    return {"rule_id": veto.rule_id, "consequence": veto.consequence, "grade": veto.grade}


def _manual(entry: ManualEntry | None, machine: Status | None = None) -> dict[str, Any] | None:
    """The assessor's entry (人工评定) behind a rule's points, and the machine verdict it replaced; None if none."""
    if entry is None:
        return None
    return {
        "points": plain(entry.points),
        "verdict": entry.verdict,
        "reason": entry.reason,
        "assessor": entry.assessor,
        "date": entry.date,
        "entry": entry.where,
        "machine_status": machine,
        "note": manual_note(entry),
    }


def _score(score: RuleScore, scale: Scale) -> dict[str, Any]:
    """A rule's points for a unit, then its verdict in the same shape as `compliance score` gives it; `manual` is
    the assessor's entry when one set the points (null otherwise)."""
    return {
        "rule_id": score.rule_id,
        "section": score.section,
        "points": points_plain(score.points, scale),
        "earned": points_plain(score.earned, scale),
        "counted": score.counted,
        "deducted": points_plain(score.deducted, scale),
        "group": score.group,
        "bonus": score.bonus,
        "veto": score.veto,
        **result_data(score.result),
        "manual": _manual(score.manual, score.machine),
    }


def _fix(fix: Rectification, scale: Scale) -> dict[str, Any]:
    return {
        "rule_id": fix.rule_id,
        "title": fix.title,
        "section": fix.section,
        "status": fix.status,
        "required": fix.required,
        "measured": fix.measured,
        "to_pass": fix.to_pass,
        "item": fix.item,
        "where": fix.where,
        "clause": fix.clause,
        "points_lost": points_plain(fix.points_lost, scale),
        "veto": fix.veto,
        "group": fix.group,
        "records": list(fix.records),
        "manual": _manual(fix.manual),
    }


def unit_data(unit: UnitAssessment) -> dict[str, Any]:
    scale = unit.scale
    return {
        "unit_id": unit.unit_id,
        "unit_name": unit.unit_name,
        "unit_type": unit.unit_type,
        "unit_type_name": unit.unit_type_name,
        "registered": unit.registered,
        "status": unit.status,
        "reports": list(unit.sources),
        "score": plain(unit.score),
        "grade": unit.grade,
        "grade_before_veto": unit.grade_before_veto,
        "vetoed_by": list(unit.vetoed_by),
        "vetoes": [_veto_applied(v) for v in unit.vetoes],
        "bonus": points_plain(unit.bonus, scale),
        "bonus_applied": points_plain(unit.bonus_applied, scale),
        "deductions": points_plain(unit.deductions, scale),
        "rank": unit.rank,
        "ranked_among": unit.ranked_among,
        "earned": points_plain(unit.earned, scale),
        "available": points_plain(unit.available, scale),
        "sections": [
            {
                "number": s.number,
                "title": s.title,
                "earned": points_plain(s.earned, scale),
                "available": points_plain(s.available, scale),
            }
            for s in unit.sections
        ],
        "groups": [_group_score(g, scale) for g in unit.groups],
        "rules": [_score(s, scale) for s in unit.rules],
        "rectification": [_fix(f, scale) for f in unit.rectification],
        "problems": list(unit.problems),
    }


class _Whole(Protocol):
    """What the document's city-wide parts read: an `Assessment`, or a `Summarised` one."""

    @property
    def audit(self) -> Audit: ...
    @property
    def policy(self) -> ScoringPolicy: ...
    @property
    def policy_statement(self) -> str: ...
    @property
    def book(self) -> LoadedRulebook: ...
    @property
    def rules(self) -> tuple[Rule, ...]: ...
    @property
    def pass_rates(self) -> tuple[RulePassRate, ...]: ...
    @property
    def grade_counts(self) -> tuple[GradeCount, ...]: ...
    @property
    def exit_code(self) -> int: ...


class _Placed(Protocol):
    """What the ranking and the matrix read of a unit: a `UnitAssessment` or a `UnitSummary`."""

    @property
    def unit_id(self) -> str: ...
    @property
    def unit_name(self) -> str: ...
    @property
    def score(self) -> Decimal | None: ...
    @property
    def grade(self) -> str | None: ...
    @property
    def rank(self) -> int | None: ...
    def status_of(self, rule_id: str) -> Status | None: ...


def _report(r: ReportRecord) -> dict[str, Any]:
    return {
        "source": r.source,
        "sha256": r.sha256,
        "unit_id": r.unit_id,
        "status": r.status,
        "problems": list(r.problems),
    }


def _ranked(u: _Placed) -> dict[str, Any]:
    return {"rank": u.rank, "unit_id": u.unit_id, "unit_name": u.unit_name, "score": plain(u.score), "grade": u.grade}


def _row(u: _Placed, rules: Sequence[Rule]) -> dict[str, Any]:
    return {"unit_id": u.unit_id, "cells": [u.status_of(rule.id) for rule in rules]}


def _document(
    a: _Whole,
    reports: list[Any],
    units: list[Any],
    ranking: Callable[[str], list[Any]],
    rows: list[Any],
    problems: list[Any],
) -> dict[str, Any]:
    """The whole document; the lists of reports, units, each type's ranking, the matrix rows and the problems as
    given."""
    policy = a.policy
    audit = a.audit
    sections = {p.rule.id: p.section for p in a.book.placed}
    return {
        "format": "compliance-assessment",
        "format_version": FORMAT_VERSION,
        "audit": {
            "rulebook": {
                "id": audit.rulebook_id,
                "title": audit.rulebook_title,
                "year": audit.rulebook_year,
                "source_document": audit.source_document,
                "sha256": audit.rulebook_sha256,
            },
            "registry": {"source": audit.registry_source, "sha256": audit.registry_sha256},
            "tool": {"name": "compliance", "version": audit.tool_version},
            "generated_at": audit.generated_at,
            "manual": (
                None if audit.manual_source is None else {"source": audit.manual_source, "sha256": audit.manual_sha256}
            ),
            "reports": reports,
        },
        "policy": {
            "grades": [{"grade": b.grade, "min_score": number(b.min_score)} for b in policy.grades],
            "fallback_grade": policy.fallback_grade,
            "veto_cap": policy.veto_cap,
            "veto_on": list(policy.veto_on),
            "no_report_grade": policy.no_report_grade,
            "denominator": {
                "not_applicable": policy.not_applicable,
                "not_reported": policy.not_reported,
                "error": policy.error,
                "not_checkable": policy.not_checkable,
            },
            "partial_band": policy.partial_band,
            "decimals": policy.decimals,
            "mode": policy.mode,
            "bonus_cap": number(policy.bonus_cap),
            "deduction_groups": [_group(g) for g in a.book.meta.deduction_groups],
            "statement": a.policy_statement,
        },
        "sections": [
            {"number": s.number, "title": s.title.zh, "title_en": s.title.en, "weight": number(s.weight)}
            for s in a.book.meta.sections
        ],
        "rules": [_rule(rule, sections[rule.id], policy) for rule in a.rules],
        "units": units,
        "ranking": [
            {"unit_type": t.id, "unit_type_name": t.name, "units": ranking(t.id)} for t in a.book.registry.types
        ],
        "matrix": {"rules": [rule.id for rule in a.rules], "rows": rows},
        "rule_pass_rates": [
            {
                "rule_id": r.rule_id,
                "title": r.title,
                "section": r.section,
                "points": plain(r.points),
                "veto": r.veto,
                "bonus": r.bonus,
                "applicable": r.applicable,
                "passed": r.passed,
                "failed": r.failed,
                "not_reported": r.not_reported,
                "error": r.error,
                "pass_rate": plain(r.rate),
            }
            for r in a.pass_rates
        ],
        "grade_counts": [
            {"unit_type": g.unit_type, "unit_type_name": g.unit_type_name, "total": g.total, "counts": dict(g.counts)}
            for g in a.grade_counts
        ],
        "problems": problems,
        "exit_code": a.exit_code,
    }


def assessment_data(a: Assessment) -> dict[str, Any]:
    registered = a.registered_units
    return _document(
        a,
        [_report(r) for r in a.reports],
        [unit_data(u) for u in a.units],
        lambda unit_type: [_ranked(u) for u in registered if u.unit_type == unit_type],
        [_row(u, a.rules) for u in registered],
        list(a.problems),
    )


def render(assessment: Assessment, lang: Lang = Lang.BOTH) -> bytes:
    return orjson.dumps(assessment_data(assessment), option=orjson.OPT_INDENT_2) + b"\n"


# ------------------------------------------------------------------ the same document, written as it goes

_UNRANKED = b'\n  "rank": null,\n  "ranked_among": 0,\n'  # a unit's own keys are the only ones indented by two


def unit_detail(book: LoadedRulebook, manual: bool, lang: Lang) -> Callable[[UnitAssessment], bytes]:
    """One unit's entry of `units`, as `render` writes it at the top level (put aside before ranks are known);
    the same whatever the rulebook, the assessor's file or the language."""
    return _unit_bytes


def _unit_bytes(unit: UnitAssessment) -> bytes:
    return orjson.dumps(unit_data(unit), option=orjson.OPT_INDENT_2)


def _with_rank(detail: bytes, unit: UnitSummary) -> bytes:
    """The unit's entry with its rank: JSON strings hold no raw line break, so the one match is the unit's key."""
    if unit.rank is None:
        return detail
    ranked = f'\n  "rank": {unit.rank},\n  "ranked_among": {unit.ranked_among},\n'.encode()
    before, found, after = detail.partition(_UNRANKED)
    assert found, "a unit's detail without its rank fields"
    return before + ranked + after


def chunks(s: Summarised, lang: Lang = Lang.BOTH) -> Iterator[bytes]:
    """The bytes of `render` for the same assessment, in pieces: the city-wide parts at once, the lists that grow
    with the number of units and reports (reports, units, rankings, matrix rows) one entry at a time."""
    token = secrets.token_hex(8)
    later: list[Callable[[], Iterator[bytes]]] = []

    def stream(entries: Callable[[], Iterator[bytes]]) -> list[str]:
        later.append(entries)
        return [f"\x00{token}:{len(later) - 1}"]  # a one-entry list no report can spell (NUL and a random token)

    def dumped(values: Callable[[], Iterator[Any]]) -> Callable[[], Iterator[bytes]]:
        return lambda: (orjson.dumps(v, option=orjson.OPT_INDENT_2) for v in values())

    shell = _document(
        s,
        stream(dumped(lambda: map(_report, s.reports))),
        stream(lambda: (_with_rank(s.detail(u), u) for u in s.units)),
        lambda unit_type: stream(dumped(lambda: map(_ranked, s.registered(unit_type)))),
        stream(dumped(lambda: (_row(u, s.rules) for u in s.registered(None)))),
        stream(dumped(lambda: iter(s.problems))),
    )
    text = orjson.dumps(shell, option=orjson.OPT_INDENT_2) + b"\n"
    place = re.compile(rb'\[\n( *)"\\u0000' + token.encode() + rb':(\d+)"\n *\]')
    done = 0
    for match in place.finditer(text):
        yield text[done : match.start()]
        indent, outer = match[1], match[1][:-2]
        opened = False
        for entry in later[int(match[2])]():
            yield (b",\n" if opened else b"[\n") + indent + entry.replace(b"\n", b"\n" + indent)
            opened = True
        yield b"\n" + outer + b"]" if opened else b"[]"
        done = match.end()
    yield text[done:]
