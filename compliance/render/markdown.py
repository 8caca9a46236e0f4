"""The assessment as Markdown for a circular (通报): rankings, grade counts, most-missed rules, rectification lists.

Every string from a rulebook, registry or report is escaped, so a unit name can neither break a table nor
inject HTML into a Markdown viewer.
"""

from __future__ import annotations

import html
import itertools
import pickle
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple, Protocol

from compliance.lang import Lang
from compliance.loading.rulebook import LoadedRulebook
from compliance.model import Rule, UnitType
from compliance.plaintext import one_line
from compliance.render.interface import (
    MANUAL_KEY,
    MISSING_REPORT,
    SYMBOL_KEY,
    UNIT_STATUS_LABEL,
    Ranked,
    bonus_text,
    grade_text,
    group_text,
    heading,
    manual_line,
    manual_scores,
    matrix_symbol,
    rank_text,
    rankings,
    rate_text,
    status_label,
    unit_label,
)
from compliance.scoring import (
    Assessment,
    Audit,
    GradeCount,
    ReportRecord,
    RulePassRate,
    UnitAssessment,
    points_text,
    text,
)
from compliance.scoring.summary import Summarised, UnitSummary

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: object) -> str:
    """Plain text inside Markdown: HTML-escaped, Markdown punctuation backslashed, one line (a line break is
    `<br>`, other control characters as in the terminal table)."""
    escaped = html.escape(str(value), quote=False)
    return one_line(_SPECIAL.sub(r"\\\1", escaped).replace("\r", " ").replace("\n", "<br>"))


def _table(headers: list[str], rows: Iterable[str], lang: Lang = Lang.BOTH) -> Iterator[str]:
    """A table's lines: its header, then `rows` (each already `_row`)."""
    headers = [heading(h, lang) for h in headers]
    yield "| " + " | ".join(headers) + " |"
    yield "|" + "|".join(" --- " for _ in headers) + "|"
    yield from rows


class _Parts(NamedTuple):
    """What a unit adds to each part of the document, written before ranks are known (so the rank cell, the one
    thing that waits for them, is left off the ranking row)."""

    ranking: str  # its row in its type's ranking, from the second cell on
    unregistered: str  # its row among the units not in the registry
    matrix: str  # its row of the matrix
    manual: list[str]  # its lines of manual points
    fixes: list[str]  # its rectification list (with its heading), or nothing


def _parts_of(book: LoadedRulebook, manual: bool, lang: Lang) -> Callable[[UnitAssessment], _Parts]:
    decimals = book.meta.scoring.decimals
    rules = book.checkable
    has_bonus = any(rule.bonus for rule in rules)

    def parts(u: UnitAssessment) -> _Parts:
        ranking = [
            md(u.unit_name),
            text(u.score, decimals),
            *([md(bonus_text(u))] if has_bonus else []),
            md(grade_text(u)),
            md(lang.pick(UNIT_STATUS_LABEL[u.status])),
            f"{points_text(u.earned, u.scale)}/{points_text(u.available, u.scale)}",
        ]
        unregistered = [md(unit_label(u)), text(u.score, decimals), md(grade_text(u)), md(", ".join(u.sources))]
        matrix = [md(u.unit_name), *(md(matrix_symbol(u, rule.id)) for rule in rules)]
        manual_lines = [f"- {md(unit_label(u))}：{md(manual_line(score, u.scale))}" for score in manual_scores(u)]
        return _Parts(
            " | ".join(ranking) + " |",
            _row(unregistered),
            _row(matrix),
            manual_lines if manual else [],
            _fixes(u, decimals),
        )

    return parts


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _fixes(u: UnitAssessment, decimals: int) -> list[str]:
    if not u.rectification and not u.problems:
        return []
    bonus = f"（含加分{points_text(u.bonus_applied, u.scale)}）" if u.bonus_applied else ""
    out = ["", f"### {md(unit_label(u))}：{text(u.score, decimals)}分{bonus}，{md(grade_text(u))}", ""]
    out += [f"- {md(p)}" for p in u.problems]
    if u.status in MISSING_REPORT:
        out.append(f"- {MISSING_REPORT[u.status]}；须报送：{', '.join(f.rule_id for f in u.rectification)}")
        return out
    for f in u.rectification:
        veto = "（一票否决项）" if f.veto else ""
        out.append(
            f"- **{f.rule_id}** {md(f.title)}{veto} — {md(status_label(f.status))}；要求 {md(f.required)}；"
            f"实际 {md(f.measured)}；{md(f.to_pass)}；失分 {points_text(f.points_lost, u.scale)}。"
            f"依据{f.where}：“{md(f.clause)}”"
        )
        out += [f"  - {md(r)}" for r in f.records]
    out += [f"- {md(group_text(g, u.scale))}" for g in u.groups if g.deducted]
    return out


