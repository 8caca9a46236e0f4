"""Lint a rulebook: schema, consistency, rule examples, faithfulness to the source, and coverage.

Every problem prints as `path:line:col: CODE message [field]`; the code says what kind of problem it is
and never changes meaning. Exit codes of `compliance lint`: 0 sound, 1 problems found, 2 the rulebook
folder (or an explicitly given --source), or a file of the rulebook that is there, cannot be read at all
(no permission, a FIFO or device, larger than 16 MB); a missing rulebook.yaml is a finding (1).

| code | check        | problem                                                                           |
|------|--------------|-----------------------------------------------------------------------------------|
| E000 | read         | a file or folder cannot be read (missing rulebook.yaml, no rule files, …)         |
| E001 | read         | YAML or JSON syntax error                                                         |
| E002 | read         | file is not UTF-8 text                                                            |
| E003 | read         | top level is not a mapping (an empty file is reported at 1:1)                     |
| E004 | read         | a file larger than 16 MB (exit 2: not read at all)                                |
| E005 | read         | nested more than 64 levels deep                                                   |
| E006 | read         | YAML aliases that repeat more than 10,000 values, or refer to what holds them     |
| E007 | read         | a key written twice (both places named)                                           |
| E008 | read         | a number the engine cannot compare exactly (beyond 64 bits, inf, NaN, `1e-400`, `0100`)|
| E009 | read         | a YAML tag outside the core schema, or a list/mapping as a key                    |
| E010 | read         | a FIFO, device or socket where a file belongs (exit 2: never opened)              |
| E101 | schema       | unknown field                                                                     |
| E102 | schema       | unknown field, with a did-you-mean suggestion                                     |
| E103 | schema       | required field missing                                                            |
| E104 | schema       | any other schema violation (bad id format, negative points, wrong type, …)        |
| E201 | consistency  | duplicate rule id or unit id                                                      |
| E202 | consistency  | unknown unit type                                                                 |
| E203 | consistency  | unknown named unit                                                                |
| E204 | consistency  | the rule reads a measure that measures.yaml does not declare                      |
| E205 | consistency  | target out of the measure's range (rate 0-100, count a whole number >= 0, …)      |
| E206 | consistency  | the rule's unit differs from its measure's unit                                   |
| E207 | consistency  | the file's section is not declared in rulebook.yaml                               |
| E208 | consistency  | the id's item number differs from source.item (NT18-05.1 must quote item 5)       |
| E209 | consistency  | the id's prefix differs from the other rules' (NT18-…)                            |
| E220 | measures     | a measure reads a fact that facts.yaml does not declare                           |
| E221 | measures     | the fact has the wrong type for this measure (e.g. `rate` of a records fact)      |
| E222 | measures     | the records have no such field (a filter, date, label or value field)             |
| E223 | measures     | the field has the wrong type for this use (a `date:` that is text, a sum of text) |
| E224 | measures     | a filter compares a field with a value of another type (a date with a number)     |
| E225 | measures     | a filter is written wrongly (unknown comparison, several in one, empty list)      |
| E226 | measures     | a per-period count or sum has no date field to place records in periods           |
| E227 | measures     | `change` reads a rate fact not declared with previous_year: true                  |
| E228 | measures     | a deadline's due date is not a valid month-day                                    |
| E229 | measures     | a working-day measure but no calendar.yaml                                        |
| E230 | measures     | calendar.yaml does not cover the assessment year                                  |
| E231 | measures     | a date a working-day measure meets (in a rule's example) is not in the calendar   |
| E232 | facts        | a fact names a group not declared under `groups:`                                 |
| E233 | facts        | a fact or group uses a report header key (unit_id, year, …) or another's key      |
| E25x | consistency  | scoring declarations: deduction groups, section weights, vetoes, bonus rules,    |
|      |              | fixed_100 totals (the table is in compliance.scoring.declarations)                |
| E401 | faithfulness | the quote (source.clause) is not in the source; the nearest passage is named      |
| E402 | faithfulness | the quote is in the source but not inside the item or division the rule cites     |
| E403 | faithfulness | source.item is not a numbered item of the source                                  |
| E404 | faithfulness | the source document named in rulebook.yaml (source.path) cannot be read           |
| E405 | faithfulness | the item belongs to another section of the source than the rule file's section    |
| E406 | faithfulness | the source has no numbered items (none at all, or none of source.numbering)       |
| E407 | faithfulness | the locator (source.at) matches no division of the source; the nearest is named   |
| E408 | faithfulness | the citation names several divisions (items numbered anew per section): use `at`  |
| E501 | coverage     | a clause stating a measurable target is cited by no rule (see compliance.coverage)|
| E601 | examples     | a machine-checkable rule has no passing example                                   |
| E602 | examples     | a machine-checkable rule has no failing example                                   |
| E603 | examples     | a machine-checkable rule has no `boundary: at_target` example                     |
| E604 | examples     | a machine-checkable rule has no `boundary: nearest_miss` example                  |
| E605 | examples     | the engine's verdict on an example differs from the one written beside it         |
| E606 | examples     | an example cannot be run (invalid report fragment, unit the rule does not cover)  |
| E607 | examples     | two examples of one rule share a name (test ids must be unique)                   |
| E608 | examples     | a boundary example expects the wrong side (at_target must pass, nearest_miss fail)|
| E609 | examples     | a not_checkable rule carries examples, which nothing can run                      |
| E610 | examples     | the engine failed while running the examples                                      |

E3xx belong to report problems (compliance.evaluate), hence E6xx for examples. When a rule file does
not validate, lint still checks the rules that do; coverage (E501) is then skipped, since the rules
it could not read may be the ones citing a clause.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compliance.coverage import CoverageRow, coverage
from compliance.errors import ComplianceError, EngineError, Problem
from compliance.examples import run_examples
from compliance.loading.documents import Document, parse_file, read_text, validate_strict, validated
from compliance.loading.rulebook import (
    LoadedRulebook,
    PlacedRule,
    consistency,
    load_declarations,
    load_rulebook,
    rule_files,
)
from compliance.locator import matches, parse_locator
from compliance.model import Expect, Registry, Rule, Rulebook, RuleFile
from compliance.plaintext import displayable
from compliance.source import Division, SourceText
from compliance.suggest import did_you_mean

CATEGORIES: Mapping[str, str] = {
    "E0": "read",
    "E1": "schema",
    "E2": "consistency",
    "E6": "examples",
    "E4": "faithfulness",
    "E5": "coverage",
}
_ID_PARTS = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9]*)-(?P<item>\d{2,3})\.(?P<n>\d{1,2})$")


def category(code: str) -> str:
    return CATEGORIES.get(code[:2], "other")


@dataclass(frozen=True)
class LintResult:
    """What lint found in one rulebook, and the coverage table when the source could be read."""

    directory: Path
    problems: tuple[Problem, ...]
    coverage: tuple[CoverageRow, ...] = ()
    source: str | None = None
    rules: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- loading


def _load(directory: Path) -> tuple[LoadedRulebook | None, list[Problem], bool]:
    """The rulebook (complete, or the parts that validate), its load problems, and whether every rule loaded."""
    try:
        return load_rulebook(directory, check=False), [], True
    except ComplianceError as exc:
        return _salvage(directory), list(exc.problems), False


def _model(path: Path, model: type[Rulebook] | type[Registry]) -> tuple[Document, Any] | None:
    try:
        doc = parse_file(path)
        return doc, validated(doc, model, path.name)
    except ComplianceError:
        return None


def _salvage(directory: Path) -> LoadedRulebook | None:
    """Load what validates, rule by rule, so that one bad rule does not hide the others' problems."""
    meta = _model(directory / "rulebook.yaml", Rulebook)
    registry = _model(directory / "units.yaml", Registry)
    if meta is None or registry is None:
        return None
    docs = [meta[0], registry[0]]
    declared = load_declarations(directory, meta[1].year, [], docs)
    if declared is None:  # the load problems already name what is wrong in facts.yaml or measures.yaml
        return None
    placed: list[PlacedRule] = []
    for path in rule_files(directory):
        try:
            doc = parse_file(path)
        except ComplianceError:
            continue
        data = doc.data
        if not isinstance(data, Mapping) or not isinstance(data.get("section"), int):
            continue
        docs.append(doc)
        rules = data.get("rules")
        if not isinstance(rules, list):
            continue
        try:  # strictly, as load_rulebook does: `target: true` must not be salvaged as 1
            whole = validate_strict(doc, RuleFile)
            placed.extend(PlacedRule(r, whole.section, doc, i) for i, r in enumerate(whole.rules))
            continue
        except ValidationError:
            pass
        for index, raw in enumerate(rules):
            try:
                rule = validate_strict(Document(doc.path, raw), Rule)
                placed.append(PlacedRule(rule, data["section"], doc, index))
            except ValidationError:
                continue
    return LoadedRulebook(directory, meta[1], registry[1], tuple(placed), "", declared, tuple(docs))


