"""A rulebook directory -> validated models: rulebook.yaml, units.yaml and rules/*.yaml."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from compliance.derive import METRICS
from compliance.errors import ComplianceError, Problem
from compliance.loading.documents import Document, as_mapping, parse_file, validation_problems
from compliance.model import Registry, Rule, Rulebook, RuleFile, Unit
from compliance.suggest import did_you_mean

M = TypeVar("M", bound=BaseModel)

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules" / "nantong-2018"


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
class LoadedRulebook:
    directory: Path
    meta: Rulebook
    registry: Registry
    placed: tuple[PlacedRule, ...]
    digest: str
    documents: tuple[Document, ...] = field(default=(), repr=False)

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


def _validated(doc: Document, model: type[M], what: str) -> M:
    try:
        return model.model_validate(as_mapping(doc, what))
    except ValidationError as exc:
        raise ComplianceError(validation_problems(doc, exc, model)) from None


def rule_files(directory: Path) -> list[Path]:
    folder = directory / "rules"
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".yaml", ".yml", ".json"))


def load_rulebook(directory: Path | None = None, *, check: bool = True) -> LoadedRulebook:
    """Load and validate a rulebook; with check, also refuse one that is inconsistent (see `consistency`)."""
    directory = (directory or DEFAULT_RULES).resolve()
    if not directory.is_dir():
        raise ComplianceError(Problem(str(directory), None, None, "E000", "rulebook directory not found"))
    problems: list[Problem] = []
    docs: list[Document] = []

    def attempt(path: Path, model: type[M], what: str) -> tuple[Document | None, M | None]:
        try:
            doc = parse_file(path)
            docs.append(doc)
            return doc, _validated(doc, model, what)
        except ComplianceError as exc:
            problems.extend(exc.problems)
            return None, None

    _, meta = attempt(directory / "rulebook.yaml", Rulebook, "rulebook metadata")
    _, registry = attempt(directory / "units.yaml", Registry, "unit registry")
    placed: list[PlacedRule] = []
    paths = rule_files(directory)
    if not paths:
        problems.append(Problem(str(directory / "rules"), None, None, "E000", "no rule files (rules/*.yaml)"))
    for path in paths:
        doc, rule_file = attempt(path, RuleFile, "a rule file with `section` and `rules`")
        if doc is not None and rule_file is not None:
            placed.extend(PlacedRule(r, rule_file.section, doc, i) for i, r in enumerate(rule_file.rules))
    if problems or meta is None or registry is None:
        raise ComplianceError(sorted(problems))
    book = LoadedRulebook(directory, meta, registry, tuple(placed), _digest(directory, paths), tuple(docs))
    if check:
        found = consistency(book)
        if found:
            raise ComplianceError(found)
    return book


def _digest(directory: Path, paths: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in [directory / "rulebook.yaml", directory / "units.yaml", *paths]:
        sha.update(path.relative_to(directory).as_posix().encode() + b"\0")
        sha.update(path.read_bytes() + b"\0")
    return sha.hexdigest()


TARGET_RANGES = {
    "rate": (0, 100),
    "count": (0, None),
    "done": (0, 1),
    "days_per_record": (1, None),
    "gain": (None, None),
}


def consistency(book: LoadedRulebook) -> list[Problem]:
    """Cross-file checks: unique ids, known unit types, units and measures, sensible targets."""
    return sorted(_consistency(book))


def _consistency(book: LoadedRulebook) -> Iterator[Problem]:
    types = {t.id for t in book.registry.types}
    units = {u.id for u in book.registry.units}
    sections = {s.number for s in book.meta.sections}
    registry_doc = next((d for d in book.documents if d.path.endswith("units.yaml")), None)
    if registry_doc is not None:
        seen_units: set[str] = set()
        for i, unit in enumerate(book.registry.units):
            if unit.type not in types:
                hint = did_you_mean(unit.type, types)
                yield registry_doc.problem(
                    "E202",
                    f"unit type '{unit.type}' is not defined" + (f" (did you mean '{hint}'?)" if hint else ""),
                    ("units", i, "type"),
                )
            if unit.id in seen_units:
                yield registry_doc.problem("E201", f"duplicate unit id '{unit.id}'", ("units", i, "id"))
            seen_units.add(unit.id)
    seen: dict[str, PlacedRule] = {}
    for placed in book.placed:
        rule = placed.rule
        if rule.id in seen:
            first = seen[rule.id]
            line = first.document.locate(("rules", first.index, "id"))[0]
            yield placed.problem("E201", f"duplicate rule id '{rule.id}' (first at {first.document.path}:{line})", "id")
        seen.setdefault(rule.id, placed)
        if placed.section not in sections:
            yield placed.problem("E207", f"section {placed.section} is not declared in rulebook.yaml", "id")
        for i, type_id in enumerate(rule.applies_to.types):
            if type_id not in types:
                hint = did_you_mean(type_id, types)
                yield placed.problem(
                    "E202",
                    f"unknown unit type '{type_id}'" + (f" (did you mean '{hint}'?)" if hint else ""),
                    "applies_to",
                    "types",
                    i,
                )
        for i, unit_id in enumerate(rule.applies_to.units):
            if unit_id not in units:
                hint = did_you_mean(unit_id, units)
                yield placed.problem(
                    "E203",
                    f"unknown unit '{unit_id}'" + (f" (did you mean '{hint}'?)" if hint else ""),
                    "applies_to",
                    "units",
                    i,
                )
        if rule.check is None:
            continue
        spec = METRICS.get(rule.check.measure)
        if spec is None:
            hint = did_you_mean(rule.check.measure, METRICS)
            yield placed.problem(
                "E204",
                f"measure '{rule.check.measure}' is not a fact the report format defines"
                + (f" (did you mean '{hint}'?)" if hint else ""),
                "check",
                "measure",
            )
            continue
        low, high = TARGET_RANGES[spec.kind]
        target = rule.check.target
        if (low is not None and target < low) or (high is not None and target > high):
            span = f"{'' if low is None else low}..{'' if high is None else high}"
            yield placed.problem(
                "E205",
                f"target {target:g} is out of range for a {spec.kind} measure ({span} {spec.unit})",
                "check",
                "target",
            )
        if spec.kind in ("count", "days_per_record", "done") and target != int(target):
            yield placed.problem(
                "E205", f"target {target:g} must be a whole number for a {spec.kind}", "check", "target"
            )
        if rule.unit is not None and rule.unit != spec.unit:
            yield placed.problem("E206", f"unit '{rule.unit}' differs from the measure's unit '{spec.unit}'", "unit")
