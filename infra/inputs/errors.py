"""Pydantic's validation errors as one line per field, named as the input names it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.inputs.types import PATTERN_MEANINGS

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
