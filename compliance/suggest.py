"""Did-you-mean hints for misspelt field, unit and measure names."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Sequence

from pydantic import BaseModel


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def known_fields(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names allowed at a location inside `model` (aliases included)."""
    current: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        following: list[type[BaseModel]] = []
        for candidate in current:
            for name, info in candidate.model_fields.items():
                if part in (name, info.alias):
                    following.extend(_models_in(info.annotation))
        if following:
            current = following
    names: list[str] = []
    for candidate in current:
        for name, info in candidate.model_fields.items():
            names.append(info.alias or name)
    return names
