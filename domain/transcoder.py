"""The contracts' JSON transcoder: the library's format, written and read with less work.

It writes with orjson: dicts, lists, tuples, strings, ints, bools and None in C, the way
`json` writes them with the library's separators (no spaces, UTF-8, the same escapes), and
every other value through `_tag`, the library's `{"_type_", "_data_"}` pair: dates and
timestamps (`OPT_PASSTHROUGH_DATETIME`), amounts and the state's documents (dataclasses,
`OPT_PASSTHROUGH_DATACLASS`), decimals and the domain's enums (domain/values.py says why
those). What orjson refuses (an int past 64 bits, a key that is not a string, a value no
transcoding is registered for) is written by `json`'s C encoder, made once, as the library
writes it, and refused as the library refuses it.

Two kinds of value orjson writes its own way: floats (`1e-7` where `json` writes `1e-07`;
they read back as the same numbers) and UUIDs (a plain string where the library writes a
tagged hex). A contract holds neither: money is `Decimal`, ids are strings. With
`cross_check` on (the test suite turns it on) every document is written both ways and a
difference raises, so a float or a UUID that reaches an event fails the tests that write it.
tests/unit/test_stored_bytes.py pins the bytes. Reading finds each tag's decoding in one
lookup, in C for dates and timestamps.

Only the circular-reference check is left out: events and snapshots are trees of values.
"""

from __future__ import annotations

from datetime import date, datetime
from json import encoder as json_encoder
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding

from domain.codecs import (
    ENUM_VALUE,
    ISO_DATE,
    DataclassAsRow,
    DateAsISO,
    EnumAsValue,
    MoneyAsStr,
    money_text,
)
from domain.money import parsed

if TYPE_CHECKING:
    from collections.abc import Callable

    OneShot = Callable[[Any, int], tuple[str, ...]]

PLAIN_ENCODE: dict[type[Transcoding], Callable[[Any], Any]] = {
    DateAsISO: ISO_DATE,
    DatetimeAsISO: datetime.isoformat,
    EnumAsValue: ENUM_VALUE,
    MoneyAsStr: money_text,
}
"""Transcodings whose `encode` is one call on the value: that call, unwrapped."""
PLAIN_DECODE: dict[type[Transcoding], Callable[[Any], Any]] = {
    DateAsISO: date.fromisoformat,
    DatetimeAsISO: datetime.fromisoformat,
    MoneyAsStr: parsed,
}
"""Transcodings whose `decode` is one call on the stored string: that call, unwrapped."""
HANDED_TO_TAG = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
"""orjson gives dates, timestamps and dataclasses to `default`, as `json` does."""


class ContractsTranscoder(JSONTranscoder):
    """`JSONTranscoder` writing with orjson (`json`'s C encoder, made once, for what orjson
    refuses) and keeping, per type, the name and the function its tagged form is made of."""

    cross_check: ClassVar[bool] = False
    """Write every document with `json` too and raise if the bytes differ (for the tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[type, tuple[str, Callable[[Any], Any]]] = {}
        self.decoders: dict[str, Callable[[Any], Any]] = {}
        make: Callable[..., OneShot] | None = getattr(json_encoder, "c_make_encoder", None)
        # What `json.JSONEncoder.iterencode` passes for separators=(",", ":") and
        # ensure_ascii=False: no markers (no circular check), default, string encoder, no
        # indent, key and item separators, sort_keys, skipkeys, allow_nan.
        string = json_encoder.encode_basestring
        arguments = (None, self._tag, string, None, ":", ",", False, False, True)
        self.one_shot: OneShot | None = None if make is None else make(*arguments)

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        encode = PLAIN_ENCODE.get(type(transcoding), transcoding.encode)
        if isinstance(transcoding, DataclassAsRow):
            encode = transcoding.write  # its encode, one Python call fewer
        self.tags[transcoding.type] = (transcoding.name, encode)
        decode = PLAIN_DECODE.get(type(transcoding), transcoding.decode)
        self.decoders[transcoding.name] = decode

    def encode(self, obj: Any) -> bytes:
        try:
            written = orjson.dumps(obj, default=self._tag, option=HANDED_TO_TAG)
        except TypeError:  # orjson.JSONEncodeError: `json` writes it or raises the library's
            return self.encode_as_json(obj)
        if self.cross_check and written != (expected := self.encode_as_json(obj)):
            msg = f"orjson wrote {written!r}; the library writes {expected!r}"
            raise AssertionError(msg)
        return written

    def encode_as_json(self, obj: Any) -> bytes:
        """What the library's encoder writes, by `json`'s C encoder made once."""
        if self.one_shot is None or not isinstance(obj, dict):  # pragma: no cover - no C json
            return super().encode(obj)
        return "".join(self.one_shot(obj, 0)).encode("utf8")

    def _tag(self, obj: Any) -> dict[str, Any]:
        """The library's tagged form of a value (one Python call: an event has eight)."""
        found = self.tags.get(type(obj))
        if found is None:
            return self._encode_obj(obj)  # raises the library's error
        name, encode = found
        return {"_type_": name, "_data_": encode(obj)}

    def _decode_obj(self, d: dict[str, Any]) -> Any:
        """The library's reading of a tagged value, in one lookup of its decoding function
        (the decoder calls this for every JSON object of a document: a snapshot holds some
        hundred and fifty)."""
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            decode = self.decoders.get(d["_type_"])
            if decode is None:
                return super()._decode_obj(d)  # raises the library's error
            return decode(d["_data_"])
        return d
