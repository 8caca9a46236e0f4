"""Did-you-mean hints for misspelt field, unit and measure names."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Sequence

from pydantic import BaseModel
from typing_extensions import is_typeddict


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def keys_of(shape: type) -> dict[str, object]:
    """The keys a report writes for a model or a TypedDict (aliases for a model), with their annotations."""
    if is_typeddict(shape):
        return dict(typing.get_type_hints(shape, include_extras=True))
    assert issubclass(shape, BaseModel)
    return {info.alias or name: info.annotation for name, info in shape.model_fields.items()}


def shapes_in(annotation: object) -> list[type]:
    """The models and TypedDicts an annotation holds (inside Optional, tuple, Annotated, NotRequired...)."""
    if isinstance(annotation, type) and (issubclass(annotation, BaseModel) or is_typeddict(annotation)):
        return [annotation]
    found: list[type] = []
    for arg in typing.get_args(annotation):
        found.extend(shapes_in(arg))
    return found


def known_fields(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys allowed at a location inside `model`."""
    current: list[type] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        following = [shape for candidate in current for shape in shapes_in(keys_of(candidate).get(str(part)))]
        if following:
            current = following
    return [key for candidate in current for key in keys_of(candidate)]