class _Units(Protocol):
    """Where the document finds each unit's parts, in output order: an assessment in memory, or one on disk."""

    def rankings(self) -> Iterator[tuple[UnitType, Iterable[tuple[Ranked, _Parts]]]]: ...
    def unregistered(self) -> Iterable[_Parts]: ...
    def registered(self) -> Iterable[_Parts]: ...
    def units(self) -> Iterable[_Parts]: ...


def _lines(
    audit: Audit,
    policy_statement: str,
    report_count: int,
    has_bonus: bool,
    grade_counts: Sequence[GradeCount],
    pass_rates: Sequence[RulePassRate],
    rules: Sequence[Rule],
    units: _Units,
    reports: Iterable[ReportRecord],
    lang: Lang,
) -> Iterator[str]:
    """The document, a line at a time (each unit's lines are its `_Parts`)."""
    yield from [
        f"# {md(audit.rulebook_title)} — {audit.rulebook_year}年度考评结果",
        "",
        f"依据 {md(audit.source_document)}。",
        "",
        f"- 规则集 rulebook：`{audit.rulebook_id}`，SHA-256 `{audit.rulebook_sha256}`",
        f"- 考评对象 registry：{md(audit.registry_source)}，SHA-256 `{audit.registry_sha256}`",
        f"- 工具 tool：compliance {md(audit.tool_version)}；生成时间 generated：{audit.generated_at}",
        f"- 报告 reports read：{report_count}",
        "",
        f"**计分办法 policy**：{md(policy_statement)}",
        "",
        "## " + lang.pick("一、各类单位排名 Rankings"),
    ]
    for unit_type, members in units.rankings():
        yield from ["", f"### {md(unit_type.name)}", ""]
        headers = ["排名", "单位", "得分", *(["加分"] if has_bonus else []), "等次", "状态", "实得/应得"]
        yield from _table(headers, (f"| {rank_text(u)} | {parts.ranking}" for u, parts in members), lang)
    others = iter(units.unregistered())
    first = next(others, None)
    if first is not None:
        yield from ["", "### 不在考评对象名单中的报告（不排名）", ""]
        rows = (p.unregistered for p in itertools.chain([first], others))
        yield from _table(["单位", "得分", "等次", "报告"], rows, lang)

    yield from ["", "## " + lang.pick("二、等次分布 Grade counts"), ""]
    names = list(dict.fromkeys(g for count in grade_counts for g, _ in count.counts))
    yield from _table(
        ["类型", *map(md, names), "合计"],
        (
            _row([md(g.unit_type_name), *(str(dict(g.counts).get(n, 0)) for n in names), str(g.total)])
            for g in grade_counts
        ),
        lang,
    )

    yield from ["", "## " + lang.pick("三、各项要求达标率（未达标最多的在前）Rule pass rates"), ""]
    yield from _table(
        ["规则", "要求", "达标/适用", "达标率", "未报送", "一票否决"],
        (
            _row(
                [
                    r.rule_id,
                    md(f"【加分项】{r.title}" if r.bonus else r.title),
                    f"{r.passed}/{r.applicable}",
                    rate_text(r.rate),
                    str(r.not_reported),
                    "是" if r.veto else "",
                ]
            )
            for r in pass_rates
        ),
        lang,
    )

    key = f"{SYMBOL_KEY}  {MANUAL_KEY}" if audit.manual_source is not None else SYMBOL_KEY
    yield from ["", "## " + lang.pick("四、单位 × 规则 Matrix"), "", md(key), ""]
    yield from _table(["单位", *(rule.id for rule in rules)], (p.matrix for p in units.registered()), lang)
    if audit.manual_source is not None:
        yield from ["", "### " + lang.pick("人工评分 Manual points") + f"（{md(audit.manual_source)}）", ""]
        for parts in units.units():
            yield from parts.manual

    yield from ["", "## " + lang.pick("五、整改清单 Rectification lists")]
    for parts in units.units():
        yield from parts.fixes

    flagged = (r for r in reports if r.problems)
    first_flagged = next(flagged, None)
    if first_flagged is not None:
        yield from ["", "## " + lang.pick("六、报告问题 Report problems"), ""]
        for report in itertools.chain([first_flagged], flagged):
            yield f"- {md(report.source)}（{report.status}）"
            yield from (f"  - {md(p)}" for p in report.problems)


