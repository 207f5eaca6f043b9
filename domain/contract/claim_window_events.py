"""Events of the windows a Protection claim decision opens (RULES 9.4; D-19, D-21, D-22)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from domain.contract.base_events import ContractEvent

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract
    from domain.money import Money

CLOSED = "closed"
"""The key of a claim (`Contract.damage_claims`) listing the windows no longer open."""


def close_window(c: Contract, incident_id: str, rule_id: str, **facts: bool) -> None:
    """Mark the claim's window of `rule_id` (D-19, D-21 or D-22) closed, with `facts`."""
    claim = c.damage_claims[incident_id]
    closed = [*claim.get(CLOSED, []), rule_id]
    c.damage_claims = {**c.damage_claims, incident_id: {**claim, CLOSED: closed, **facts}}


class ProtectionDecisionContested(ContractEvent):
    """D-21 (Art. 10.7): the Customer contests a claim decision by registered letter, with
    its reasons; late (`in_time` false) after the 7 days, when the decision is final."""

    incident_id: str
    registered_letter_date: date
    reasons: str
    in_time: bool
    decision_version: int | None = None
    """The version of the contested decision's event (None on older events)."""

    def apply_to(self, c: Contract) -> None:
        close_window(c, self.incident_id, "D-21", contested=True, contest_in_time=self.in_time)


class ProtectionClaimDocumentsSubmitted(ContractEvent):
    """D-22 (Art. 10.5): the supporting documents and the repair invoice of a Damage Event."""

    incident_id: str
    documents: list[str]
    repair_invoice_id: str
    in_time: bool

    def apply_to(self, c: Contract) -> None:
        facts = {"documents_submitted": True, "documents_in_time": self.in_time}
        close_window(c, self.incident_id, "D-22", **facts)


class ProtectionClaimDeadlineExpired(ContractEvent):
    """A window of a claim decision ran out with nothing recorded in it (timer)."""

    RULE: ClassVar[str]
    incident_id: str
    deadline: date

    def apply_to(self, c: Contract) -> None:
        close_window(c, self.incident_id, self.RULE)


class ProtectionDecisionBecameFinal(ProtectionClaimDeadlineExpired):
    """D-21: not contested within 7 days of the decision; it is final (forfeiture)."""

    RULE = "D-21"


class ProtectionTerminationWindowClosed(ProtectionClaimDeadlineExpired):
    """D-19: a month after the decision, neither party may end Protection for that claim."""

    RULE = "D-19"


class ProtectionDocumentsDeadlineExpired(ProtectionClaimDeadlineExpired):
    """D-22: no documents within 6 months of the accident; the Lessor MAY refuse the claim
    (DECIDE: `refuse_protection_claim`), nothing is refused by itself."""

    RULE = "D-22"


class IndependentExpertDecisionRecorded(ContractEvent):
    """L-35 (Art. 10.7): the independent expert's binding decision on a claim contested in
    time: ACCEPTED or PARTIALLY_ACCEPTED with the Customer's share (the flat fee), or REFUSED
    under Art. 10.2 codes; the expert's costs and the Customer's part of them."""

    incident_id: str
    expert_ref: str
    outcome: str
    customer_share: Money
    exclusion_codes: list[str]
    reason: str
    cost_split: str
    expert_costs: Money
    customer_cost_share: Money

    def apply_to(self, c: Contract) -> None:
        decision = "REFUSED" if self.outcome == "REFUSED" else "ACCEPTED"
        refusals = {k: v for k, v in c.protection_refusals.items() if k != self.incident_id}
        if self.exclusion_codes:  # an acceptance lifts the Lessor's refusal (M-18, M-19)
            refusals[self.incident_id] = self.exclusion_codes[0]
        c.protection_refusals = refusals
        claim = c.damage_claims[self.incident_id]
        claim = {**claim, "decision": decision, "charged": self.customer_share}
        c.damage_claims = {**c.damage_claims, self.incident_id: {**claim, "expert_decided": True}}
