"""Whether a new version of a published JSON Schema breaks the consumers of the old one.

Breaking (needs a new schema version): a required field removed or renamed, a required field
made optional, a new required field, or a field whose type changed (type, format, const,
enum, pattern, nullability). Not breaking: a new optional field, a changed title or
description. Local `$ref`s (#/$defs/...) are followed in each schema.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
_SHAPE_KEYS = ("type", "format", "const", "enum", "pattern", "minimum")
"""What makes a field's values acceptable, apart from its members and branches."""


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """What in `new` breaks a consumer written against `old` (empty when nothing does)."""
    return _compare(old, new, old, new, "$")


def _resolve(schema: Schema, root: Schema) -> Schema:
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are compared, not {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        schema = target
    return schema


def _shape(schema: Schema, root: Schema) -> tuple[Any, ...]:
    """The field's own constraints; a union's branches are compared by their shapes."""
    schema = _resolve(schema, root)
    own = tuple(repr(schema.get(key)) for key in _SHAPE_KEYS)
    branches = tuple(_shape(branch, root) for branch in schema.get("anyOf", ()))
    return (*own, branches)


def _compare(old: Schema, new: Schema, old_root: Schema, new_root: Schema, path: str) -> list[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    if _shape(old, old_root) != _shape(new, new_root):
        return [f"{path}: type changed"]
    problems = _compare_members(old, new, old_root, new_root, path)
    if "items" in old or "items" in new:
        problems += _compare(
            old.get("items", {}), new.get("items", {}), old_root, new_root, f"{path}[]"
        )
    for i, (a, b) in enumerate(zip(old.get("anyOf", ()), new.get("anyOf", ()), strict=True)):
        problems += _compare(a, b, old_root, new_root, f"{path}|{i}")
    return problems


def _compare_members(
    old: Schema, new: Schema, old_root: Schema, new_root: Schema, path: str
) -> list[str]:
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    problems = [
        f"{path}.{n}: required field removed" for n in sorted(old_required - set(new_fields))
    ]
    problems += [
        f"{path}.{n}: no longer required"
        for n in sorted(old_required - new_required)
        if n in new_fields
    ]
    problems += [f"{path}.{n}: new required field" for n in sorted(new_required - old_required)]
    for name in sorted(set(old_fields) & set(new_fields)):
        problems += _compare(
            old_fields[name], new_fields[name], old_root, new_root, f"{path}.{name}"
        )
    return problems