# ---------------------------------------------------------------- checks


def check_ids(book: LoadedRulebook) -> Iterator[Problem]:
    prefixes = Counter(m["prefix"] for p in book.placed if (m := _ID_PARTS.match(p.rule.id)))
    usual = prefixes.most_common(1)[0][0] if prefixes else None
    for placed in book.placed:
        match = _ID_PARTS.match(placed.rule.id)
        if match is None:
            continue
        item = placed.rule.source.item  # a rule citing by locator (source.at) may number its id freely
        if item is not None and int(match["item"]) != item:
            yield placed.problem(
                "E208",
                f"id '{placed.rule.id}' names item {int(match['item'])} but source.item is {item}",
                "id",
            )
        if usual is not None and match["prefix"] != usual:
            yield placed.problem("E209", f"id prefix '{match['prefix']}' differs from the other rules' '{usual}'", "id")


def check_example_sets(book: LoadedRulebook) -> Iterator[Problem]:
    """Every machine-checkable rule shows a pass, a fail, and both sides of its boundary."""
    for placed in book.placed:
        rule = placed.rule
        if not rule.checkable:
            if rule.examples:
                yield placed.problem("E609", "a not_checkable rule cannot run examples; remove them", "examples")
            continue
        expects = {e.expect for e in rule.examples}
        bounds = {e.boundary for e in rule.examples}
        missing = [
            ("E601", Expect.PASS in expects, "no passing example (expect: pass)"),
            ("E602", Expect.FAIL in expects, "no failing example (expect: fail)"),
            ("E603", "at_target" in bounds, "no example at the target (boundary: at_target)"),
            ("E604", "nearest_miss" in bounds, "no example of the nearest miss (boundary: nearest_miss)"),
        ]
        for code, present, message in missing:
            if not present:
                yield placed.problem(code, f"rule {rule.id} has {message}", "examples")
        seen: set[str] = set()
        for i, example in enumerate(rule.examples):
            if example.name in seen:
                yield placed.problem(
                    "E607", f"example name '{example.name}' is used twice in {rule.id}", "examples", i, "name"
                )
            seen.add(example.name)
            wanted = {"at_target": Expect.PASS, "nearest_miss": Expect.FAIL}.get(example.boundary or "")
            if wanted is not None and example.expect != wanted:
                yield placed.problem(
                    "E608",
                    f"a {example.boundary} example must expect {wanted.value}, not {example.expect.value}",
                    "examples",
                    i,
                    "expect",
                )


