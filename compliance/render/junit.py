"""The assessment as JUnit XML for CI: one test suite per unit, one test case per unit × applicable rule.

pass -> passed; fail and not_reported -> <failure>; error -> <error>; not_applicable -> <skipped>. A bonus rule
(加分项) that did not pass is <skipped> too: no unit is obliged to claim a bonus.
Every report also appears in a final suite `reports` (invalid, duplicate and unregistered reports fail it).

Each unit's suite is written on its own (as `ET.indent` and `ET.tostring` write it inside the whole document), so
the same text comes from an assessment in memory and, one unit at a time, from one put aside on disk.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping

from compliance.lang import Lang
from compliance.loading.rulebook import LoadedRulebook
from compliance.render.interface import rank_text
from compliance.scoring import Assessment, Audit, ReportRecord, UnitAssessment, points_text, text
from compliance.scoring.summary import Summarised, UnitSummary

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_KINDS = ("tests", "failures", "errors", "skipped")
_UNRANKED = b'<property name="rank" value="\xe2\x80\x94" />'  # rank_text of an unranked unit ("—")


def _x(value: object) -> str:
    """Text safe for XML 1.0 (ElementTree escapes markup but would pass control characters through)."""
    return _NOT_XML.sub("\ufffd", str(value))


def _counted(suite: ET.Element, counts: dict[str, int]) -> str:
    """The suite with its counts, as it stands in the document: indented one level in."""
    for key, count in counts.items():
        suite.set(key, str(count))
    ET.indent(suite, level=1)
    return ET.tostring(suite, encoding="unicode")


def _suite(u: UnitAssessment, titles: Mapping[str, str], decimals: int, has_bonus: bool) -> tuple[str, list[int]]:
    """One unit's suite and its counts (tests, failures, errors, skipped)."""
    suite = ET.Element("testsuite", {"name": _x(f"{u.unit_id} {u.unit_name}")})
    counts = dict.fromkeys(_KINDS, 0)
    sprops = ET.SubElement(suite, "properties")
    for name, value in (
        ("unit_type", u.unit_type),
        ("status", u.status),
        ("score", text(u.score, decimals)),
        ("grade", u.grade or "—"),
        ("rank", rank_text(u)),
        *((("bonus", points_text(u.bonus_applied, u.scale)),) if has_bonus else ()),
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
            earned = f"加分项得{points_text(score.earned, u.scale)}/{points_text(score.points, u.scale)}分"
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
    return _counted(suite, counts), list(counts.values())


def _report_counts(reports: Iterable[ReportRecord]) -> list[int]:
    tests = errors = 0
    for report in reports:
        tests += 1
        errors += report.status not in ("used", "copy")
    return [tests, 0, errors, 0]


def _reports(reports: Iterable[ReportRecord], counts: list[int]) -> Iterator[str]:
    """The final suite, a report at a time: every report read, its counts given (a first read of the reports)."""
    suite = ET.Element("testsuite", {"name": "reports"})
    for key, count in zip(_KINDS, counts, strict=True):
        suite.set(key, str(count))
    if not counts[0]:
        yield ET.tostring(suite, encoding="unicode")
        return
    yield ET.tostring(suite, encoding="unicode", short_empty_elements=False).removesuffix("</testsuite>")
    for report in reports:
        case = ET.Element("testcase", {"classname": "assess.reports", "name": _x(report.source)})
        if report.status not in ("used", "copy"):
            ET.SubElement(
                case, "error", {"type": report.status, "message": _x("; ".join(report.problems) or report.status)}
            )
        ET.indent(case, level=2)
        yield "\n    " + ET.tostring(case, encoding="unicode")
    yield "\n  </testsuite>"


def _head(audit: Audit, totals: list[int]) -> str:
    """The document up to its first suite: the root's start tag (with the totals) and the run's properties."""
    root = ET.Element("testsuites", {"name": _x(f"compliance assess {audit.rulebook_id}")})
    for key, count in zip(_KINDS, totals, strict=True):
        root.set(key, str(count))
    start = ET.tostring(root, encoding="unicode", short_empty_elements=False).removesuffix("</testsuites>")
    props = ET.Element("properties")
    for name, value in (
        ("rulebook", audit.rulebook_id),
        ("rulebook_sha256", audit.rulebook_sha256),
        ("registry_sha256", audit.registry_sha256),
        ("tool_version", audit.tool_version),
        ("generated_at", audit.generated_at),
    ):
        ET.SubElement(props, "property", {"name": name, "value": _x(value)})
    ET.indent(props, level=1)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + start + "\n  " + ET.tostring(props, encoding="unicode")


def _add(totals: list[int], counts: list[int]) -> None:
    for i, count in enumerate(counts):
        totals[i] += count


def render(a: Assessment, lang: Lang = Lang.BOTH) -> str:
    titles = {rule.id: rule.title.zh for rule in a.rules}
    totals = _report_counts(a.reports)
    out = [""]  # the head, once the totals are known
    for u in a.units:
        suite, counts = _suite(u, titles, a.policy.decimals, a.has_bonus)
        out.append("\n  " + suite)
        _add(totals, counts)
    out[0] = _head(a.audit, totals)
    out.append("\n  ")
    out += _reports(a.reports, _report_counts(a.reports))
    return "".join(out) + "\n</testsuites>\n"


# ------------------------------------------------------------------ the same document, written as it goes


def unit_detail(book: LoadedRulebook, manual: bool, lang: Lang) -> Callable[[UnitAssessment], bytes]:
    """A unit's suite before ranks are known (ranked as `—`), after its four counts: put aside on disk."""
    titles = {rule.id: rule.title.zh for rule in book.checkable}
    decimals = book.meta.scoring.decimals
    has_bonus = any(rule.bonus for rule in book.checkable)

    def detail(u: UnitAssessment) -> bytes:
        suite, counts = _suite(u, titles, decimals, has_bonus)
        return " ".join(map(str, counts)).encode() + b"\n" + suite.encode("utf-8")

    return detail


def _counts(detail: bytes) -> list[int]:
    return [int(n) for n in detail[: detail.index(b"\n")].split()]


def _ranked(detail: bytes, u: UnitSummary) -> bytes:
    """The suite with the unit's rank: `<` is escaped in every value, so the one match is the rank property."""
    suite = detail[detail.index(b"\n") + 1 :]
    if u.rank is None:
        return suite
    before, found, after = suite.partition(_UNRANKED)
    assert found, "a unit's suite without its rank property"
    ranked = f'<property name="rank" value="{u.rank}/{u.ranked_among}" />'.encode()
    return before + ranked + after


def chunks(s: Summarised, lang: Lang = Lang.BOTH) -> Iterator[bytes]:
    """The bytes of `render` for the same assessment: the totals from a first read of the units' counts and of
    the reports, then each unit's suite as put aside, ranked, then the reports one by one."""
    reported = _report_counts(s.reports)
    totals = list(reported)
    for u in s.units:
        _add(totals, _counts(s.detail(u)))
    yield _head(s.audit, totals).encode("utf-8")
    for u in s.units:
        yield b"\n  " + _ranked(s.detail(u), u)
    yield b"\n  "
    batch: list[str] = []
    for piece in _reports(s.reports, reported):
        batch.append(piece)
        if len(batch) >= 1000:
            yield "".join(batch).encode("utf-8")
            batch.clear()
    yield ("".join(batch) + "\n</testsuites>\n").encode("utf-8")
