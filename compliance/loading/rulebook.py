"""A rulebook directory -> validated models: rulebook.yaml, units.yaml, facts.yaml, measures.yaml, the optional
calendar.yaml and rules/*.yaml; the report format and every measure are compiled here, once."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from compliance.calendar import CalendarFile, WorkingCalendar
from compliance.errors import ComplianceError, Problem
from compliance.facts.declare import FactsFile
from compliance.facts.report import HEADER_KEYS, ReportFormat, build_report_format
from compliance.loading.documents import Document, parse_file, validated
from compliance.measures.catalogue import Measure, MeasuresFile, compile_measures
from compliance.measures.interface import Context
from compliance.model import Registry, Rule, Rulebook, RuleFile, Unit
from compliance.suggest import did_you_mean

M = TypeVar("M", bound=BaseModel)

_PACKAGE = Path(__file__).resolve().parents[1]
# An installed wheel carries the bundled rulebooks inside the package (setup.py maps rules/ there); a checkout,
# or an editable install of one, has them in rules/ at the top of the repository.
RULEBOOKS = _PACKAGE / "_rulebooks" if (_PACKAGE / "_rulebooks").is_dir() else _PACKAGE.parent / "rules"
DEFAULT_RULES = RULEBOOKS / "nantong-2018"


@dataclass(frozen=True)
class PlacedRule:
    """A rule and where it was written (for lint messages)."""

    rule: Rule
    section: int
    document: Document
    index: int

    def problem(self, code: str, message: str, *where: str | int) -> Problem:
        return self.document.problem(code, message, ("rules", self.index, *where))


@dataclass(frozen=True)
class Declarations:
    """What a rulebook declares about reports: its facts, the report format built from them, its measures."""

    facts: FactsFile
    report: ReportFormat
    measures: dict[str, Measure]
    calendar: WorkingCalendar | None


@dataclass(frozen=True)
class LoadedRulebook:
    directory: Path
    meta: Rulebook
    registry: Registry
    placed: tuple[PlacedRule, ...]
    digest: str
    declared: Declarations
    documents: tuple[Document, ...] = field(default=(), repr=False)

    @property
    def report(self) -> ReportFormat:
        return self.declared.report

    @property
    def measures(self) -> dict[str, Measure]:
        return self.declared.measures

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(p.rule for p in self.placed)

    @property
    def checkable(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.checkable)

    def unit(self, unit_id: str) -> Unit | None:
        return self._units.get(unit_id)

    @property
    def _units(self) -> dict[str, Unit]:
        cache: dict[str, Unit] | None = self.__dict__.get("_unit_cache")
        if cache is None:
            cache = {u.id: u for u in self.registry.units}
            object.__setattr__(self, "_unit_cache", cache)
        return cache

    def resolve_unit(self, text: str) -> Unit | None:
        """The registered unit a report names by its id, Chinese name or an alias (市教育局, jiaoyu, JiaoYu, or
        ＪＩＡＯＹＵ all name one unit); None when the text names no registered unit. Ids win over names and names
        over aliases, should a registry reuse one for another."""
        return self._names.get(unit_key(text))

    def suggest_unit(self, text: str) -> Unit | None:
        """The registered unit whose id, name or alias is closest to `text` (did you mean …?), or None."""
        names = self._names
        found = difflib.get_close_matches(unit_key(text), list(names), n=1, cutoff=0.6)
        return names[found[0]] if found else None

    @property
    def _names(self) -> dict[str, Unit]:
        cache: dict[str, Unit] | None = self.__dict__.get("_name_cache")
        if cache is None:
            cache = {}
            units = self.registry.units
            named = [(u.id, u) for u in units] + [(u.name, u) for u in units]
            named += [(alias, u) for u in units for alias in u.aliases]
            for name, unit in named:  # first come first kept: ids, then names, then aliases
                cache.setdefault(unit_key(name), unit)
            object.__setattr__(self, "_name_cache", cache)
        return cache

    def type_name(self, type_id: str) -> str:
        for unit_type in self.registry.types:
            if unit_type.id == type_id:
                return unit_type.name
        return type_id

    def section_of(self, rule_id: str) -> int:
        for placed in self.placed:
            if placed.rule.id == rule_id:
                return placed.section
        raise KeyError(rule_id)


def unit_key(text: str) -> str:
    """A unit's id or name as compared: full-width letters and digits made half-width (NFKC), case and
    whitespace ignored, since a clerk types 市教育局 with a stray space or JIAOYU with caps lock on."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _validated(doc: Document, model: type[M], what: str) -> M:
    return validated(doc, model, what)  # strict: `target: true` or "1e-05" is an error, not a number


