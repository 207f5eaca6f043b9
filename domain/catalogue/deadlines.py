"""D: deadlines and timers, counted by the calendar conventions of the catalogue."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_D = Family.DEADLINE

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "D-01",
        "Report an accident, damage, theft, claim or defect in writing within 24 h",
        "Art. 9.1, 7.6, 10.5, 18.3(viii)",
        _D,
    ),
    RuleEntry(
        "D-02",
        "File a police report within 24 h of theft or lost papers; give up keys",
        "Art. 9.2, 10.5",
        _D,
    ),
    RuleEntry(
        "D-03", "Tell the Lessor within 24 h of a third-party claim or seizure", "Art. 9.3", _D
    ),
    RuleEntry(
        "D-04",
        "Report a lost or stolen fuel card to issuer and Lessor within 24 h",
        "Art. 9.6, 16.4",
        _D,
    ),
    # D-05 reading [INT]: a checklist item of the handover form (rented storage, landlord
    # told); due at the handover, met or missed there; a miss is a HUMAN breach, no refusal.
    RuleEntry(
        "D-05",
        "Where the car is kept in rented premises, tell the landlord who owns it by handover",
        "Art. 9.4",
        _D,
    ),
    RuleEntry("D-06", "Answer an odometer request within five working days", "Art. 2.2", _D),
    RuleEntry("D-07", "Have repairs done within five working days", "Art. 8.2", _D),
    RuleEntry("D-08", "Collect the car within 14 days of the ready notice", "Art. 4.6", _D),
    RuleEntry(
        "D-09",
        "Show proof of insurance within one month of the ready notice",
        "Art. 4.6, 11.1, 11.3",
        _D,
    ),
    RuleEntry(
        "D-10", "Eight days after a formal notice to pay an overdue instalment", "Art. 5.3", _D
    ),
    # D-11 reading [INT]: the Customer's 18.8(i) notice naming the unpaid amount is the
    # reminder; the Lessor's last day is the same as D-12's (dispatch + 8 days, not rolled,
    # A-05), met by the recorded payment or remedy. M-08 (what the Lessor then owes) is not
    # built: the expiry is recorded, the 18.8(i) right follows D-12 if the notice was registered.
    RuleEntry(
        "D-11",
        "The Lessor has eight days after the Customer's reminder to pay what it owes",
        "Art. 5.4, 18.8(i)",
        _D,
    ),
    # D-12 reading (RULES 0.5, A-05): the Lessor's notices to the Customer (18.2(ii), 18.3(ii)
    # (iii)) set a Customer-side deadline, rolled forward to a working day like D-10; the
    # Customer's notices to the Lessor (18.8(i)(iii)(iv)) set the Lessor's deadline, which
    # A-05 does not roll: its last day is dispatch + 8 days even on a weekend or holiday.
    RuleEntry(
        "D-12",
        "Eight-day cure period of a registered notice, from its dispatch",
        "Art. 18.2(ii), 18.3(ii)(iii), 18.8(i)(iii)(iv)",
        _D,
    ),
    RuleEntry(
        "D-13",
        "Dissolution indemnity falls due 15 days after the written notification",
        "Art. 18.5",
        _D,
    ),
    RuleEntry(
        "D-14", "A sale within 15 days of dissolution replaces the estimated value", "Art. 18.5", _D
    ),
    RuleEntry(
        "D-15",
        "Theft recovery window: insurer's days, at most 30, from the theft",
        "Art. 18.1(iii)",
        _D,
    ),
    # D-17 reading (RULES 0.5, A-05): a customer-side deadline, rolled forward to a working
    # day like D-10. D-18 is not rolled: its [INT] ties it to the end of Protection cover.
    # D-16 reading [INT]: the 24 h run from the date and hour the Lessor is fully informed
    # (the next day at that hour); with the Mobility Card of the instalment its first 3
    # calendar days come first. The entitlement ends the day the immobilisation is resolved
    # or a stolen Vehicle is recovered, on theft at most the theft date + 30 days.
    RuleEntry(
        "D-16",
        "Replacement car from 24 h after the Lessor knows all causes, to the end of the stop",
        "Art. 15.1-15.3",
        _D,
    ),
    RuleEntry(
        "D-17",
        "Two weeks to replace a lapsed policy after notice of the lapse, rolled to a working day",
        "Art. 11.5, 18.3(x)",
        _D,
    ),
    RuleEntry(
        "D-18",
        "Two weeks to insure oneself after Protection is ended by letter",
        "Art. 10.6, 10.2",
        _D,
    ),
    RuleEntry(
        "D-19", "One month after a claim decision to end Protection by letter", "Art. 10.6", _D
    ),
    RuleEntry(
        "D-21", "Seven days to contest a Protection decision, or lose the right", "Art. 10.7", _D
    ),
    # D-22 reading (Art. 10.5 "geheel of gedeeltelijk"): after the six months without papers,
    # or with papers sent late, the Lessor may refuse the claim wholly or in part naming D-22
    # as its reason code; M-17 charges the refused part.
    RuleEntry(
        "D-22",
        "Six months from the accident to send claim papers and repair invoice",
        "Art. 10.5",
        _D,
    ),
    # D-20 reading [INT]: the letter's date counts (A letter dated 30 September is in time);
    # cover runs to 31 December 24:00, so the first day not covered is 1 January. A Lessor's
    # letter also ends cover 14 days after it if earlier (L-32, PX-14).
    RuleEntry(
        "D-20",
        "Either party may end Protection at year end by letter dated by 30 September",
        "Art. 10.6",
        _D,
    ),
    # D-23 reading: the duty of D-01 under Protection (Art. 10.5 "binnen dezelfde termijn"):
    # a Damage Event reported after 24 h is a breach citing D-01 and D-23 (-> T-18.3-viii);
    # whether the Lessor then refuses the claim is its decision (an exclusion code, M-17).
    RuleEntry(
        "D-23",
        "Under Protection, report damage in the form and 24 h of Article 9",
        "Art. 10.5",
        _D,
    ),
    RuleEntry(
        "D-24",
        "Report changes to required insurance within three working days",
        "Art. 11.3, 11.4",
        _D,
    ),
    RuleEntry(
        "D-25",
        "Return the car on the first working day after the contract ends",
        "Art. 19.1, 18.7, 18.9",
        _D,
    ),
    # D-26 reading [INT]: a mount outside 1 November - 31 March is refused (Art. 13.1 says
    # they are to be fitted in that window); a demount may come on any day and belongs to
    # the season last mounted.
    RuleEntry("D-26", "Winter tyres go on between 1 November and 31 March", "Art. 13.1", _D),
    # D-27 reading [INT]: the provision is invoiced by the billing run on the first business day
    # of each month; statements are recorded as the Lessor issues them (no timer: the terms
    # attach no consequence to a late statement); a quarter is settled only after its last day.
    RuleEntry(
        "D-27",
        "Fuel statements monthly or at least quarterly, provision monthly, settlement quarterly",
        "Art. 16.2, 16.3",
        _D,
    ),
    RuleEntry("D-28", "Customer termination locked for the first 12 months", "Art. 18.6, 18.7", _D),
    # D-29 reading [INT]: effective at least one calendar month after the notice (add_months);
    # the Customer may object until the day before; one amendment pending at a time; [GAP] an
    # objection keeps the contract on its version and nothing else follows.
    RuleEntry(
        "D-29", "Amended General Terms take effect at least one month after notice", "Art. 22.3", _D
    ),
    RuleEntry(
        "D-30", "Contract expires at the end of its last contractual day", "Art. 18.1(i)", _D
    ),
    # D-31 reading [INT]: the Lessor's liability insurance ends at the hand-in after an
    # ordinary end, on the end date of an early one (`LessorInsuranceEnded`); Protection's
    # stop on an early end is T-18.10's `AncillaryServiceStopped`.
    RuleEntry(
        "D-31",
        "Protection and the Lessor's insurance end at hand-in, or on an early end's date",
        "Art. 11.4, 18.10",
        _D,
    ),
    RuleEntry(
        "D-32",
        "Customer's risk runs from the start date to the signed return report",
        "Art. 7.1",
        _D,
    ),
    RuleEntry(
        "D-33", "Personal data kept 1, 3 or 10 years depending on the phase", "Art. 20 C", _D
    ),
    RuleEntry(
        "D-34", "Portal access lasts 18 months after the last agreement ends", "Portal Art. 4.1", _D
    ),
    RuleEntry(
        "D-35",
        "New portal terms apply from their announced date, and only once accepted",
        "Portal Art. 9.1, 9.2",
        _D,
    ),
    RuleEntry(
        "D-36", "Invoices are due on receipt unless a payment term is agreed", "Art. 5.1, 5.2", _D
    ),
    # D-37 reading [INT]: a forwarded Levy is to be paid on the day it is forwarded; a Levy the
    # Lessor pays and recharges is due that day; a later processing carries its own fee.
    RuleEntry("D-37", "A Levy passed on to the Customer is to be paid at once", "Art. 8.4", _D),
    RuleEntry(
        "D-38",
        "Tell the Lessor at once of suspected misuse of portal credentials",
        "Portal Art. 2.8",
        _D,
    ),
    # D-40 reading [INT]: recorded as provided while the contract has not ended; without it the
    # Lessor may suspend handover (GUARANTEE_MISSING). No fixed period, so no timer.
    # D-39 reading [INT]: due on the last day of the entitlement (D-16); the days after it up
    # to the return are the overrun of M-28. No timer: the charge comes with the return.
    RuleEntry(
        "D-39",
        "Hand the replacement car back when its period ends or the contract ends on a loss",
        "Art. 15.2, 15.3",
        _D,
    ),
    RuleEntry(
        "D-40",
        "Guarantees are provided before execution, as the Special Conditions require",
        "Art. 3.1, 4.5",
        _D,
    ),
)
