"""The rule registry: every catalogue rule ID the code cites, with a short title and its article.

The catalogue itself (RULES.md) lives outside the repository; this package is the one place a
rule ID is declared, so a checkout can say what `M-22` or `T-18.3-ii` means. Titles are short
paraphrases; the article is the General Terms (or portal terms) reference the catalogue gives.
`docs/rules.md` is generated from here (`lease rules --markdown`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


class Family(StrEnum):
    """A rule family: the ID prefix before the first hyphen."""

    PARAMETER = "P"
    LIFECYCLE = "L"
    OBLIGATION = "O"
    MONEY = "M"
    DEADLINE = "D"
    ARTICLE_18 = "T"
    ENGINE = "K"
    PORTAL = "PT"
    EXCLUSION = "PX"
    MAINTENANCE_EXCLUSION = "MR"
    AMBIGUITY = "A"
    GLOSSARY = "G"


@dataclass(frozen=True)
class RuleEntry:
    """One rule of the catalogue as the code cites it."""

    rule_id: str
    title: str
    article: str
    family: Family
    informational: str = ""
    """Why the service has no behaviour for this rule (blank when the code applies it).

    An informational rule binds a party but the service cannot observe it (e.g. who drives),
    or it only informs; the reason names the fact the service would need and, for a customer
    obligation, the HUMAN ground of Art. 18.3 an operator records on its breach."""


class UnknownRuleError(KeyError):
    """A rule ID that the registry does not declare."""

    def __init__(self, rule_id: str) -> None:
        super().__init__(rule_id)
        self.rule_id = rule_id

    def __str__(self) -> str:
        return f"unknown rule ID {self.rule_id!r}"


class RegistryError(ValueError):
    """The registry's data break one of its own rules (duplicate ID, wrong family...)."""


RULE_ID_PATTERN = re.compile(
    r"\b(?:(?:PT|PX|G|P|L|O|M|D|K|A)-\d{2}|MR-[a-t]|T-\d+\.\d+(?:-(?:[ivx]+|S))?)(?![\w*-]|\.\d)"
)
"""A rule ID as cited in code: `M-22`, `PT-15`, `MR-h`, `T-18.3-ii`, `T-18.3-S`, `T-18.10`.

Not matched: wildcards such as `T-18.3-*`, and one-digit test data such as `A-1`.
"""


def family_of(rule_id: str) -> str:
    """The ID's prefix: `T-18.3-ii` -> `T`, `PT-15` -> `PT`."""
    return rule_id.split("-", 1)[0]


def validate(entries: Iterable[RuleEntry]) -> dict[str, RuleEntry]:
    """The entries by ID; refuses duplicates, malformed IDs, wrong families and blank fields."""
    by_id: dict[str, RuleEntry] = {}
    for entry in entries:
        if entry.rule_id in by_id:
            raise RegistryError(f"{entry.rule_id} is declared twice")
        if not RULE_ID_PATTERN.fullmatch(entry.rule_id):
            raise RegistryError(f"{entry.rule_id!r} is not a rule ID")
        if family_of(entry.rule_id) != entry.family.value:
            raise RegistryError(f"{entry.rule_id} is filed under family {entry.family.value}")
        if not entry.title.strip() or not entry.article.strip():
            raise RegistryError(f"{entry.rule_id} needs a title and an article")
        if entry.informational and not entry.informational.strip():
            raise RegistryError(f"{entry.rule_id} is informational without a reason")
        by_id[entry.rule_id] = entry
    return by_id


def _all_entries() -> tuple[RuleEntry, ...]:
    # Imported here: the data modules import RuleEntry and Family from this module.
    from domain.catalogue import (  # noqa: PLC0415
        ambiguities,
        article18,
        deadlines,
        engine,
        exclusions,
        glossary,
        lifecycle,
        money,
        obligations,
        parameters,
        portal,
    )

    return (
        *parameters.ENTRIES,
        *lifecycle.ENTRIES,
        *obligations.ENTRIES,
        *money.ENTRIES,
        *exclusions.ENTRIES,
        *exclusions.MR_ENTRIES,
        *deadlines.ENTRIES,
        *article18.ENTRIES,
        *engine.ENTRIES,
        *portal.ENTRIES,
        *ambiguities.ENTRIES,
        *glossary.ENTRIES,
    )


RULES: Mapping[str, RuleEntry] = MappingProxyType(validate(_all_entries()))
"""Every registered rule, by ID (validated when this package is imported)."""


def lookup(rule_id: str) -> RuleEntry:
    """The entry of `rule_id` (UnknownRuleError if it is not registered)."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise UnknownRuleError(rule_id) from None


def is_registered(rule_id: str) -> bool:
    """Whether `rule_id` is declared in the registry."""
    return rule_id in RULES


__all__ = [
    "RULES",
    "RULE_ID_PATTERN",
    "Family",
    "RegistryError",
    "RuleEntry",
    "UnknownRuleError",
    "family_of",
    "is_registered",
    "lookup",
    "validate",
]
