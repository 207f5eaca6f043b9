"""Reading a scenario file: bounded, strict UTF-8, strict JSON, one-line errors.

Everything that could make the reader crash or hang is refused here with a ValueError naming
the file: a missing file or a directory, more than `MAX_BYTES`, bytes that are not UTF-8, a
byte order mark, nesting deeper than Python can parse, NaN and Infinity (not JSON), numbers
of more digits than Python reads, and keys given twice (which value counts is ambiguous).
"""

from __future__ import annotations

import codecs
import json
from typing import TYPE_CHECKING, Any

from infra.inputs.errors import quoted

if TYPE_CHECKING:
    from pathlib import Path

MAX_BYTES = 2_000_000
"""A scenario of `MAX_STEPS` steps fits in well under 2 MB."""
MAX_DIGITS = 100
"""Longer integers are refused while parsing (Python itself stops at 4,300 digits); shorter
ones reach the model, which names the field whose bound they cross."""


class UnreadableError(ValueError):
    """The path is missing or not a file (a usage error: exit code 2)."""


def read_json(path: Path) -> Any:
    """The JSON document in `path`; ValueError (UnreadableError) with one line if it is not."""
    if not path.is_file():
        reason = "is a directory, not a scenario file" if path.is_dir() else "does not exist"
        raise UnreadableError(f"{path} {reason}")
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    return parse_json(raw, str(path))


def parse_json(raw: bytes, name: str) -> Any:
    """Bytes of a JSON document (at most `MAX_BYTES`) as Python values."""
    if len(raw) > MAX_BYTES:
        raise ValueError(f"{name} is larger than {MAX_BYTES:,} bytes")
    if raw.startswith(codecs.BOM_UTF8):
        raise ValueError(f"{name} starts with a byte order mark: save it as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{name} is not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        ) from None
    try:
        return json.loads(
            text, parse_constant=_no_constant, parse_int=_int, object_pairs_hook=_object
        )
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} is not JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise ValueError(f"{name} is nested too deeply to be a scenario") from None
    except ValueError as exc:  # from the hooks below
        raise ValueError(f"{name} is not valid JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"a number of {len(digits):,} digits")
    return int(digits)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {quoted(key)} appears twice in one object")
        out[key] = value
    return out