def run_rule_examples(book: LoadedRulebook) -> Iterator[Problem]:
    """Each example through the real engine; a verdict unlike the written one is a problem."""
    # Only rules the engine can compile: one reading an unknown measure is reported as E204 instead.
    runnable = tuple(p for p in book.placed if p.rule.check is not None and p.rule.check.measure in book.measures)
    if not any(p.rule.examples for p in runnable):
        return
    try:
        runs = list(run_examples(replace(book, placed=runnable)))
    except (EngineError, ArithmeticError, KeyError, ValueError, TypeError) as exc:
        # lint diagnoses broken rulebooks: an engine failure on one is a finding, never a traceback
        yield Problem(str(book.directory), None, None, "E610", f"the rule engine failed running the examples: {exc!r}")
        return
    for run in runs:
        where = ("examples", run.index)
        if run.result is None:
            yield run.placed.problem("E606", f"example '{run.example.name}' cannot run: {run.problem}", *where)
        elif not run.ok:
            result = run.result
            measured = "" if result.measured is None else f", measured {result.measured:g}"
            why = f" ({result.reason})" if result.reason else ""
            yield run.placed.problem(
                "E605",
                f"example '{run.example.name}' expects {run.example.expect.value}, "
                f"the engine gives {result.status}{measured}{why}",
                *where,
                "expect",
            )


