"""A validator for the subset of JSON Schema (draft 2020-12) that infra/schemas/ generates.

Keywords: $ref (local), anyOf, const, enum, type, format (date, date-time, uuid), pattern
(ECMA-262: `$` ends the input, not a line), minLength, maxLength, minimum, maximum,
required, properties, additionalProperties (a schema or false), items; the annotations
title, description and examples. Anything else in a schema is an error here, so the
generator cannot start using a keyword these tests would silently ignore.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from uuid import UUID

KNOWN = {
    *("$schema", "$id", "$defs", "$ref", "title", "description", "anyOf", "const", "enum"),
    *("type", "format", "pattern", "minimum", "required", "properties", "items"),
    *("additionalProperties", "minLength", "maxLength", "maximum", "examples"),
}
TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "object": dict,
    "array": list,
    "null": type(None),
}
FORMATS: dict[str, Any] = {
    "date": date.fromisoformat,
    "date-time": datetime.fromisoformat,
    "uuid": UUID,
}


def errors(instance: Any, schema: dict[str, Any], root: dict[str, Any] | None = None) -> list[str]:
    """Why `instance` does not match `schema` (empty when it does)."""
    return _check(instance, schema, root if root is not None else schema, "$")


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str) -> list[str]:
    unknown = set(schema) - KNOWN
    if unknown:
        return [f"{path}: schema keyword(s) {sorted(unknown)} not supported"]
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _check(value, target, root, path)
    if "anyOf" in schema:
        if any(not _check(value, branch, root, path) for branch in schema["anyOf"]):
            return []
        return [f"{path}: matches no branch of anyOf"]
    if "const" in schema and (value != schema["const"] or type(value) is not type(schema["const"])):
        return [f"{path}: {value!r} is not {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} not one of {schema['enum']}"]
    return _check_type(value, schema, root, path)


def _check_type(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str) -> list[str]:
    kind = schema.get("type")
    if kind is None:
        return []
    if type(value) is not TYPES[kind]:  # bool is not an integer here
        return [f"{path}: {type(value).__name__} is not {kind}"]
    if kind == "object":
        return _check_object(value, schema, root, path)
    if kind == "array":
        return [
            e for i, v in enumerate(value) for e in _check(v, schema["items"], root, f"{path}[{i}]")
        ]
    return _check_scalar(value, schema, path)


def _check_object(
    value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], path: str
) -> list[str]:
    found = [f"{path}.{name}: missing" for name in schema.get("required", ()) if name not in value]
    properties = schema.get("properties", {})
    for name, sub in properties.items():
        if name in value:
            found += _check(value[name], sub, root, f"{path}.{name}")
    others = schema.get("additionalProperties")
    for name in sorted(set(value) - set(properties)):
        if others is False:
            found.append(f"{path}.{name}: not allowed")
        elif others is not None:
            found += _check(value[name], others, root, f"{path}.{name}")
    return found


def _check_scalar(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    if "format" in schema:
        try:
            FORMATS[schema["format"]](value)
        except ValueError:
            return [f"{path}: {value!r} is not a {schema['format']}"]
    if "pattern" in schema and not re.search(_ecma(schema["pattern"]), value):
        return [f"{path}: {value!r} does not match {schema['pattern']}"]
    if isinstance(value, str) and not (
        schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
    ):
        return [f"{path}: length {len(value)} outside minLength/maxLength"]
    if "minimum" in schema and value < schema["minimum"]:
        return [f"{path}: {value} is below {schema['minimum']}"]
    if "maximum" in schema and value > schema["maximum"]:
        return [f"{path}: {value} is above {schema['maximum']}"]
    return []


def _ecma(pattern: str) -> str:
    """An ECMA-262 pattern for Python's `re`: there `$` matches only at the end."""
    return re.sub(r"(?<!\\)\$", r"\\Z", pattern)