def rule_files(directory: Path) -> list[Path]:
    folder = directory / "rules"
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".yaml", ".yml", ".json"))


@dataclass
class _Reader:
    """Reads the files of one rulebook, collecting every file's problems instead of stopping at the first."""

    problems: list[Problem]
    docs: list[Document]

    def read(self, path: Path, model: type[M], what: str) -> tuple[Document | None, M | None]:
        """The parsed file and its validated model, or (None, None) with its problems recorded."""
        try:
            doc = parse_file(path)
            self.docs.append(doc)
            return doc, _validated(doc, model, what)
        except ComplianceError as exc:
            self.problems.extend(exc.problems)
            return None, None


def load_rulebook(directory: Path | None = None, *, check: bool = True) -> LoadedRulebook:
    """Load and validate a rulebook; with check, also refuse one that is inconsistent (see `consistency`)."""
    directory = (directory or DEFAULT_RULES).resolve()
    if not directory.is_dir():
        message = "找不到规则库文件夹（rulebook directory not found）"
        raise ComplianceError(Problem(str(directory), None, None, "E000", message))
    problems: list[Problem] = []
    docs: list[Document] = []
    attempt = _Reader(problems, docs).read
    _, meta = attempt(directory / "rulebook.yaml", Rulebook, "rulebook metadata")
    _, registry = attempt(directory / "units.yaml", Registry, "unit registry")
    declared = load_declarations(directory, meta.year if meta else None, problems, docs) if meta else None
    placed: list[PlacedRule] = []
    paths = rule_files(directory)
    if not paths:
        message = "没有规则文件 rules/*.yaml（no rule files）"
        problems.append(Problem(str(directory / "rules"), None, None, "E000", message))
    for path in paths:
        doc, rule_file = attempt(path, RuleFile, "a rule file with `section` and `rules`")
        if doc is not None and rule_file is not None:
            placed.extend(PlacedRule(r, rule_file.section, doc, i) for i, r in enumerate(rule_file.rules))
    if problems or meta is None or registry is None or declared is None:
        raise ComplianceError(sorted(problems))
    placed = [_with_unit(p, declared) for p in placed]
    book = LoadedRulebook(directory, meta, registry, tuple(placed), _digest(directory, paths), declared, tuple(docs))
    if check:
        found = consistency(book)
        if found:
            raise ComplianceError(found)
    return book


def _with_unit(placed: PlacedRule, declared: Declarations) -> PlacedRule:
    """A checkable rule without `unit` reads its measure's unit, so every output shows one."""
    rule = placed.rule
    measure = declared.measures.get(rule.check.measure) if rule.check else None
    if measure is None or rule.unit is not None:
        return placed
    return replace(placed, rule=rule.model_copy(update={"unit": measure.unit}))


