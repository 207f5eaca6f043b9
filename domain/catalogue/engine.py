"""K: how the rules engine and the Kafka consumers apply the catalogue."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_K = Family.ENGINE

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "K-01",
        "Termination consumer reads per-contract and per-customer streams",
        "Art. 18.3(ii), 18.3(vi), 3.1, 4.5",
        _K,
    ),
    RuleEntry(
        "K-02",
        "Grounds are detected or recorded as events; acting on them needs a command",
        "—",
        _K,
    ),
    RuleEntry(
        "K-03",
        "Ends by operation of law are emitted by the engine without approval",
        "Art. 18.1(i)-(iv), 4.4",
        _K,
    ),
    RuleEntry(
        "K-04",
        "Rules compare business dates of the facts, never the time an event was processed",
        "—",
        _K,
    ),
    RuleEntry(
        "K-05",
        "An earlier effective end supersedes the recorded one; a later one is ignored",
        "—",
        _K,
    ),
    RuleEntry(
        "K-06", "Emitted events carry a deterministic causation ID so replays add nothing", "—", _K
    ),
    RuleEntry(
        "K-07",
        "A ground stays open while it holds; the Lessor's silence never lapses the right",
        "Art. 22.2",
        _K,
    ),
    RuleEntry(
        "K-08",
        "Grounds limited by mandatory law get legal review, never auto-dissolution",
        "Art. 18.3(iv)",
        _K,
    ),
)
