"""Scorecards as plain data: the stable JSON shape shared by `score`, `check` and the renderers."""

from __future__ import annotations

from typing import Any

from compliance.evaluate import RuleResult, Scorecard


def number(value: int | float | None) -> int | float | None:
    """Numbers as printed: whole numbers as integers, others to 6 decimals (rates like 97.916667)."""
    if value is None:
        return None
    if isinstance(value, float):
        value = round(value, 6)
        return int(value) if value.is_integer() else value
    return value


def result_data(result: RuleResult) -> dict[str, Any]:
    return {
        "rule_id": result.rule_id,
        "status": result.status,
        "measured": number(result.measured),
        "op": result.op,
        "target": number(result.target),
        "unit": result.unit,
        "shortfall": result.shortfall,
        "shortfall_amount": number(result.shortfall_amount),
        "records": list(result.records),
        "notes": list(result.notes),
        "reason": result.reason,
    }


def card_data(card: Scorecard) -> dict[str, Any]:
    return {
        "unit_id": card.unit_id,
        "unit_name": card.unit_name,
        "unit_type": card.unit_type,
        "registered": card.registered,
        "source": card.source,
        "report_sha256": card.digest,
        "status": card.status,
        "counts": card.counts(),
        "problems": list(card.problems),
        "results": [result_data(r) for r in card.results],
    }