def load_declarations(
    directory: Path, year: int | None, problems: list[Problem], docs: list[Document]
) -> Declarations | None:
    """facts.yaml, measures.yaml and calendar.yaml: validated, cross-checked and compiled (None if any fails)."""
    attempt = _Reader(problems, docs).read
    facts_doc, facts = attempt(directory / "facts.yaml", FactsFile, "declared facts with `facts:`")
    measures_doc, measures = attempt(directory / "measures.yaml", MeasuresFile, "measures with `measures:`")
    calendar = None
    if (directory / CALENDAR).exists():
        _, calendar_file = attempt(directory / CALENDAR, CalendarFile, "a working-day calendar")
        if calendar_file is None:
            return None
        calendar = WorkingCalendar(calendar_file)
    if facts is None or facts_doc is None or measures is None or measures_doc is None or year is None:
        return None
    found = list(_fact_problems(facts, facts_doc))
    if found:
        problems.extend(found)
        return None
    report = build_report_format(facts)
    ctx = Context(report.facts, year, calendar, dt.date(year, 1, 1), dt.date(year, 12, 31))
    compiled, found = compile_measures(measures, measures_doc.problem, ctx)
    if found:
        problems.extend(found)
        return None
    return Declarations(facts, report, compiled, calendar)


CALENDAR = "calendar.yaml"
DECLARATION_FILES = ("facts.yaml", "measures.yaml", CALENDAR)


def _fact_problems(facts: FactsFile, doc: Document) -> Iterator[Problem]:
    groups = {g.id for g in facts.groups}
    seen_ids: set[str] = set()
    seen_paths: dict[str, int] = {}
    for i, fact in enumerate(facts.facts):
        if fact.id in seen_ids:
            yield doc.problem("E201", f"重复的事实 id '{fact.id}'（duplicate fact id）", ("facts", i, "id"))
        seen_ids.add(fact.id)
        if fact.group is not None and fact.group not in groups:
            hint = did_you_mean(fact.group, groups)
            yield doc.problem(
                "E232",
                f"未声明的分组 '{fact.group}'（group not declared under groups:）"
                + (f"（did you mean '{hint}'?）" if hint else ""),
                ("facts", i, "group"),
            )
        if fact.path in seen_paths:
            yield doc.problem(
                "E201",
                f"报告中已有 '{fact.path}'（facts[{seen_paths[fact.path]}] uses the same report key）",
                ("facts", i, "key" if fact.key else "id"),
            )
        seen_paths.setdefault(fact.path, i)
        top = fact.group or fact.report_key
        if top in HEADER_KEYS:
            yield doc.problem(
                "E233", f"'{top}' 是报告表头字段，不能作为事实（a report header key）", ("facts", i, "id")
            )
    for i, group in enumerate(facts.groups):
        if group.id in HEADER_KEYS or any(f.group is None and f.report_key == group.id for f in facts.facts):
            yield doc.problem(
                "E233", f"分组 '{group.id}' 与其他报告键重名（clashes with another report key）", ("groups", i, "id")
            )


def _digest(directory: Path, paths: list[Path]) -> str:
    sha = hashlib.sha256()
    declared = [directory / name for name in DECLARATION_FILES if (directory / name).exists()]
    for path in [directory / "rulebook.yaml", directory / "units.yaml", *declared, *paths]:
        sha.update(path.relative_to(directory).as_posix().encode() + b"\0")
        sha.update(path.read_bytes() + b"\0")
    return sha.hexdigest()


def consistency(book: LoadedRulebook) -> list[Problem]:
    """Cross-file checks: unique ids, known unit types, units and measures, sensible targets, scoring declarations."""
    from compliance.scoring.declarations import scoring_problems  # imported here: scoring is a layer above loading

    return sorted([*_consistency(book), *scoring_problems(book)])


def registry_problems(registry: Registry, doc: Document) -> Iterator[Problem]:
    """A unit registry's own checks (the rulebook's units.yaml, or one given with `assess --registry`): every
    unit's type is declared, no unit code twice."""
    types = {t.id for t in registry.types}
    seen: set[str] = set()
    for i, unit in enumerate(registry.units):
        if unit.type not in types:
            hint = did_you_mean(unit.type, types)
            yield doc.problem(
                "E202",
                f"未声明的单位类型 '{unit.type}'（unit type not declared under types:）"
                + (f"（did you mean '{hint}'?）" if hint else ""),
                ("units", i, "type"),
            )
        if unit.id in seen:
            yield doc.problem("E201", f"重复的单位代码 '{unit.id}'（duplicate unit id）", ("units", i, "id"))
        seen.add(unit.id)


