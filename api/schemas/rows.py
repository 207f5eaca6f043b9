"""Response models generated from the read models' tables, so the OpenAPI document and the
rows cannot drift apart: one model per table, one field per column, typed by its SQL type.

Amounts (`numeric`) are decimal strings, never JSON numbers: a euro amount stays exact.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema, create_model

if TYPE_CHECKING:
    from projections.engine.tables import Table


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


DecimalText = Annotated[
    Decimal,
    PlainSerializer(_decimal_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "examples": ["419.35"]}),
]
"""An exact decimal (an amount of euro, a km figure) written as a string."""

SQL_TYPES: dict[str, Any] = {
    "text": str,
    "date": date,
    "uuid": UUID,
    "numeric": DecimalText,
    "integer": int,
    "bigint": int,
    "boolean": bool,
    "timestamptz": datetime,
    "jsonb": Any,
}


class Response(BaseModel):
    """Base of every response model: exactly the documented fields."""

    model_config = ConfigDict(extra="forbid")


def row_model(name: str, table: Table, *, without: tuple[str, ...] = ()) -> type[Response]:
    """A response model with one (nullable) field per column of `table`, except `without`."""
    fields: dict[str, Any] = {
        column: (SQL_TYPES[sql_type] | None, None)
        for column, sql_type in table.columns
        if column not in without
    }
    return create_model(name, __base__=Response, **fields)
