"""Choosing a response's media type from the request's Accept header (RFC 9110 12.5.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_RANGES = 32
"""Media ranges of one Accept header considered (browsers send fewer than ten)."""


def _ranges(accept: str) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for part in accept.split(",")[:MAX_RANGES]:
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        if media:
            out.append((media.lower(), quality))
    return out


def _matches(media_range: str, offer: str) -> bool:
    if media_range in ("*/*", offer):
        return True
    kind, _, sub = media_range.partition("/")
    return sub == "*" and offer.startswith(kind + "/")


def negotiate(accept: str, offers: Sequence[str]) -> str | None:
    """The offer the client prefers (ties go to the first offer), or None if none is
    acceptable. An empty header accepts anything."""
    ranges = _ranges(accept) or [("*/*", 1.0)]
    best: tuple[float, int, str] | None = None
    for index, offer in enumerate(offers):
        quality = max((q for r, q in ranges if _matches(r, offer)), default=0.0)
        if quality > 0 and (best is None or (quality, -index) > (best[0], best[1])):
            best = (quality, -index, offer)
    return best[2] if best else None