def _english(division: Division) -> str:
    return f"item {division.number}" if division.name.startswith("第") and division.item else division.locator


def _cited(placed: PlacedRule, source: SourceText) -> Division | Problem:
    """The one division a rule cites, or the problem with its citation (E403, E407, E408)."""
    ref = placed.rule.source
    field = ("source", "item") if ref.at is None else ("source", "at")
    try:
        found = source.resolve(ref.item, ref.at)
    except ValueError as exc:  # the model refuses an unreadable locator; kept so lint never raises on one
        return placed.problem("E407", str(exc), *field)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        names = "、".join(d.locator for d in found)
        return placed.problem(
            "E408",
            f"“{ref.label}”在来源中不唯一，可指 {names}；请用 at 写出完整位置 "
            f"('{ref.at or ref.item}' names {len(found)} divisions of the source ({names}): cite one with `at`)",
            *field,
        )
    if ref.at is None:
        numbers = sorted({i.number for i in source.items})
        span = f"{numbers[0]}-{numbers[-1]}" if numbers else "none"
        return placed.problem(
            "E403",
            f"来源中没有第{ref.item}条 (item {ref.item} is not a numbered item of the source ({span}))",
            *field,
        )
    # a locator whose last step exists (二、(九)33: there is a 33) most likely means one of those divisions
    last = parse_locator(ref.at)[-1:]
    same_last = [d.locator for d in source.divisions if matches(last, d.path)][:3]
    near = "、".join(same_last) or did_you_mean(ref.at, [d.locator for d in source.divisions])
    hint = f"；是否指“{near}”？(did you mean '{near}'?)" if near else ""
    return placed.problem(
        "E407", f"定位符“{ref.at}”在来源中找不到 (locator '{ref.at}' matches no division of the source){hint}", *field
    )


def check_faithfulness(book: LoadedRulebook, source: SourceText) -> Iterator[Problem]:
    """Every quote stands, whitespace and width aside, in the simplified source, inside the division it cites."""
    for placed in book.placed:
        ref = placed.rule.source
        if not source.contains(ref.clause):
            near = source.nearest(ref.clause)
            hint = f"；最接近的段落 nearest passage（{near.division.name}）：«{near.text}»" if near else ""
            yield placed.problem("E401", f"引文不在来源中 (quote not found in the source){hint}", "source", "clause")
            continue
        cited = _cited(placed, source)
        if isinstance(cited, Problem):
            yield cited
            continue
        containing = source.containing(ref.clause)
        if not any(d.inside(cited) for d in containing):
            if containing:
                zh = "、".join(d.name for d in containing)
                en = "in " + ", ".join(_english(d) for d in containing)
            else:
                zh, en = "编号标题之外", "outside the numbered divisions"
            yield placed.problem(
                "E402",
                f"引文在{zh}，不在所引的{cited.name} (the quote is {en}, not in {_english(cited)})",
                "source",
                "item" if ref.at is None else "at",
            )
            continue
        if cited.item and cited.section and cited.section != placed.section:
            yield placed.problem(
                "E405",
                f"{cited.name}属于来源的第{cited.section}部分，本文件是第{placed.section}部分 "
                f"(item {cited.number} is in section {cited.section} of the source; "
                f"this file is section {placed.section})",
                "source",
                "item" if ref.at is None else "at",
            )


