"""The compatibility rule for published schemas (infra/schemas/compat.py)."""

from __future__ import annotations

from typing import Any

from infra.schemas.compat import breaking_changes


def schema(payload: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": payload}


STRING, INTEGER = {"type": "string"}, {"type": "integer"}


class TestCompatibilityRule:
    OLD = schema({"a": STRING, "b": INTEGER}, ["a", "b"])

    def test_removing_a_required_field_breaks(self) -> None:
        assert breaking_changes(self.OLD, schema({"a": STRING}, ["a"])) == [
            "$.b: required field removed"
        ]

    def test_renaming_a_required_field_breaks(self) -> None:
        renamed = schema({"a": STRING, "c": INTEGER}, ["a", "c"])
        assert breaking_changes(self.OLD, renamed) == [
            "$.b: required field removed",
            "$.c: new required field",
        ]

    def test_changing_a_type_or_nullability_breaks(self) -> None:
        assert breaking_changes(self.OLD, schema({"a": STRING, "b": STRING}, ["a", "b"])) == [
            "$.b: type changed"
        ]
        nullable = {"anyOf": [INTEGER, {"type": "null"}]}
        assert breaking_changes(self.OLD, schema({"a": STRING, "b": nullable}, ["a", "b"])) != []

    def test_adding_a_required_field_breaks_an_optional_one_does_not(self) -> None:
        added = schema({"a": STRING, "b": INTEGER, "c": STRING}, ["a", "b", "c"])
        assert breaking_changes(self.OLD, added) == ["$.c: new required field"]
        optional = schema({"a": STRING, "b": INTEGER, "c": STRING}, ["a", "b"])
        assert breaking_changes(self.OLD, optional) == []

    def test_references_are_followed(self) -> None:
        old = {
            "$defs": {"M": self.OLD},
            "type": "object",
            "properties": {"m": {"$ref": "#/$defs/M"}},
        }
        new = {**old, "$defs": {"M": schema({"a": STRING}, ["a"])}}
        assert breaking_changes(old, new) == ["$.m.b: required field removed"]
