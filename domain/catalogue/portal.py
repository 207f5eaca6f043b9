"""PT: rules of the self-service portal (its own terms of use)."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_PT = Family.PORTAL

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "PT-15",
        "Portal shows the customer's documents and offers secure messaging",
        "Portal Art. 2.2, 8.10",
        _PT,
    ),
)
