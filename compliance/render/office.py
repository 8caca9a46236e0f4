"""What the Excel and Word outputs share: numbers rounded per unit of measure, rectification items in plain
Chinese naming the clause, text made safe for Office XML, and zip archives made byte-reproducible."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from decimal import Decimal
from fractions import Fraction

from compliance.model import Rule
from compliance.scoring import (
    Assessment,
    Points,
    Rectification,
    RuleScore,
    Scale,
    UnitAssessment,
    manual_note,
    points_text,
    round_half_up,
)

# Decimals shown per unit of measure: rates and their changes to at most two places, everything counted in whole
# numbers; so 98.853% is 98.85% and its gap 1.15 个百分点 (never 还差1.14679%). Excel cells keep the number and
# show these places with a number format.
DECIMALS = {"%": 2, "百分点": 2}
COUNT_DECIMALS = 0
OTHER_DECIMALS = 2
GAP_WORD = {"%": "个百分点", "百分点": "个百分点"}  # the gap between two rates is in percentage points
UNIT_WORD = {"百分点": "个百分点"}
ABSENT = ("not_reported", "invalid")  # units that sent no report, or none that could be read

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ENGLISH_TAIL = re.compile(r"（[^（）]*[A-Za-z][^（）]*）$")


def xml_safe(value: object) -> str:
    """Text Office XML can hold: characters XML forbids (control characters, lone surrogates) become U+FFFD,
    so a report's stray ESC or NUL is shown, not fatal."""
    return _XML_ILLEGAL.sub("\ufffd", str(value))


def zh(text: str) -> str:
    """The Chinese part of a bilingual message: `还差1次（1 次 short of 4）` → `还差1次`."""
    return _ENGLISH_TAIL.sub("", text).strip()


def decimals_for(unit: str | None, value: float | Fraction | Decimal | None = None) -> int:
    if unit in DECIMALS:
        return DECIMALS[unit]
    if value is not None and Fraction(value) != int(Fraction(value)):
        return OTHER_DECIMALS
    return COUNT_DECIMALS


def amount(value: float | int | Fraction | Decimal, unit: str | None) -> str:
    """A measured value or target for people, rounded half-up to its unit's decimals: '98.85%', '100%', '3次'."""
    exact = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    return f"{_plain(round_half_up(exact, decimals_for(unit, exact)))}{UNIT_WORD.get(unit or '', unit or '')}"


def gap(value: float | int, unit: str | None) -> str:
    """A shortfall, rounded up so it is never shown smaller than it is (0.001 short is '0.01', not '0.00')."""
    exact = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    places = decimals_for(unit, exact)
    shown = Decimal(math.ceil(abs(exact) * 10**places)).scaleb(-places)
    return f"{_plain(shown)}{GAP_WORD.get(unit or '', unit or '')}"


def _plain(value: Decimal) -> str:
    """Without trailing zeros or an exponent: 98.85, 99.9, 100."""
    return f"{value.normalize():f}"


def points(value: Points, scale: Scale) -> str:
    """Points as printed in a rulebook: '3', '2.5' (at most two decimals)."""
    return points_text(value, scale, at_most=2)


def score_text(unit: UnitAssessment, decimals: int) -> str:
    return "—" if unit.score is None else f"{unit.score:.{decimals}f}"


def requirement(rule: Rule) -> str:
    """'不少于4次', '达到100%', '高于0百分点'; a rule no machine can check: the assessor judges it."""
    if rule.check is None:
        return "由考评人员评定"
    target = amount(rule.check.target, rule.unit)
    word = {">=": "不少于", ">": "高于", "<=": "不超过", "<": "低于", "==": "等于"}[rule.check.op.value]
    if rule.unit == "%" and rule.check.op.value == ">=":
        word = "达到"
    return f"{word}{target}"


def finding(rule: Rule, score: RuleScore) -> str:
    """What was found, in one plain sentence: '实际3次，还差1次' / '报告未填写此项' / '报告数据矛盾：…'."""
    result = score.result
    unit = rule.unit
    if score.manual is not None:  # an assessor judged it: say so, with the reason, wherever a finding is shown
        return manual_note(score.manual)
    if result.status == "not_reported":
        return "报告未填写此项，按0分计"
    if result.status == "error":
        return f"报告数据自相矛盾（{zh(result.reason or '')}），须更正" if result.reason else "报告数据自相矛盾，须更正"
    if result.status != "fail":
        return ""
    if result.measured is None or result.target is None or rule.check is None:
        return zh(result.shortfall or "未达标")
    measured = amount(result.measured, unit)
    op = rule.check.op.value
    if unit == "项" and rule.check.target == 1:  # a milestone: done in the year or not
        return zh(result.shortfall or "未在本年度完成")
    per_record = bool(result.shortfall) and re.match(r"^\d+件", result.shortfall or "") is not None
    lowest = "其中最少" if per_record else "实际"
    if op in (">=", ">"):
        missing = result.target - result.measured
        tail = f"，还差{gap(missing, unit)}" if missing > 0 else ""
        count = f"{zh(result.shortfall or '').split('，')[0]}，" if per_record else ""
        return f"{count}{lowest}{measured}{tail}"
    if op in ("<=", "<"):
        over = result.measured - result.target
        return f"实际{measured}，超出{gap(over, unit)}" if over > 0 else f"实际{measured}"
    return f"实际{measured}"


def item_sentence(fix: Rectification, rule: Rule, score: RuleScore, scale: Scale) -> str:
    """A rectification item as a leader reads it: the clause it rests on, what was found, what it cost
    (`scale`: the unit's)."""
    lost = f"，扣{points(fix.points_lost, scale)}分" if fix.points_lost else ""
    veto = "（一票否决项）" if fix.veto else ""
    found = finding(rule, score)
    return f"依据第{fix.item}条“{xml_safe(fix.clause)}”，要求{requirement(rule)}{veto}；{found}{lost}。"


def rule_and_score(a: Assessment, unit: UnitAssessment, rule_id: str) -> tuple[Rule, RuleScore]:
    rule = next(r for r in a.book.rules if r.id == rule_id)  # a manually scored rule may be not checkable
    score = next(s for s in unit.rules if s.rule_id == rule_id)
    return rule, score


def reporting(a: Assessment) -> list[UnitAssessment]:
    """Units with a report that was read (scored, or refused only as one of several): one page each."""
    return [u for u in a.units if u.status not in ABSENT]


def absent(a: Assessment) -> list[UnitAssessment]:
    """Registered units with no usable report: listed once, together."""
    return [u for u in a.units if u.status in ABSENT]


def stamp(a: Assessment) -> tuple[int, int, int, int, int, int]:
    """The run time (the one thing that may differ between two runs) as a zip entry's date and time."""
    when = dt.datetime.strptime(a.audit.generated_at, "%Y-%m-%dT%H:%M:%SZ")
    when = max(when, dt.datetime(1980, 1, 1))  # the earliest time a zip entry can hold
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def run_datetime(a: Assessment) -> dt.datetime:
    return dt.datetime.strptime(a.audit.generated_at, "%Y-%m-%dT%H:%M:%SZ")


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def reproducible_zip(data: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The same archive with every entry dated `date_time` and the document's "modified" property set to it
    (Office libraries stamp both with the time they write), so the same assessment gives the same bytes."""
    stamp = dt.datetime(*date_time).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = _MODIFIED.sub(lambda m: m[1] + stamp + m[2], content)
            target.writestr(info, content)
    return out.getvalue()
