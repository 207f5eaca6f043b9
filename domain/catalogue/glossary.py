"""G: defined terms of the General Terms that the code cites."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_G = Family.GLOSSARY

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "G-01",
        "The contract: one long-term rental-and-maintenance deal per customer",
        "Art. 1.1, 4.1",
        _G,
    ),
    RuleEntry(
        "G-11",
        "Start date: day the handover form is signed, else the registration date",
        "Art. 4.7",
        _G,
    ),
)
