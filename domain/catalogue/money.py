"""M: money rules (formulas for charges and credits)."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_M = Family.MONEY

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "M-01",
        "Remaining capital: invested capital less 1% per completed month, floor 0",
        "Art. 1.2",
        _M,
    ),
    RuleEntry(
        "M-02",
        "Instalments are invoiced in advance and stay due while the car is off road",
        "Art. 5.1, 5.6, 6.2, 10.4",
        _M,
    ),
    RuleEntry("M-03", "First invoice is prorated by days from the start date", "Art. 5.1", _M),
    RuleEntry(
        "M-04",
        "Last invoice is prorated to the billing end date; surplus is credited",
        "Art. 5.1, 18.9, 19.2",
        _M,
    ),
    RuleEntry(
        "M-06", "Late-payment interest on any unpaid document, simple and per day", "Art. 5.2", _M
    ),
    # M-07 reading (A-07, A-10, L-34): charged on the instalment invoices an instalment notice
    # or a registered service-arrears notice covers and that are unpaid at its expiry; the
    # indemnity once per invoice however many notices cover it, EUR 30 per registered letter.
    RuleEntry(
        "M-07",
        "Tiered collection indemnity, once per unpaid instalment, plus file costs per letter",
        "Art. 5.3",
        _M,
    ),
    RuleEntry(
        "M-08", "The Lessor owes the same interest and indemnity when it pays late", "Art. 5.4", _M
    ),
    RuleEntry(
        "M-09", "Payments go to indemnities, then interest, then oldest instalments", "Art. 5.5", _M
    ),
    # M-10 reading [INT]: class 1 is repossession and damage debit notes, class 2 the
    # indemnities, file costs, late-return compensation and interest, class 3 instalments;
    # other debit notes come last. Oldest due date first within a class. A Guarantee held
    # under one contract is applied to another contract of the same customer number by one
    # command on both aggregates. Released without interest once the contract is closed and,
    # checked over HTTP in the exposure view, no other contract of the Customer runs or has a
    # document open.
    RuleEntry(
        "M-10",
        "A guarantee covers all contracts and is applied in a fixed order",
        "Art. 3.1-3.4, 18.5",
        _M,
    ),
    RuleEntry(
        "M-11",
        "Km deviation against pro-rata expected km, settled per km at the end",
        "Art. 2.2, 15.3, 19.3",
        _M,
    ),
    RuleEntry(
        "M-12", "Km cap per fuel type; reaching it ends the contract", "Art. 2.2, 18.1(ii)", _M
    ),
    RuleEntry(
        "M-13", "Instalments change only through a contract adjustment", "Art. 2.2, 10.4", _M
    ),
    RuleEntry(
        "M-15",
        "Flat damage fee per damage event under Protection, except exempt causes",
        "Art. 10.1-10.3",
        _M,
    ),
    # M-16 reading [INT]: worked on all third parties paid back for the Damage Event so far,
    # less what was already refunded (two partial recoveries refund as one of their sum); a
    # credit note (FLAT_FEE_REFUND) against the fee's debit note. A refused claim, or one
    # that charged no fee, records the recovery with no refund.
    RuleEntry(
        "M-16", "Flat fee refunded in proportion to what a third party pays back", "Art. 10.3", _M
    ),
    # M-17 reading [INT]: applied where the Lessor refuses a Damage Event's accepted claim
    # under an Art. 10.2 code or D-22 (`refuse_protection_claim`): the flat fee is withdrawn and
    # the repair cost less what a third party already paid back is charged (Protection 0.00);
    # refused in part, the accepted part keeps its M-15 fee and counts as accepted.
    # Damage without Protection is left to the Customer's own insurer and not charged here.
    RuleEntry(
        "M-17",
        "Damage that neither an insurer nor Protection covers is charged to the Customer",
        "Art. 7.7, 7.8(i), 10.2, 11.8",
        _M,
    ),
    # M-18 reading: settled when the insurer's payout is recorded (Art. 7.8(ii) "effectively
    # received"; RULES 9.4 InsurerPayoutReceived -> TotalLossSettlementComputed), on RC at the
    # effective end. [INT] Protection waives the shortfall when the terms include it, it had not
    # ended before the loss (D-18, A-27) and the Lessor did not refuse the loss's claim.
    RuleEntry(
        "M-18",
        "Loss: capital shortfall charged when the insurer paid; Protection (if not ended) waives",
        "Art. 7.8(ii), 11.1",
        _M,
    ),
    # M-19 reading (Art. 10.8 "enkel indien ... afstand doet van haar verhaal"): refunded only
    # where Protection covers the loss (as M-18). [INT], the terms being silent on the order:
    # the Lessor records a refusal (`refuse_protection_claim`, a PX code of Art. 10.2) for the
    # theft or total loss; a claim stays accepted unless refused. One decision per claim (L-35;
    # a change goes through contest and expert, Art. 10.7); none after the M-18 settlement, which
    # counts what was "accepted under Protection" (Art. 7.8(ii)); a refusal after the refund was
    # credited takes it back on a debit note (ADVANCE_REFUND_REVERSAL).
    RuleEntry(
        "M-19",
        "Advance refunded pro rata of the unexpired term on theft or total loss",
        "Art. 10.8",
        _M,
    ),
    # M-20 reading [INT]: worked out with the M-18 settlement, once the insurer's payout
    # is known; credited to the Customer (credit note GAP) as the Lessor's, Art. 11.7 naming no
    # payer. Where Protection does not cover the loss (not included, ended, claim refused),
    # the insurer's payout stands in for the waiver and there is no advance refund.
    RuleEntry(
        "M-20", "GAP payout from the insured value, less waiver and advance refund", "Art. 11.7", _M
    ),
    RuleEntry(
        "M-21",
        "Dissolution indemnity: capital plus 10% less the car's market value",
        "Art. 18.5, 3.4",
        _M,
    ),
    RuleEntry(
        "M-22",
        "Early termination fee: share of remaining instalments plus return items",
        "Art. 18.6, 18.7",
        _M,
    ),
    RuleEntry(
        "M-23",
        "Late return: daily instalment share plus a flat daily amount",
        "Art. 19.1, 19.2",
        _M,
    ),
    RuleEntry(
        "M-24",
        "Return charges for damage beyond normal wear, missing items, changes",
        "Art. 6.3, 13.1, 19.3, 7.9, 16.5",
        _M,
    ),
    # M-25 reading [INT]: the billing run invoices a whole month's provision for every calendar
    # month from the Start Date's while Fuel Management runs and the contract has not ended
    # (the terms give no pro rata; the quarterly settlement corrects it). An adjustment applies
    # to the months not yet invoiced.
    RuleEntry(
        "M-25",
        "Monthly fuel provision: estimated fuel at DIN use plus 10%, card and management costs",
        "Art. 16.3",
        _M,
    ),
    # M-26 reading [INT]: calendar quarters; the actual costs are the fuel and the card
    # and management costs the quarter's statements state; settled once the quarter is over, or
    # before when the service stopped or the contract ended (L-27). The credit relates to the
    # quarter's last provision invoice. A statement for a quarter already settled is refused
    # (its costs would never be settled).
    RuleEntry(
        "M-26",
        "Quarterly fuel settlement: actual costs against provisions, invoiced or credited",
        "Art. 16.2, 16.3",
        _M,
    ),
    # M-27 reading [INT]: only a card replacing one reported lost or stolen (D-04) is charged,
    # at the cost the Lessor states; the use or misuse of a card until it is returned reaches the
    # Customer through the statements, which are settled whoever used the card (M-26).
    RuleEntry(
        "M-27",
        "A replacement for a lost or stolen fuel card is charged; card use is the customer's",
        "Art. 7.9, 16.4",
        _M,
    ),
    # M-30 reading [INT]: one debit note per contract, the amounts as the Lessor paid them.
    # M-28 reading [INT]: overrun days x the day rate of the handover form, plus damage at the
    # stated cost, on one debit note at the return. The cost "settled separately" when the
    # contract ends on theft or total loss is not computed: the terms give no formula.
    RuleEntry(
        "M-28",
        "Replacement car kept too long or damaged: short-term rental rates of its form",
        "Art. 15.2, 15.3",
        _M,
    ),
    RuleEntry(
        "M-30",
        "Registration costs, plates and BIV not in the instalments are invoiced in full",
        "Art. 6.2",
        _M,
    ),
    # M-31 reading [INT]: the Lessor states type and amount; a maintenance or repair cost is
    # refused while the contract's MAINTENANCE_REPAIR service (P-13) runs.
    RuleEntry(
        "M-31",
        "Running costs no contract service covers are charged to the Customer",
        "Art. 6.3, 8.2, 8.3, 10.4, 12.2, 12.3",
        _M,
    ),
    # M-14 reading [INT]: each processing (forwarding) of a Levy charges its own fee; a Levy
    # the Lessor pays is recharged unless an opposition was recorded as in time and founded.
    RuleEntry(
        "M-14",
        "Levies passed on with a processing fee each time, the Levy recharged if paid",
        "Art. 8.4",
        _M,
    ),
    RuleEntry("M-32", "Repossession costs are charged to the customer", "Art. 18.4", _M),
    # M-35 reading [INT]: no document is issued; a payment short by bank charges leaves the
    # rest open (the M-09 allocation), to be dunned like any other open amount.
    RuleEntry(
        "M-35",
        "Bank charges are the Customer's: never deducted, a short payment stays open",
        "Art. 5.1",
        _M,
    ),
    # M-36 reading [GAP]: the amount is the Lessor policy's paper_surcharge (none by default),
    # charged once per document the Lessor names as sent by the non-electronic channel.
    RuleEntry(
        "M-36",
        "Supplement per document sent by the non-electronic channel the Customer chose",
        "Art. 5.1, 22.3",
        _M,
    ),
    RuleEntry(
        "M-33",
        "Ending on death costs nothing; instalments run until the car is back",
        "Art. 18.9",
        _M,
    ),
    # M-37 reading [INT]: the rims' cost is stated at the mount and passed on at cost.
    RuleEntry(
        "M-37",
        "Winter kit: the Lessor bears tyres and fitting, the customer the rims",
        "Art. 13.1",
        _M,
    ),
    # M-05 reading [INT]: the Lessor's choice is a command field: one credit note now
    # (LUMP_CREDIT) or equal shares, rounded half-up with the rest on the last, credited
    # against each of the next instalment invoices as they are issued (SPREAD).
    RuleEntry(
        "M-05",
        "What the supplier pays for a non-conforming car is credited on the instalments",
        "Art. 4.4",
        _M,
    ),
    # M-29 reading [INT]: every premium the Lessor states it paid for the Vehicle, whatever
    # the policy (Art. 11.4 liability, Art. 11.5 replacement, other), on its own debit note.
    RuleEntry(
        "M-29",
        "Insurance premiums the Lessor pays for the car are recovered from the Customer",
        "Art. 11.6",
        _M,
    ),
    # M-34 reading [INT]: recorded only on a contract dissolved against the Lessor, step by
    # step (claimed, agreed, decided by a court, withdrawn), amount optional; nothing booked.
    RuleEntry(
        "M-34",
        "After dissolving against the Lessor the Customer may claim damages at law",
        "Art. 18.8",
        _M,
    ),
)