def check_coverage(rows: Iterable[CoverageRow], source_path: str) -> Iterator[Problem]:
    for row in rows:
        if not row.cited:
            clause = row.clause
            yield Problem(
                source_path,
                clause.line,
                clause.column,
                "E501",
                f"{clause.where}：没有规则引用这一可量化的分句 (no rule cites the measurable clause) "
                f"«{clause.text}» ({', '.join(clause.kinds)}: {'; '.join(clause.evidence)})",
            )


# ---------------------------------------------------------------- the whole lint


def _order(problem: Problem) -> tuple[str, int, int, str, str, str]:
    return (*problem.sort_key(), problem.field)  # file-level problems (no line) first


def _display(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        relative = path
    return displayable(path if relative.startswith("..") else relative)


def _placed_at_file_start(problem: Problem) -> Problem:
    # A problem about a whole file (an empty one) points at 1:1, where an editor puts the cursor.
    if problem.line is None and Path(problem.file).is_file() and problem.code != "E000":
        return replace(problem, line=1, column=1)
    return problem


def _named_source(book: LoadedRulebook, directory: Path) -> tuple[str, str | Problem]:
    """(path, text) of the source rulebook.yaml names, or a problem when it cannot be read."""
    path = directory / book.meta.source.path
    meta_doc = next((d for d in book.documents if Path(d.path).name == "rulebook.yaml"), None)
    try:
        return str(path), read_text(path)
    except ComplianceError as exc:
        reason = exc.problems[0].message if exc.problems else "cannot read"
        message = f"source document '{book.meta.source.path}' ({path}): {reason}"
        if meta_doc is None:
            return str(path), Problem(str(directory / "rulebook.yaml"), None, None, "E404", message)
        return str(path), meta_doc.problem("E404", message, ("source", "path"))


def _no_items(book: LoadedRulebook, directory: Path, source: SourceText, source_path: str) -> Problem:
    numbering = book.meta.source.numbering
    used = " ".join(kind.value for kind in source.kinds)
    if numbering == "auto" or not used:
        return Problem(
            source_path,
            None,
            None,
            "E406",
            "来源中没有编号的条目（一、 （一） 1. 1、 第N条 …），文件对吗？ "
            "(the source has no numbered headings (一、 （一） 1. 1、 第N条 …): wrong file?)",
        )
    message = (
        f"来源中没有按 {numbering} 编号的条目，来源使用的是 {used} "
        f"(the source has no items numbered {numbering}; its headings are {used})"
    )
    meta_doc = next((d for d in book.documents if Path(d.path).name == "rulebook.yaml"), None)
    if meta_doc is None:
        return Problem(str(directory / "rulebook.yaml"), None, None, "E406", message)
    return meta_doc.problem("E406", message, ("source", "numbering"))


def lint_rulebook(directory: Path, source: Path | None = None) -> LintResult:
    """Run every check. Raises ComplianceError (exit 2) only when the folder or a given --source is unreadable."""
    if not directory.is_dir():
        message = "找不到规则库文件夹（rulebook directory not found）"
        raise ComplianceError(Problem(str(directory), None, None, "E000", message))
    try:
        with os.scandir(directory) as entries:
            next(entries, None)
    except OSError as exc:
        raise ComplianceError(
            Problem(str(directory), None, None, "E000", f"无法读取文件夹（cannot read folder: {exc.strerror}）")
        ) from None
    directory = directory.resolve()
    # an unreadable --source is an input error (exit 2); an unreadable source.path is a finding (E404)
    source_text = read_text(source) if source is not None else None
    book, problems, complete = _load(directory)
    rows: list[CoverageRow] = []
    source_path: str | None = str(source) if source is not None else None
    if book is not None:
        problems.extend(consistency(book))
        problems.extend(check_ids(book))
        problems.extend(check_example_sets(book))
        problems.extend(run_rule_examples(book))
        if source_text is None:
            source_path, found = _named_source(book, directory)
            if isinstance(found, Problem):
                problems.append(found)
            else:
                source_text = found
        if source_text is not None and source_path is not None:
            parsed = SourceText.parse(source_text, book.meta.source.numbering)
            if not parsed.items:
                problems.append(_no_items(book, directory, parsed, source_path))
            else:
                problems.extend(check_faithfulness(book, parsed))
                rows = coverage(parsed, book.rules)
                if complete:
                    problems.extend(check_coverage(rows, _display(source_path)))
    shown = sorted(
        {replace(_placed_at_file_start(p), file=_display(p.file), message=displayable(p.message)) for p in problems},
        key=_order,
    )
    return LintResult(
        directory,
        tuple(shown),
        tuple(rows),
        _display(source_path) if source_path else None,
        len(book.placed) if book else 0,
    )


# ---------------------------------------------------------------- output


def problem_data(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "code": problem.code,
        "category": category(problem.code),
        "message": problem.message,
        "field": problem.field,
    }


def coverage_data(rows: Iterable[CoverageRow]) -> list[dict[str, Any]]:
    return [
        {
            "item": r.clause.item,
            "at": r.clause.division.locator,
            "line": r.clause.line,
            "column": r.clause.column,
            "clause": r.clause.text,
            "kinds": list(r.clause.kinds),
            "evidence": list(r.clause.evidence),
            "rules": list(r.rules),
        }
        for r in rows
    ]


def render_text(result: LintResult) -> str:
    return "".join(f"{p}\n" for p in result.problems)


def render_coverage(result: LintResult) -> str:
    from tabulate import tabulate

    rows = [
        [r.clause.where, r.clause.text, ", ".join(r.clause.kinds), ", ".join(r.rules) or "— 未引用 (uncited)"]
        for r in result.coverage
    ]
    uncited = sum(1 for r in result.coverage if not r.cited)
    table = tabulate(rows, headers=["出处 where", "分句 clause", "类 kind", "引用规则 rules citing it"])
    return f"{table}\n\n{len(rows)} measurable clauses, {uncited} uncited ({result.source})\n"


_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    # XML 1.0 cannot carry most control characters even escaped; ElementTree escapes the rest (& < > ").
    return _XML_UNSAFE.sub("\ufffd", displayable(text))


def render_junit(result: LintResult) -> str:
    """JUnit XML: one testcase per check category, a failure listing that category's problems."""
    names = list(dict.fromkeys(CATEGORIES.values()))
    by_category: dict[str, list[Problem]] = {name: [] for name in names}
    for problem in result.problems:
        by_category.setdefault(category(problem.code), []).append(problem)
    suites = ET.Element("testsuites", name="compliance lint")
    failed = sum(1 for found in by_category.values() if found)
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=_xml_text(result.directory.name),
        tests=str(len(by_category)),
        failures=str(failed),
        errors="0",
        skipped="0",
    )
    for name, found in by_category.items():
        case = ET.SubElement(
            suite, "testcase", classname=f"compliance.lint.{_xml_text(result.directory.name)}", name=name
        )
        if found:
            codes = ", ".join(sorted({p.code for p in found}))
            failure = ET.SubElement(case, "failure", message=f"{len(found)} problem(s): {codes}", type=codes)
            failure.text = _xml_text("\n".join(str(p) for p in found))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
