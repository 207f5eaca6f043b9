"""Events of the facts behind the Lessor's HUMAN grounds of Art. 18.3 (RULES 9.6: T-18.3-iv,
vi, ix, xii, xiii): each records what happened, when, and the evidence it rests on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.contract.base_events import ContractEvent

if TYPE_CHECKING:
    from datetime import date


class GroundFactRecorded(ContractEvent):
    """Base of the facts an operator records for an Art. 18.3 ground (never recorded itself).

    `fact` is the kind of fact (e.g. PLEDGE), `happened_on` its date, `evidence_refs` the
    references of the documents that prove it, `description` what happened. The ground the
    fact establishes follows as `DissolutionGroundDetected` whose evidence is `fact_id`."""

    fact_id: str
    fact: str
    happened_on: date
    evidence_refs: list[str]
    description: str


class CollectiveDebtSettlementApplied(GroundFactRecorded):
    """T-18.3-iv, K-08: the Customer applied for collective debt settlement."""


class AttachmentAgainstCustomerRecorded(GroundFactRecorded):
    """T-18.3-iv, K-08: an attachment (beslag) was levied against the Customer."""


class ObligationBreachRecorded(GroundFactRecorded):
    """T-18.3-vi: an obligation of this contract, or of `under_contract` (another contract of
    the Customer with the Lessor, A-37), not met; `article` is the obligation's article."""

    article: str
    under_contract: str | None


class AlienationAttemptRecorded(GroundFactRecorded):
    """T-18.3-ix: the Vehicle alienated or an attempt to, pledged or sub-let."""


class IllegalUseRecorded(GroundFactRecorded):
    """T-18.3-xii: illegal use of the Vehicle, its papers, plates or cards."""


class WilfulDamageOrTheftComplicityRecorded(GroundFactRecorded):
    """T-18.3-xiii: the Vehicle damaged on purpose, or a part in its (attempted) theft."""
