"""Events of the Customer's grounds against the Lessor, Art. 18.8 (RULES 9.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.contract.base_events import ContractEvent
from domain.contract.formation_events import DeadlineExpired
from domain.contract.state import LessorNotice

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract
    from domain.money import Money


class LessorDefaultNoticeSent(ContractEvent):
    """T-18.8-i/iii/iv, D-12: the Customer's formal notice to the Lessor and its cure deadline.

    The dispatch date is the event's business date (A-06)."""

    notice_id: str
    ground: str
    registered: bool
    amount: Money | None
    cure_deadline: date

    def apply_to(self, c: Contract) -> None:
        c.lessor_notices[self.notice_id] = LessorNotice(
            self.notice_id, self.ground, self.registered, self.occurred_on, self.cure_deadline
        )


class LessorDefaultRemedied(ContractEvent):
    """T-18.8-i/iii/iv: the Lessor paid or remedied what a notice named (on the event's date)."""

    notice_id: str
    ground: str
    within_cure_period: bool

    def apply_to(self, c: Contract) -> None:
        c.lessor_notices[self.notice_id].remedied_on = self.occurred_on


class LessorCureDeadlineExpired(DeadlineExpired):
    """D-11 (18.8(i): the amount the Customer's reminder named is still unpaid) or D-12 (the
    registered notice's 8 days ran out without a remedy): the Lessor's deadline passed."""

    notice_id: str


class LessorGroundFactRecorded(ContractEvent):
    """Base of the HUMAN facts of Art. 18.8, recorded with their evidence (RULES 0.4)."""

    ground: str
    evidence_refs: list[str]
    description: str

    def apply_to(self, c: Contract) -> None:
        c.lessor_facts.setdefault(self.ground, self.occurred_on)


class LessorInsolvencyRecorded(LessorGroundFactRecorded):
    """T-18.8-ii: the Lessor stopped its payments or was declared bankrupt."""


class LessorCreditorInterferenceRecorded(LessorGroundFactRecorded):
    """T-18.8-iii: the Vehicle seized or confiscated against the Lessor, or claimed by the
    Lessor's creditors so that the Customer's quiet enjoyment is disturbed."""


class LessorBreachRecorded(LessorGroundFactRecorded):
    """T-18.8-iv: serious non-performance or gross failures by the Lessor."""


class LessorTrustBreakdownRecorded(LessorGroundFactRecorded):
    """T-18.8-v: trust in the Lessor so shaken that continuing is reasonably impossible."""


class CustomerDamagesClaimRecorded(ContractEvent):
    """M-34 (Art. 18.8): the Customer's claim for damages under general law after dissolving
    against the Lessor, recorded as it stands; nothing is computed or invoiced."""

    claim_id: str
    amount_claimed: Money | None
    status: str
    description: str
