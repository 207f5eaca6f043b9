"""The damage register's decisions (RULES 9.10, L-35): a Damage Event's Protection claim
accepted with its flat fee (M-15; refused wholly or in part: domain/contract/damage_refusal.py),
and the flat fee refunded after a liable third party paid the Lessor back (M-16); and the
annual end of Protection by registered letter (L-32, D-20), after which a Damage Event has no
claim.

Readings [INT] (the terms are silent on the order of events):
- A Damage Event's claim is accepted when it is reported (M-15, as before) and stays accepted
  unless the Lessor refuses it, wholly or in part (`refuse_protection_claim`, as for a theft
  or total loss).
- M-16 is worked on all that third parties paid back for the Damage Event so far, less what
  was already refunded, so two partial recoveries refund what one recovery of their sum
  would. A recovery on a wholly refused claim, or on one that charged no fee, is recorded
  without a refund (it does not reduce the M-17 charge: left to the Lessor); on a partly
  refused claim it refunds the fee of the accepted part.
- The refund is a credit note (FLAT_FEE_REFUND, RULES 9.2) against the fee's debit note;
  paying it out is the usual refund of a credit balance.
- L-32: every ground of Art. 10.6 is a letter here: ANNUAL (D-20) and AFTER_CLAIM (D-19,
  within a month of the claim's decision) for either party; MISSTATEMENT,
  NOT_ROADWORTHY_OR_REQUISITIONED and CONTRACT_ENDED for the Lessor only; TERMS_CHANGED (of
  Art. 10 or its fee) for the Customer only. ANNUAL cover ends after 31 December, any other
  cover 14 days after the letter [INT, A-27];
  after a Lessor's letter it ends 14 days after the letter if earlier (L-32, PX-14). A Damage
  Event on or after that day gets no claim and no fee. Every letter also starts the D-18
  own-insurance timer (T-10.6: a PROTECTION_ENDED lapse due the day cover ends), which leads
  to ground 18.3(x) when it expires unmet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.contract.billing_events import FlatDamageFeeCharged
from domain.contract.claim_windows import decided_claim, decision_windows
from domain.contract.command import Command, bounded
from domain.contract.cover import notify_lapse
from domain.contract.cover_events import PROTECTION_ENDED
from domain.contract.damage_events import (
    ProtectionTerminationNotified,
    ThirdPartyRecoveryReceived,
)
from domain.contract.damage_refusal import refund_flat_fee
from domain.contract.guards import require, require_status
from domain.contract.incidents_events import ProtectionClaimDecided
from domain.contract.status import NOT_ENDED
from domain.money import Money
from domain.money_rules import flat_damage_fee
from domain.values import ContractStatus
from domain.workings import records

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.values import DamageCause

LESSOR_GROUNDS = ("MISSTATEMENT", "NOT_ROADWORTHY_OR_REQUISITIONED", "CONTRACT_ENDED")
"""Art. 10.6: grounds only the Lessor may end Protection on (data not or wrongly given; the
Vehicle no longer fit for the road or requisitioned; the contract ended, A-50)."""
CUSTOMER_GROUNDS = ("TERMS_CHANGED",)
"""Art. 10.6: the Customer may end Protection when Art. 10 or its fee (Art. 10.4) change."""
LESSOR_LETTER_DAYS = 14  # L-32, PX-14, D-18: 2 weeks after the Lessor's letter
RECOVERABLE = NOT_ENDED | {ContractStatus.IN_SETTLEMENT}
"""M-16: a recovery can come in until the contract is closed."""


@dataclass(frozen=True)
class RecordThirdPartyRecovery(Command):
    """A liable third party (or its insurer) paid the Lessor for a Damage Event."""

    name: ClassVar[str] = "record_third_party_recovery"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-16", "L-35", "A-25")
    incident_id: str = bounded()
    amount: Money = bounded()
    payer: str = bounded("THIRD_PARTY_INSURER")


@dataclass(frozen=True)
class NotifyProtectionTermination(Command):
    """The Lessor or the Customer ends Protection by registered letter on a ground of Art. 10.6:
    at the end of the year (D-20), after a claim within a month of its decision (D-19), or on a
    ground only one party has (LESSOR_GROUNDS, CUSTOMER_GROUNDS)."""

    name: ClassVar[str] = "notify_protection_termination"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-32", "D-20", "D-19", "D-18", "PX-14", "T-10.6")
    by: str = bounded(choices=("LESSOR", "CUSTOMER"))
    letter_on: date = bounded()
    ground: str = bounded(
        "ANNUAL", choices=("ANNUAL", "AFTER_CLAIM", *LESSOR_GROUNDS, *CUSTOMER_GROUNDS)
    )
    claim: str | None = bounded(None)
    """AFTER_CLAIM: the incident id of the claim whose decision the letter follows."""


def accept_damage_claim(
    c: Contract, ctx: Ctx, incident_id: str, cause: DamageCause, cost: Money, incident_on: date
) -> None:
    """M-15: the claim accepted; the Customer owes the flat fee share (A-25). The decision
    opens the D-19 and D-21 windows, the accident the D-22 one (domain/contract/claim_windows)."""
    assert c.terms.flat_damage_fee is not None  # checked by the caller
    share = flat_damage_fee(cause, cost, c.terms.flat_damage_fee, c.terms.invested_capital)
    c.emit(
        ProtectionClaimDecided,
        ctx,
        ["M-15", "L-35"],
        incident_id=incident_id,
        cause=cause.value,
        damage_amount=cost,
        customer_share=share.customer_share,
        waived_amount=share.lessor_waived,
        **decision_windows(c, ctx.on, incident_on),
    )
    if share.customer_share.is_positive:
        c.issue(
            FlatDamageFeeCharged,
            ctx,
            ["M-15", "A-25"],
            amount=share.customer_share,
            due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
            incident_id=incident_id,
            workings=records([share.working.citing(incident_id=incident_id)]),
        )


def record_third_party_recovery(
    c: Contract, ctx: Ctx, incident_id: str, amount: Money, payer: str
) -> None:
    """M-16: record the recovery; refund the flat fee in proportion to it (A-25)."""
    require_status(c, RECOVERABLE, "M-16", "record_third_party_recovery")
    claim = c.damage_claims.get(incident_id)
    require(claim is not None, "M-16", f"{incident_id} has no Protection claim")
    require(amount.is_positive, "M-16", "amount must be positive")
    require(bool(payer.strip()), "M-16", "payer is required")
    assert claim is not None
    c.emit(
        ThirdPartyRecoveryReceived,
        ctx,
        ["M-16", "L-35"],
        incident_id=incident_id,
        payer=payer,
        amount=amount,
    )
    if claim["decision"] != "REFUSED":  # ACCEPTED or PARTIALLY_ACCEPTED: its fee is live
        refund_flat_fee(c, ctx, incident_id, c.damage_claims[incident_id]["recovered"])


def notify_protection_termination(
    c: Contract, ctx: Ctx, by: str, letter_on: date, ground: str, claim: str | None
) -> None:
    """L-32: Protection ends by registered letter.

    ANNUAL (D-20): a letter by 30 September ends it on 31 December (24:00) of that year.
    AFTER_CLAIM (D-19): a letter within a month of the claim's decision; [INT] its cover ends
    14 days after the letter, whoever sends it (the terms give no date of effect), and so does
    the cover of a one-party ground (MISSTATEMENT, NOT_ROADWORTHY_OR_REQUISITIONED,
    CONTRACT_ENDED of the Lessor; TERMS_CHANGED of the Customer). After a
    Lessor's letter damage arising from 14 days on is excluded (L-32, PX-14), so cover ends
    then if that is earlier (D-18). T-10.6: the Customer must insure under Art. 11.1 by the
    day cover ends: the letter starts that timer (a PROTECTION_ENDED lapse, D-18), which
    leads to ground 18.3(x) if no insurance is provided (domain/contract/cover.py)."""
    require_status(c, NOT_ENDED, "L-32", "notify_protection_termination")
    require(c.terms.protection_included, "L-32", "the contract has no Protection")
    require(c.protection_ends_on is None, "L-32", "Protection is already ending")
    require(letter_on <= ctx.on, "L-32", f"the letter of {letter_on} is in the future")
    cover_ends = letter_on + timedelta(days=LESSOR_LETTER_DAYS)
    last_day, rules = cover_ends - timedelta(days=1), ["L-32", "D-19"]
    if ground == "AFTER_CLAIM":
        _require_after_claim_window(c, letter_on, claim)
    elif ground != "ANNUAL":
        _require_ground_of_sender(by, ground, claim)
        rules = ["L-32"]
    else:
        require(claim is None, "D-20", "an ANNUAL letter cites no claim")
        last_letter_day = date(letter_on.year, 9, 30)
        require(letter_on <= last_letter_day, "D-20", f"too late: by {last_letter_day} this year")
        last_day, rules = date(letter_on.year, 12, 31), ["L-32", "D-20"]
        year_end = last_day + timedelta(days=1)
        cover_ends = min(year_end, cover_ends) if by == "LESSOR" else year_end
    c.emit(
        ProtectionTerminationNotified,
        ctx,
        rules + (["D-18", "PX-14"] if by == "LESSOR" else []),
        by=by,
        ground=ground,
        registered_letter_date=letter_on,
        effective_date=last_day,
        cover_ends_on=cover_ends,
        claim_incident_id=claim,
    )
    notify_lapse(
        c, ctx, ["L-31", "D-18", "T-10.6"], PROTECTION_ENDED, "CANCELLATION", by, cover_ends
    )


def _require_ground_of_sender(by: str, ground: str, claim: str | None) -> None:
    """L-32 (Art. 10.6): a one-party ground is used by that party, and cites no claim."""
    own = LESSOR_GROUNDS if by == "LESSOR" else CUSTOMER_GROUNDS
    other = "the Customer" if by == "LESSOR" else "the Lessor"
    require(ground in own, "L-32", f"ground: {ground} is {other}'s to use (Art. 10.6)")
    require(claim is None, "L-32", f"claim: a {ground} letter cites no claim")


def _require_after_claim_window(c: Contract, letter_on: date, claim: str | None) -> None:
    """D-19: the letter follows a decided claim and is dated within a month of its decision."""
    require(claim is not None, "D-19", "an AFTER_CLAIM letter names the claim (incident id)")
    assert claim is not None
    last_day: date | None = decided_claim(c, claim, "D-19").get("terminate_by")
    require(
        last_day is None or letter_on <= last_day,
        "D-19",
        f"the right to end Protection after claim {claim} expired on {last_day}"
        " (one month after its decision)",
    )


def protection_covers_damage(c: Contract, incident_on: date) -> bool:
    """L-32: Protection is included and had not ended on the day of the Damage Event."""
    ends = c.protection_ends_on
    return c.terms.protection_included and (ends is None or incident_on < ends)


HANDLERS: Handlers = {
    RecordThirdPartyRecovery: record_third_party_recovery,
    NotifyProtectionTermination: notify_protection_termination,
}
