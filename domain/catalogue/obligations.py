"""O: operational obligations of the parties (RULES 3.5).

They move no state by themselves. Where the service can see an obligation being kept or
broken (a report made late, a cost passed on, a fact an operator records) the code cites the
O-rule; where it cannot, the entry is informational and says which fact the service would
need and how a breach still reaches Article 18: an operator records it as a fact
(`record_ground_fact`), mostly OBLIGATION_BREACHED, ground 18.3(vi), HUMAN.
"""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_O = Family.OBLIGATION

_BREACH_VI = (
    "a breach is recorded by an operator as fact OBLIGATION_BREACHED (ground 18.3(vi), HUMAN)"
)

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "O-01",
        "No sale, transfer, hire, sub-let or pledge of the car; an attempt is ground 18.3(ix)",
        "Art. 1.3, 6.1, 18.3(ix)",
        _O,
    ),
    RuleEntry(
        "O-02",
        "Changes to the car need written consent and are the customer's cost",
        "Art. 6.3, 10.4",
        _O,
    ),
    RuleEntry(
        "O-03",
        "Only licensed drivers; the customer binds its drivers and answers for them",
        "Art. 8.1",
        _O,
        informational=("the service does not know who drives or their licence; " + _BREACH_VI),
    ),
    RuleEntry(
        "O-04",
        "Forbidden uses: racing, paid lessons, dangerous goods, paid transport, and the like",
        "Art. 8.6",
        _O,
        informational=(
            "the service cannot see how the car is used; "
            + _BREACH_VI
            + ", or ILLEGAL_USE_OF_VEHICLE (18.3(xii)); a Protection refusal cites its PX code"
        ),
    ),
    RuleEntry(
        "O-05",
        "Servicing on schedule and prompt repairs at an approved Belgian workshop",
        "Art. 8.2",
        _O,
    ),
    RuleEntry(
        "O-06",
        "Keep tyre pressure and tread, check oil, brake fluid and coolant",
        "Art. 8.5",
        _O,
        informational=(
            "the service receives no inspection or workshop data on tyres and fluids; " + _BREACH_VI
        ),
    ),
    RuleEntry(
        "O-07",
        "Use-related taxes, inspections, charges and fines are the customer's",
        "Art. 8.3",
        _O,
    ),
    RuleEntry(
        "O-08",
        "Levies sent to the Lessor are passed on; the customer pays them at once",
        "Art. 8.4",
        _O,
    ),
    RuleEntry(
        "O-09",
        "Tell the landlord of rented premises, by handover, that the Lessor owns the car",
        "Art. 9.4",
        _O,
        informational=(
            "the service holds no data on where the car is kept or the customer's landlord; "
            + _BREACH_VI
        ),
    ),
    RuleEntry(
        "O-10",
        "Assert the Lessor's ownership to a claimant or seizer and tell the Lessor in 24 h",
        "Art. 9.3",
        _O,
    ),
    RuleEntry(
        "O-11",
        "The customer itself makes its notifications and claims to the insurers",
        "Art. 9.5, 11.6",
        _O,
        informational=(
            "dealings with the insurers happen outside the service; only the changes of D-24 "
            "and the damage reports of D-01 are reported to the Lessor; " + _BREACH_VI
        ),
    ),
    # O-12 reading [INT]: record_maintenance, with MAINTENANCE_REPAIR in the instalment;
    # covered work needs the approval number; an MR code (one per work) or the booklet not
    # shown passes the cost on at cost as an M-31 running cost. Telling the workshop that the
    # service is included is read as part of "booklet shown / contract mentioned".
    RuleEntry(
        "O-12",
        "Maintenance & Repair: approval number, say the service is included, MR exclusions",
        "Art. 12.1-12.3",
        _O,
    ),
    # O-13 reading [INT]: replace_tyres needs the approval number; beyond the Special
    # Conditions' limits the cost is passed on at cost. The return of both sets at the end is
    # left to the Return Report's missing items (M-24).
    RuleEntry(
        "O-13",
        "Included tyres: wear repairs within limits, same type, both sets returned",
        "Art. 13.1-13.3",
        _O,
    ),
    RuleEntry(
        "O-14",
        "With Roadside Assistance, call it first when the car is immobilised",
        "Art. 14.1, 14.2, 15.2",
        _O,
        informational=(
            "the service receives no breakdown calls; the assistance's own terms (Mobility "
            "Card brochure) govern; " + _BREACH_VI
        ),
    ),
    # O-15 reading [INT]: the return records whether it came back to the address of the
    # provision (no charge follows: the terms set none); its km are added to the Vehicle's
    # for the km settlement (M-11); the handover form's reference is kept on the provision.
    RuleEntry(
        "O-15",
        "Replacement car: back where it was given, its km count as the car's own",
        "Art. 15.3",
        _O,
    ),
    # O-16 reading [INT]: the PIN's secrecy is not observable; the card is issued, replaced,
    # returned or blocked by command, blocked when an early end stops the services (T-18.10),
    # and a contract with its card neither returned nor blocked does not close (L-28). The
    # terms give no period for the return, so there is no timer.
    RuleEntry(
        "O-16",
        "Fuel card PIN for the driver only; the customer answers for the card until returned",
        "Art. 7.9, 16.4, 16.5",
        _O,
    ),
    RuleEntry(
        "O-17",
        "The customer needs written consent to transfer the contract; the Lessor needs none",
        "Art. 17.1, 17.2",
        _O,
        informational=(
            "the service has no command to change the customer of a contract, so no transfer "
            "can be recorded without the Lessor; an attempt outside it: " + _BREACH_VI
        ),
    ),
    # O-18 reading: the service records the Lessor's certificate (`issue_eu_exit_certificate`,
    # a period not yet over and at least one country); it cannot see where the car goes, so a
    # trip without a certificate is a HUMAN breach recorded as ground 18.3(vi).
    RuleEntry(
        "O-18",
        "Leaving the EU or entering ports, stations or airports needs the Lessor's certificate",
        "Art. 22.4",
        _O,
    ),
    RuleEntry(
        "O-19",
        "On the Lessor's request, the odometer reading within 5 working days",
        "Art. 2.2",
        _O,
    ),
    RuleEntry(
        "O-20",
        "The Lessor answers neither for delivery nor for the car's defects; see the supplier",
        "Art. 4.4, 7.3",
        _O,
        informational=(
            "a disclaimer: no command lets a customer withhold instalments for non-conformity; "
            "the one exception, a founded refusal at handover, is L-08 (T-4.4)"
        ),
    ),
    RuleEntry(
        "O-21",
        "The customer answers for possession and use and indemnifies the Lessor on request",
        "Art. 7.2, 7.5, 7.6",
        _O,
        informational=(
            "claims against the Lessor and their indemnity are settled outside the service; "
            "costs it passes on are charged as running costs (M-31); " + _BREACH_VI
        ),
    ),
    RuleEntry(
        "O-22",
        "An insurer's refusal or a Protection exclusion leaves the customer fully liable",
        "Art. 7.7, 11.8",
        _O,
        informational=(
            "no behaviour of its own: what is not covered is charged by the money rules of the "
            "loss (M-17, M-18) and the return (M-24), whatever the insurer decided"
        ),
    ),
    RuleEntry(
        "O-23",
        "Derogations only in writing; amended terms after one month's notice and objection",
        "Art. 22.3",
        _O,
    ),
    RuleEntry(
        "O-24",
        "A right the Lessor has not used yet is not given up by the delay",
        "Art. 22.2",
        _O,
    ),
    RuleEntry(
        "O-25",
        "The customer reports new contact details; notices to the old ones stay valid",
        "Art. 20 E",
        _O,
        informational=(
            "the contract records no change of contact details yet (P-30); every notice goes "
            "to the details the service holds, which the terms make valid"
        ),
    ),
    RuleEntry(
        "O-26",
        "Complaint bodies (FOD Economie, Ombudsfin) are named for information only",
        "Art. 21",
        _O,
        informational="information for the customer; no part of the contract's lifecycle",
    ),
)
