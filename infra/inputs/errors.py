"""Pydantic's validation errors as one line per field, named as the input names it."""

from __future__ import annotations

from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from infra.inputs.types import DATE_PATTERN, PATTERN_MEANINGS

if TYPE_CHECKING:
    from pydantic import ValidationError

WORDS = {
    "extra_forbidden": "is not a known field",
    "missing": "is required",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "dict_type": "must be an object",
}
"""Pydantic's error types in the words of the service's other messages."""
MAX_SHOWN = 40
"""Characters of a refused value quoted back (inputs can be megabytes)."""


def location(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """`("steps", 2, "odometer")` -> `steps[2].odometer` (indices as the input counts them)."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def message(error: Any) -> str:
    """One error of `ValidationError.errors()` in words, without echoing huge inputs."""
    kind = error["type"]
    if kind in WORDS:
        return WORDS[kind]
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        return PATTERN_MEANINGS.get(pattern, f"must match {pattern}")
    text = str(error["msg"]).removeprefix("Value error, ")
    return text[:1].lower() + text[1:]


def first_error(exc: ValidationError, prefix: str = "") -> str:
    """`field message` of the first error, e.g. `steps[3].odometr is not a known field`."""
    error = exc.errors(include_url=False, include_input=False)[0]
    return f"{location(error['loc'], prefix)} {message(error)}"


def quoted(value: object) -> str:
    """A refused value for a message, cut to `MAX_SHOWN` characters."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


BOUND_WORDS = {
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "string_too_long": "must be at most {max_length} characters",
    "string_too_short": "must not be empty",
    "too_long": "must have at most {max_length} items",
    "too_short": "must not be empty",
    "literal_error": "must be {expected}",
    "string_unicode": "must be valid Unicode text",
    "int_from_float": "must be a whole number",
    "float_type": "must be a whole number",
    "model_attributes_type": "must be an object",
}
"""Bounds and literals in the words of the service's other messages."""


def describe(error: Any, model: type[BaseModel] | None = None) -> str:
    """Like `message`, with the limit that was crossed, and for a value of the wrong type
    the form the field wants (a decimal string for money) when `model` can tell."""
    kind = error["type"]
    pattern = pattern_at(model, error["loc"]) if model is not None else None
    if pattern == DATE_PATTERN:  # a date out of the window, or not a date at all
        said = message(error)
        if said.startswith("must be between"):
            return said
        detail = f" ({said})" if kind == "value_error" else ""
        return f"must be an ISO date, e.g. '2024-03-12'{detail}"
    if kind in BOUND_WORDS:
        return BOUND_WORDS[kind].format(**error.get("ctx", {}))
    if kind == "string_type" and pattern in PATTERN_MEANINGS:
        return PATTERN_MEANINGS[pattern]
    return message(error)


def pattern_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The string pattern of the field at `loc` in `model` (None if it has none).

    Walks nested models, lists and dicts; a discriminated union's tag in `loc` names the
    member model, as pydantic reports it.
    """
    annotation: Any = model
    metadata: list[Any] = []
    for part in loc:
        annotation, metadata = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(str(part))
            if info is None:
                return None
            annotation, metadata = info.annotation, list(info.metadata)
            continue
        members = [a for a in get_args(annotation) if _is_model(a)]
        tagged = [m for m in members if str(part) in _tags(m)]
        if tagged:
            annotation, metadata = tagged[0], []
        elif get_args(annotation):
            annotation, metadata = get_args(annotation)[-1], []
    annotation, more = _unwrap(annotation)
    patterns = [m.pattern for m in [*metadata, *more] if getattr(m, "pattern", None)]
    return patterns[0] if patterns else None


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """`Annotated[X | None, meta]` -> (X, [meta]); discriminated unions are kept whole."""
    metadata: list[Any] = []
    while True:
        if get_origin(annotation) is Annotated:
            args = get_args(annotation)
            annotation, metadata = args[0], [*metadata, *args[1:]]
        elif get_origin(annotation) in (Union, UnionType) and type(None) in get_args(annotation):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation, metadata


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _tags(model: type[BaseModel]) -> tuple[Any, ...]:
    info = model.model_fields.get("do")
    return get_args(info.annotation) if info is not None else ()