def _consistency(book: LoadedRulebook) -> Iterator[Problem]:
    types = {t.id for t in book.registry.types}
    units = {u.id for u in book.registry.units}
    sections = {s.number for s in book.meta.sections}
    registry_doc = next((d for d in book.documents if d.path.endswith("units.yaml")), None)
    if registry_doc is not None:
        yield from registry_problems(book.registry, registry_doc)
    seen: dict[str, PlacedRule] = {}
    for placed in book.placed:
        rule = placed.rule
        if rule.id in seen:
            first = seen[rule.id]
            line = first.document.locate(("rules", first.index, "id"))[0]
            yield placed.problem(
                "E201", f"重复的规则 id '{rule.id}'（duplicate rule id; first at {first.document.path}:{line}）", "id"
            )
        seen.setdefault(rule.id, placed)
        if placed.section not in sections:
            yield placed.problem(
                "E207", f"未声明的部分 {placed.section}（section not declared in rulebook.yaml）", "id"
            )
        for i, type_id in enumerate(rule.applies_to.types):
            if type_id not in types:
                hint = did_you_mean(type_id, types)
                yield placed.problem(
                    "E202",
                    f"未声明的单位类型 '{type_id}'（unknown unit type）"
                    + (f"（did you mean '{hint}'?）" if hint else ""),
                    "applies_to",
                    "types",
                    i,
                )
        for i, unit_id in enumerate(rule.applies_to.units):
            if unit_id not in units:
                hint = did_you_mean(unit_id, units)
                yield placed.problem(
                    "E203",
                    f"单位名录中没有 '{unit_id}'（unknown unit）" + (f"（did you mean '{hint}'?）" if hint else ""),
                    "applies_to",
                    "units",
                    i,
                )
        if rule.check is None:
            continue
        measure = book.measures.get(rule.check.measure)
        if measure is None:
            hint = did_you_mean(rule.check.measure, book.measures)
            yield placed.problem(
                "E204",
                f"未声明的指标 '{rule.check.measure}'（measure not declared in measures.yaml）"
                + (f"（did you mean '{hint}'?）" if hint else ""),
                "check",
                "measure",
            )
            continue
        target = rule.check.target
        refused = measure.plan.target_range.refuses(target)
        if refused:
            yield placed.problem(
                "E205",
                f"目标值 {target:g} 不适用于 {measure.kind} 指标 '{measure.id}'（target {target:g} {refused})",
                "check",
                "target",
            )
        if rule.unit is not None and rule.unit != measure.unit:
            yield placed.problem(
                "E206",
                f"单位 '{rule.unit}' 与指标的单位 '{measure.unit}' 不同（unit differs from the measure's unit）",
                "unit",
            )
        if measure.plan.uses_calendar:
            yield from _calendar_covers(book, placed, measure)


def _calendar_covers(book: LoadedRulebook, placed: PlacedRule, measure: Measure) -> Iterator[Problem]:
    """Every date a working-day measure meets in the rule's examples lies in a year calendar.yaml covers."""
    calendar = book.declared.calendar
    if calendar is None:
        return
    for k, example in enumerate(placed.rule.examples):
        data = {"unit_id": "example", "year": book.meta.year, **example.report}
        try:
            report = book.report.model.model_validate(data)
        except ValidationError:
            continue  # lint's example run reports the invalid example
        for day in measure.plan.dates(report):
            if day.year not in calendar.years:
                yield placed.problem(
                    "E231",
                    f"calendar.yaml 未覆盖 {day}（the working-day calendar does not cover {day.year}; "
                    f"it covers {', '.join(str(y) for y in sorted(calendar.years))}）",
                    "examples",
                    k,
                )
                break
