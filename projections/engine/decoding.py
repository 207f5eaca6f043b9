"""The projections' decoder: the application's own, with repeated immutable values shared.

A stored event's JSON holds a value of a registered type as `{"_type_": name, "_data_": ...}`,
which the library's JSON transcoder turns back into the value with a Python call per value
(about three dates and two amounts of money per event). Across a log the same strings come
back over and over (billing dates, instalments), so `memoising` keeps the value decoded from
each string of an immutable type (a date, Decimal, UUID, an enum, a frozen dataclass such as
Money) and hands out the same object again; a plain object (most are) is returned as it is
without a further call. Anything else goes through the library's own decoding unchanged, so
the events are equal to the application's (the same classes, the same upcasts: the
library's `Mapper` with this transcoder).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper

LIMIT = 100_000
"""Values remembered for one type at most (then they are forgotten and read again)."""


def memoising(mapper: Mapper[Any]) -> Mapper[Any]:
    """A mapper that decodes as `mapper` does, sharing repeated immutable values."""
    transcoder = mapper.transcoder
    if not isinstance(transcoder, JSONTranscoder):
        return mapper
    shared = copy.copy(transcoder)
    shared.decoder = json.JSONDecoder(object_hook=_hook(transcoder))
    return Mapper(shared, compressor=mapper.compressor, cipher=mapper.cipher)


def immutable(kind: type[Any]) -> bool:
    """Whether values of this type can be shared (not a datetime: every event's is its own)."""
    if issubclass(kind, datetime):
        return False
    params = getattr(kind, "__dataclass_params__", None)
    if dataclasses.is_dataclass(kind):
        return bool(params is not None and params.frozen)
    return issubclass(kind, date | Decimal | UUID | Enum)


def _hook(transcoder: JSONTranscoder) -> Any:
    """The JSON object hook: a remembered value by its type's name and string, else the
    library's `_decode_obj`."""
    decode_obj = transcoder._decode_obj  # the library's own decoding
    known: dict[str, dict[str, Any]] = {
        name: {} for name, t in transcoder.names.items() if immutable(t.type)
    }

    def hook(d: dict[str, Any]) -> Any:
        if len(d) != 2 or "_type_" not in d:
            return d  # a plain object (what `_decode_obj` returns too)
        values = known.get(d["_type_"])
        data = d.get("_data_")
        if values is None or type(data) is not str:
            return decode_obj(d)
        found = values.get(data)
        if found is None:
            if len(values) >= LIMIT:
                values.clear()
            found = values[data] = decode_obj(d)
        return found

    return hook
