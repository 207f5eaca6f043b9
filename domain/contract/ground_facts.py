"""The facts behind the Lessor's HUMAN grounds of Art. 18.3 (iv), (vi), (ix), (xii), (xiii).

Each of these grounds is a fact, not a deadline: the terms attach no formal notice and no
cure period to them (Art. 18.3, unlike (ii) and (iii)). An operator records the fact with its
date, its evidence and what happened (`record_ground_fact`); the ground then stands on that
fact (`DissolutionGroundDetected`, evidence: the fact's id), and only then can the contract be
suspended or dissolved on it (L-10, L-41). Recording one of these grounds by rationale alone
(`record_ground`) is refused until its fact is recorded. 18.3(iv) stays under legal review:
no Lessor policy may act on it by itself (K-08, A-44, `domain.policy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

from domain.contract.command import MAX_TEXT, Command, bounded
from domain.contract.ground_facts_events import (
    AlienationAttemptRecorded,
    AttachmentAgainstCustomerRecorded,
    CollectiveDebtSettlementApplied,
    GroundFactRecorded,
    IllegalUseRecorded,
    ObligationBreachRecorded,
    WilfulDamageOrTheftComplicityRecorded,
)
from domain.contract.guards import require, require_status
from domain.contract.status import NOT_ENDED
from domain.contract.termination_events import DissolutionGroundDetected

if TYPE_CHECKING:
    from collections.abc import Mapping

    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

FACTS: Mapping[str, tuple[str, type[GroundFactRecorded]]] = MappingProxyType(
    {
        # Art. 18.3(iv): "een collectieve schuldenregeling aanvraagt" - the application suffices
        "COLLECTIVE_DEBT_SETTLEMENT_APPLIED": ("18.3(iv)", CollectiveDebtSettlementApplied),
        # Art. 18.3(iv): "wanneer er te zijnen laste beslag wordt gelegd"
        "ATTACHMENT_LEVIED": ("18.3(iv)", AttachmentAgainstCustomerRecorded),
        # Art. 18.3(vi): "zijn verbintenissen niet nakomt" under this or another Contract
        "OBLIGATION_BREACHED": ("18.3(vi)", ObligationBreachRecorded),
        # Art. 18.3(ix): "vervreemdt of poogt te vervreemden, in pand of in onderhuur geeft";
        # O-01 (Art. 1.3, 6.1): an attempt to dispose of the Vehicle is this ground
        "ALIENATED": ("18.3(ix)", AlienationAttemptRecorded),
        "ALIENATION_ATTEMPTED": ("18.3(ix)", AlienationAttemptRecorded),
        "PLEDGED": ("18.3(ix)", AlienationAttemptRecorded),
        "SUBLET": ("18.3(ix)", AlienationAttemptRecorded),
        # Art. 18.3(xii): illegal use of "het Materieel, de boorddocumenten, de nummerplaten of
        # de Mobility Card Extension of Brandstofkaart" - those five things, no others
        "ILLEGAL_USE_OF_VEHICLE": ("18.3(xii)", IllegalUseRecorded),
        "ILLEGAL_USE_OF_DOCUMENTS": ("18.3(xii)", IllegalUseRecorded),
        "ILLEGAL_USE_OF_PLATES": ("18.3(xii)", IllegalUseRecorded),
        "ILLEGAL_USE_OF_MOBILITY_CARD": ("18.3(xii)", IllegalUseRecorded),
        "ILLEGAL_USE_OF_FUEL_CARD": ("18.3(xii)", IllegalUseRecorded),
        # Art. 18.3(xiii): "moedwillig heeft beschadigd of heeft laten beschadigen dan wel heeft
        # meegewerkt aan een diefstal of poging tot diefstal"
        "WILFUL_DAMAGE": ("18.3(xiii)", WilfulDamageOrTheftComplicityRecorded),
        "THEFT_COMPLICITY": ("18.3(xiii)", WilfulDamageOrTheftComplicityRecorded),
        "ATTEMPTED_THEFT_COMPLICITY": ("18.3(xiii)", WilfulDamageOrTheftComplicityRecorded),
    }
)
"""Each fact an operator may record, the ground of Art. 18.3 it establishes, and its event."""
FACT_GROUNDS = frozenset(ground for ground, _ in FACTS.values())
"""The grounds that stand only on a recorded fact: 18.3(iv), (vi), (ix), (xii), (xiii)."""
LEGAL_REVIEW_RULES = {"18.3(iv)": ("K-08", "A-44")}
"""K-08: the fact of 18.3(iv) cites the legal-review rules its ground is under."""


@dataclass(frozen=True)
class RecordGroundFact(Command):
    """The Lessor records a fact that is a ground of Art. 18.3 (iv, vi, ix, xii, xiii), with
    the date it happened, its evidence and a description; for a breach (vi), the article of
    the obligation and, when it is another contract's, that contract's number."""

    name: ClassVar[str] = "record_ground_fact"
    rule_ids: ClassVar[tuple[str, ...]] = (
        "K-02",
        "T-18.3-iv",
        "T-18.3-vi",
        "T-18.3-ix",
        "T-18.3-xii",
        "T-18.3-xiii",
    )
    fact: str = bounded(choices=tuple(FACTS))
    happened_on: date = bounded()
    evidence: tuple[str, ...] = bounded()
    description: str = bounded(max_length=MAX_TEXT)
    article: str | None = bounded(None)
    under_contract: str | None = bounded(None)


def rule_of(ground: str) -> str:
    """'18.3(xii)' -> 'T-18.3-xii'."""
    article, numeral = ground.rstrip(")").split("(")
    return f"T-{article}-{numeral}"


def record_ground_fact(
    c: Contract,
    ctx: Ctx,
    fact: str,
    happened_on: date,
    evidence: tuple[str, ...],
    description: str,
    article: str | None,
    under_contract: str | None,
) -> None:
    """T-18.3-iv/vi/ix/xii/xiii: the fact, with its evidence, establishes the ground."""
    require(fact in FACTS, "K-02", f"unknown fact {fact!r}")
    ground, event = FACTS[fact]
    rule_id = rule_of(ground)
    require_status(c, NOT_ENDED, rule_id, "record_ground_fact")
    require(happened_on <= ctx.on, rule_id, f"the fact cannot happen after today ({happened_on})")
    refs = [ref.strip() for ref in evidence if ref.strip()]
    require(bool(refs), rule_id, "the fact needs its evidence (at least one reference)")
    require(bool(description.strip()), rule_id, "the fact needs a description of what happened")
    extra: dict[str, str | None] = {}
    if event is ObligationBreachRecorded:
        require(bool(article and article.strip()), rule_id, "the obligation's article is required")
        extra = {"article": article, "under_contract": under_contract}
    else:
        require(
            article is None and under_contract is None,
            rule_id,
            "article and under_contract are for 18.3(vi)",
        )
    rules = ["K-02", rule_id, *LEGAL_REVIEW_RULES.get(ground, ())]
    fact_id = f"F{len(c.grounds) + 1:03d}"
    c.emit(
        event,
        ctx,
        rules,
        fact_id=fact_id,
        fact=fact,
        happened_on=happened_on,
        evidence_refs=refs,
        description=description,
        **extra,
    )
    c.emit(
        DissolutionGroundDetected,
        ctx,
        rules,
        ground_id=f"G{len(c.grounds) + 1:03d}",
        ground=ground,
        evidence=[fact_id],
        cure_deadline=None,
    )


def fact_recorded(c: Contract, ground: str) -> bool:
    """Whether a ground of FACT_GROUNDS stands on a recorded fact on this contract; for
    18.3(vi) a missed repair deadline is such a fact (D-07: Art. 8.2 not met)."""
    missed_repair = ground == "18.3(vi)" and bool(c.missed_repairs)
    return missed_repair or any(g.ground == ground and g.evidence for g in c.grounds.values())


HANDLERS: Handlers = {RecordGroundFact: record_ground_fact}