class _InMemory:
    def __init__(self, a: Assessment, parts: Callable[[UnitAssessment], _Parts]) -> None:
        self._a = a
        self._parts = {u.unit_id: parts(u) for u in a.units}  # unit ids are unique in an assessment

    def rankings(self) -> Iterator[tuple[UnitType, Iterable[tuple[Ranked, _Parts]]]]:
        for unit_type, members in rankings(self._a):
            yield unit_type, [(u, self._parts[u.unit_id]) for u in members]

    def unregistered(self) -> Iterable[_Parts]:
        return [self._parts[u.unit_id] for u in self._a.unregistered_units]

    def registered(self) -> Iterable[_Parts]:
        return [self._parts[u.unit_id] for u in self._a.registered_units]

    def units(self) -> Iterable[_Parts]:
        return [self._parts[u.unit_id] for u in self._a.units]


def render(a: Assessment, lang: Lang = Lang.BOTH) -> str:
    parts = _parts_of(a.book, a.audit.manual_source is not None, lang)
    lines = _lines(
        a.audit,
        a.policy_statement,
        len(a.reports),
        a.has_bonus,
        a.grade_counts,
        a.pass_rates,
        a.rules,
        _InMemory(a, parts),
        a.reports,
        lang,
    )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the same document, written as it goes


def unit_detail(book: LoadedRulebook, manual: bool, lang: Lang) -> Callable[[UnitAssessment], bytes]:
    """A unit's parts of the document, put aside on disk before ranks are known."""
    parts = _parts_of(book, manual, lang)

    def detail(u: UnitAssessment) -> bytes:
        return pickle.dumps(tuple(parts(u)), protocol=pickle.HIGHEST_PROTOCOL)

    return detail


class _OnDisk:
    def __init__(self, s: Summarised) -> None:
        self._s = s

    def _parts(self, u: UnitSummary) -> _Parts:
        return _Parts(*pickle.loads(self._s.detail(u)))

    def rankings(self) -> Iterator[tuple[UnitType, Iterable[tuple[Ranked, _Parts]]]]:
        for unit_type in self._s.book.registry.types:
            members = self._s.registered(unit_type.id)
            if len(members):
                yield unit_type, ((u, self._parts(u)) for u in members)

    def unregistered(self) -> Iterable[_Parts]:
        return map(self._parts, self._s.unregistered)

    def registered(self) -> Iterable[_Parts]:
        return map(self._parts, self._s.registered(None))

    def units(self) -> Iterable[_Parts]:
        return map(self._parts, self._s.units)


def chunks(s: Summarised, lang: Lang = Lang.BOTH) -> Iterator[bytes]:
    """The bytes of `render` for the same assessment, some thousand lines at a time."""
    lines = _lines(
        s.audit,
        s.policy_statement,
        len(s.reports),
        any(rule.bonus for rule in s.rules),
        s.grade_counts,
        s.pass_rates,
        s.rules,
        _OnDisk(s),
        s.reports,
        lang,
    )
    while batch := list(itertools.islice(lines, 4096)):
        yield ("\n".join(batch) + "\n").encode("utf-8")
