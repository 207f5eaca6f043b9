"""L: transitions of the contract's state machine, its sub-machines and its invariants."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_L = Family.LIFECYCLE

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "L-01",
        "Contract is concluded on signature once its parameters are valid",
        "Art. 1.1, 4.1",
        _L,
    ),
    RuleEntry(
        "L-02", "Lessor orders the vehicle; may wait for missing guarantees", "Art. 4.1, 3.1", _L
    ),
    RuleEntry(
        "L-03",
        "Specification changes before delivery need both consents and new terms",
        "Art. 4.2",
        _L,
    ),
    RuleEntry(
        "L-04",
        "Ready notice after delivery to the Lessor starts the handover timers",
        "Art. 4.3, 4.6",
        _L,
    ),
    RuleEntry("L-05", "Lessor may suspend handover on the listed grounds", "Art. 4.5", _L),
    RuleEntry("L-06", "Handover suspension is lifted once its ground is cured", "Art. 4.5", _L),
    RuleEntry(
        "L-07",
        "Handover with accepted insurance proof fixes the start date",
        "Art. 4.3, 4.7, 11.1, 11.3, 11.4",
        _L,
    ),
    RuleEntry(
        "L-08",
        "A founded refusal for serious non-conformity ends the contract by law",
        "Art. 4.4",
        _L,
    ),
    RuleEntry(
        "L-09",
        "Unfounded refusal or missed collection/proof deadline is a 18.3(i) ground",
        "Art. 4.6, 18.3(i)",
        _L,
    ),
    RuleEntry(
        "L-10",
        "Lessor dissolves on an established 18.3 ground whose cure time has run",
        "Art. 18.3, 18.4, 18.5, 18.10, 19.1",
        _L,
    ),
    RuleEntry(
        "L-11",
        "Lessor may suspend an active contract instead of dissolving it",
        "Art. 18.3 (last para.), 18.4",
        _L,
    ),
    RuleEntry(
        "L-12",
        "A suspension is lifted when the ground is cured or waived",
        "Art. 18.3 (last para.)",
        _L,
    ),
    RuleEntry(
        "L-13", "A suspended contract can still be dissolved later", "Art. 18.3 (last para.)", _L
    ),
    RuleEntry(
        "L-14",
        "Theft report puts the contract in theft-pending with a recovery deadline",
        "Art. 9.1, 9.2, 15.2, 18.1(iii)",
        _L,
    ),
    RuleEntry(
        "L-15",
        "Recovery in time returns a stolen contract to its previous state",
        "Art. 18.1(iii), 15.2",
        _L,
    ),
    RuleEntry(
        "L-16",
        "No recovery by the deadline ends the contract as of the theft date",
        "Art. 18.1(iii), 15.2, 11.1, 10.8, 11.7",
        _L,
    ),
    RuleEntry(
        "L-17",
        "A declared total loss ends the contract as of the accident date",
        "Art. 18.1(iv), 10.1",
        _L,
    ),
    RuleEntry(
        "L-18",
        "Term expiry ends the contract by law and makes the return due",
        "Art. 18.1(i), 19.1",
        _L,
    ),
    RuleEntry(
        "L-19", "A reading at or over the km cap ends the contract by law", "Art. 2.2, 18.1(ii)", _L
    ),
    RuleEntry(
        "L-20",
        "Customer requests early termination; the engine then decides",
        "Art. 18.6, 18.7",
        _L,
    ),
    RuleEntry(
        "L-21",
        "Early termination is accepted from month 13 when no ground is open",
        "Art. 18.6, 18.7",
        _L,
    ),
    RuleEntry(
        "L-22",
        "Early termination is rejected in the lock period or with an open ground",
        "Art. 18.6, 18.7, 18.3(xi)",
        _L,
    ),
    RuleEntry(
        "L-23",
        "Return inspection completes a pending early termination",
        "Art. 18.7, 5.1, 18.10",
        _L,
    ),
    RuleEntry(
        "L-24",
        "After a recorded death, heirs or Lessor may end the contract at no cost",
        "Art. 18.9",
        _L,
    ),
    RuleEntry(
        "L-25",
        "Customer dissolves against the Lessor on an established 18.8 ground",
        "Art. 18.8, 18.10",
        _L,
    ),
    RuleEntry(
        "L-26",
        "Return or repossession plus inspection moves an ended contract to returned",
        "Art. 19.1-19.3, 18.4",
        _L,
    ),
    RuleEntry(
        "L-27",
        "Final settlement starts once returned, or when there is nothing to return",
        "Art. 5.1, 3.4, 16.3",
        _L,
    ),
    RuleEntry(
        "L-28",
        "Contract closes only when both balances are zero and items are resolved",
        "Art. 3.1, 16.5, 18.5, 20 C",
        _L,
    ),
    RuleEntry(
        "L-29",
        "A pre-delivery wish not to go ahead is recorded as a 18.3(xi) ground",
        "Art. 18.3(xi)",
        _L,
    ),
    RuleEntry(
        "L-30",
        "A contract adjustment changes term, mileage or instalment from a date",
        "Art. 2.2, 10.4",
        _L,
    ),
    RuleEntry(
        "L-31",
        "Own-insurance status: proof, valid, grace after a lapse, lapsed",
        "Art. 11.1-11.5, 18.3(x)",
        _L,
    ),
    # L-32 reading: TERMINATION_NOTIFIED is `protection_ends_on` set by a letter
    # (`notify_protection_termination`, D-20 or D-19) or a Protection lapse notice (D-18); ENDED is
    # that day reached. A Damage Event from then on gets no claim (no fee, no waiver).
    RuleEntry(
        "L-32",
        "Protection status: active, termination notified by letter, ended",
        "Art. 10, 11.4, 18.10",
        _L,
    ),
    # L-33 reading: one status per service of Art. 12-16 (and the linked Protection and
    # insurance for T-18.10), kept as `stopped_services`; a stop is final. [INT] At the
    # contract's ordinary end (expiry, km cap) no stop event is recorded: the service is read
    # as STOPPED from the ended contract. Removing the service's share of the instalment stays
    # a separate Contract Adjustment (Art. 2.2(iii)). Only the new 18.2(i) stop cites L-33 in
    # its event: the 18.2(ii), 18.10 and 16.5 stops keep their rule IDs (pinned scenarios).
    RuleEntry(
        "L-33",
        "Ancillary service status: active until stopped on 18.2(i)/(ii), 18.10, the end or 16.5",
        "Art. 12-16, 16.5, 18.2, 18.10",
        _L,
    ),
    RuleEntry(
        "L-34", "Dunning status of a receivable from open to overdue, notice and paid", "Art. 5", _L
    ),
    # L-35 reading [INT]: EXPERT_DECIDED only after a contest in time (D-21), once per claim;
    # it replaces the decision's money (fee withdrawn and the expert's fee charged, or the
    # M-17 refusal; a refusal overturned credits its M-17 charge back, or on a theft or total
    # loss restores the M-18 waiver and the M-19 refund); "at joint cost" is half each, the
    # Customer's half of the expert's costs charged on an EXPERT_COSTS debit note.
    RuleEntry("L-35", "Damage claim status from report to settlement", "Art. 9, 10", _L),
    # L-36 reading [INT]: kept per immobilisation (V001...) and per replacement (RV001...);
    # one replacement per immobilisation, provided by the Lessor from the D-16 start.
    RuleEntry(
        "L-36",
        "Replacement car status from entitlement to provided and returned",
        "Art. 15",
        _L,
    ),
    RuleEntry(
        "L-37",
        "No instalment for days before the start or after the effective end",
        "Art. 5.1, 18.9",
        _L,
    ),
    RuleEntry("L-38", "Remaining capital never rises and never goes below zero", "Art. 1.2", _L),
    RuleEntry("L-39", "One effective end date; replacing it takes a supersession event", "—", _L),
    RuleEntry(
        "L-40",
        "Accepted early termination only from the first anniversary of the start",
        "Art. 18.6",
        _L,
    ),
    RuleEntry(
        "L-41",
        "A dissolution must cite a ground whose cure period is over, and who decided",
        "Art. 18.3",
        _L,
    ),
    # L-42 reading: applied by the event catalogue (`registry.event_types`), which refuses an
    # event type that would pass the vehicle to the customer; the closure returns it.
    RuleEntry(
        "L-42",
        "The vehicle never passes to the customer; there is no buy-out",
        "Art. 1.4, 6.4",
        _L,
    ),
    RuleEntry(
        "L-43",
        "Customer bears the vehicle's risk from start date to signed return report",
        "Art. 7.1",
        _L,
    ),
)
