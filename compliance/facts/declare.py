"""The declarations of facts.yaml: what a unit reports, each fact with its Chinese label and type.

Shaped like a Frictionless Table Schema field (name, type, constraints, title, description): a validator is
built from these declarations when the rulebook loads (`compliance.facts.report`), so no Python names a fact.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from compliance.model import Bilingual, Strict, Text

# A fact or field id is also the key a unit writes in its report: ASCII, so a template column and a JSON key
# are the same in every editor; Chinese lives in the label.
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class FieldType(StrEnum):
    """The type of one field of a record (记录字段类型)."""

    DATE = "date"
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    FLAG = "flag"
    CHOICE = "choice"


class RecordField(Strict):
    """One field of a record list, e.g. a study session's date (学法日期)."""

    id: Key
    label: Bilingual
    type: FieldType
    description: Text | None = None
    required: bool = False
    values: tuple[Text, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    not_before: Key | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RecordField:
        if (self.type is FieldType.CHOICE) != bool(self.values):
            raise ValueError("`values` lists the choices of a `choice` field, and only of one")
        if len(set(self.values)) != len(self.values):
            raise ValueError("`values` must be distinct")
        numeric = self.type in (FieldType.INTEGER, FieldType.DECIMAL)
        if (self.minimum is not None or self.maximum is not None) and not numeric:
            raise ValueError("`minimum`/`maximum` apply to integer and decimal fields only")
        if self.not_before is not None and self.type is not FieldType.DATE:
            raise ValueError("`not_before` applies to date fields only")
        return self


class FactType(StrEnum):
    """What shape a fact has in the report (事实类型)."""

    RECORDS = "records"  # a list of records with typed fields
    RATE = "rate"  # {numerator, denominator} or {percent}
    MILESTONE = "milestone"  # {completed: date, document_no: text}
    COUNT = "count"  # a whole number >= 0
    NUMBER = "number"  # a decimal number
    FLAG = "flag"  # yes/no


class Fact(Strict):
    """One fact a unit reports: declared once, validated and measured from this declaration."""

    id: Key
    key: Key | None = None
    group: Key | None = None
    label: Bilingual
    description: Text
    type: FactType
    unit: Text | None = None
    fields: tuple[RecordField, ...] = ()
    numerator: Bilingual | None = None
    denominator: Bilingual | None = None
    previous_year: bool = False

    @property
    def report_key(self) -> str:
        return self.key or self.id

    @property
    def path(self) -> str:
        """Where a unit writes it, e.g. `rates.conversion`."""
        return f"{self.group}.{self.report_key}" if self.group else self.report_key

    def field(self, field_id: str) -> RecordField | None:
        return next((f for f in self.fields if f.id == field_id), None)

    @model_validator(mode="after")
    def _shape(self) -> Fact:
        records = self.type is FactType.RECORDS
        if records != bool(self.fields):
            raise ValueError("a `records` fact lists its `fields`, and only a records fact has fields")
        if (self.type is FactType.RATE) != (self.numerator is not None and self.denominator is not None):
            if self.type is FactType.RATE:
                raise ValueError("a `rate` fact names its `numerator` and `denominator` (labels)")
            raise ValueError("`numerator`/`denominator` belong to a `rate` fact")
        if self.previous_year and self.type is not FactType.RATE:
            raise ValueError("`previous_year` applies to a `rate` fact")
        ids = [f.id for f in self.fields]
        if len(set(ids)) != len(ids):
            raise ValueError("field ids must be distinct within a fact")
        for record_field in self.fields:
            if record_field.not_before is not None:
                other = self.field(record_field.not_before)
                if other is None or other.type is not FieldType.DATE:
                    raise ValueError(f"`not_before: {record_field.not_before}` must name a date field of this fact")
        return self


class Group(Strict):
    """A report key that holds several facts (e.g. `rates:`)."""

    id: Key
    label: Bilingual
    description: Text | None = None


class FactsFile(Strict):
    """facts.yaml: the facts a unit reports, in the order a template shows them."""

    groups: tuple[Group, ...] = ()
    facts: tuple[Fact, ...] = Field(min_length=1)
