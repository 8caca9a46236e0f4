"""The assessment as JUnit XML for CI: one test suite per unit, one test case per unit × applicable rule.

pass -> passed; fail and not_reported -> <failure>; error -> <error>; not_applicable -> <skipped>. A bonus rule
(加分项) that did not pass is <skipped> too: no unit is obliged to claim a bonus.
Every report also appears in a final suite `reports` (invalid, duplicate and unregistered reports fail it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from compliance.lang import Lang
from compliance.render.interface import rank_text
from compliance.scoring import Assessment, text

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(value: object) -> str:
    """Text safe for XML 1.0 (ElementTree escapes markup but would pass control characters through)."""
    return _NOT_XML.sub("\ufffd", str(value))


def render(a: Assessment, lang: Lang = Lang.BOTH) -> str:
    titles = {rule.id: rule.title.zh for rule in a.rules}
    root = ET.Element("testsuites", {"name": _x(f"compliance assess {a.audit.rulebook_id}")})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    props = ET.SubElement(root, "properties")
    for name, value in (
        ("rulebook", a.audit.rulebook_id),
        ("rulebook_sha256", a.audit.rulebook_sha256),
        ("registry_sha256", a.audit.registry_sha256),
        ("tool_version", a.audit.tool_version),
        ("generated_at", a.audit.generated_at),
    ):
        ET.SubElement(props, "property", {"name": name, "value": _x(value)})
    for u in a.units:
        suite = ET.SubElement(root, "testsuite", {"name": _x(f"{u.unit_id} {u.unit_name}")})
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        sprops = ET.SubElement(suite, "properties")
        for name, value in (
            ("unit_type", u.unit_type),
            ("status", u.status),
            ("score", text(u.score, a.policy.decimals)),
            ("grade", u.grade or "—"),
            ("rank", rank_text(u)),
            *((("bonus", text(u.bonus_applied)),) if a.has_bonus else ()),
        ):
            ET.SubElement(sprops, "property", {"name": name, "value": _x(value)})
        fixes = {f.rule_id: f for f in u.rectification}
        for score in u.rules:
            counts["tests"] += 1
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "classname": _x(f"assess.{u.unit_id}"),
                    "name": _x(f"{score.rule_id} {titles.get(score.rule_id, '')}"),
                },
            )
            fix = fixes.get(score.rule_id)
            status = score.status
            if status == "not_applicable":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", {"message": _x(score.result.reason or "不适用 not applicable")})
            elif score.bonus and status != "pass":
                counts["skipped"] += 1
                earned = f"加分项得{text(score.earned)}/{text(score.points)}分"
                ET.SubElement(case, "skipped", {"message": f"{earned} bonus {status}"})
            elif fix is not None:
                tag = "error" if status == "error" else "failure"
                counts["errors" if status == "error" else "failures"] += 1
                element = ET.SubElement(case, tag, {"type": status, "message": _x(fix.to_pass)})
                element.text = _x(
                    f"要求 required: {fix.required}\n实际 measured: {fix.measured}\n"
                    f"依据 source: {fix.where} {fix.clause}\n" + "".join(f"· {r}\n" for r in fix.records)
                )
        if u.status == "duplicate":
            counts["tests"] += 1
            counts["errors"] += 1
            case = ET.SubElement(suite, "testcase", {"classname": _x(f"assess.{u.unit_id}"), "name": "report"})
            ET.SubElement(case, "error", {"type": "duplicate", "message": _x("; ".join(u.problems))})
        for key, count in counts.items():
            suite.set(key, str(count))
            totals[key] += count
    suite = ET.SubElement(root, "testsuite", {"name": "reports"})
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for report in a.reports:
        counts["tests"] += 1
        case = ET.SubElement(suite, "testcase", {"classname": "assess.reports", "name": _x(report.source)})
        if report.status not in ("used", "copy"):
            counts["errors"] += 1
            ET.SubElement(
                case, "error", {"type": report.status, "message": _x("; ".join(report.problems) or report.status)}
            )
    for key, count in counts.items():
        suite.set(key, str(count))
        totals[key] += count
    for key, count in totals.items():
        root.set(key, str(count))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
