"""T: Article 18 (ends by law, service stops, dissolution, suspension, termination) and the
related cross-references from Articles 4.4 and 4.6."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_T = Family.ARTICLE_18

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "T-4.4",
        "Founded refusal for serious non-conformity ends the contract by law",
        "Art. 4.4, 4.6",
        _T,
    ),
    # T-4.5 reading [INT]: an open 18.3 ground of a contract not yet delivered is accepted as
    # the ground of a handover suspension (L-05), besides the five grounds Art. 4.5 names.
    RuleEntry(
        "T-4.5", "The facts of an 18.3 ground also allow suspending the handover", "Art. 4.5", _T
    ),
    RuleEntry(
        "T-4.6", "Refusing the car, or equivalents, leads to the 18.3(i) ground", "Art. 4.6", _T
    ),
    RuleEntry(
        "T-6.1", "A breach of the reporting duties is a ground under 18.3 (viii)", "Art. 6.1", _T
    ),
    # T-10.6 reading [INT]: every letter ending Protection starts the own-insurance timer
    # (D-18) due on the day its cover ends; unmet, it is ground 18.3(x) like a lapse (D-17).
    RuleEntry(
        "T-10.6",
        "Protection ended and no own insurance within two weeks: ground 18.3(x)",
        "Art. 10.6, 18.3(x)",
        _T,
    ),
    RuleEntry(
        "T-18.1-i",
        "Contract ends by law when the agreed term runs out",
        "Art. 18.1(i), 19, 5.1",
        _T,
    ),
    RuleEntry(
        "T-18.1-ii",
        "Contract ends by law on a reading at or above the km cap",
        "Art. 2.2, 18.1(ii)",
        _T,
    ),
    RuleEntry(
        "T-18.1-iii",
        "Stolen car not recovered in time: end by law as of the theft date",
        "Art. 18.1(iii), 15.2, 7.8(ii), 11.1, 10.8, 11.7",
        _T,
    ),
    RuleEntry(
        "T-18.1-iv",
        "Total loss declared: end by law as of the accident date",
        "Art. 18.1(iv), 10.1, 10.3",
        _T,
    ),
    # T-18.2-i reading [INT]: "by the Lessor and the Customer" is a right of each party, not a
    # joint act; the two HUMAN facts (supplier ceased, search for another failed) come first.
    # Only the services of Art. 12-16 (P-13 components and Fuel Management).
    RuleEntry(
        "T-18.2-i",
        "A service whose supplier stopped and was not replaced may be stopped by either party",
        "Art. 18.2(i)",
        _T,
    ),
    RuleEntry(
        "T-18.2-ii",
        "Lessor may stop a service whose share of two instalments went unpaid",
        "Art. 18.2(ii)",
        _T,
    ),
    RuleEntry(
        "T-18.3-i",
        "Ground: the customer refused or failed to take the car",
        "Art. 4.6, 18.3(i)",
        _T,
    ),
    RuleEntry(
        "T-18.3-ii",
        "Ground: two months of arrears on any contract, unpaid after notice",
        "Art. 18.3(ii)",
        _T,
    ),
    RuleEntry(
        "T-18.3-iii",
        "Ground: any other amount unpaid eight days after a registered notice",
        "Art. 18.3(iii)",
        _T,
    ),
    RuleEntry(
        "T-18.3-v",
        "Ground: the car is seized against the customer, or third parties claim it",
        "Art. 18.3(v), 9.3",
        _T,
    ),
    RuleEntry(
        "T-18.3-vii",
        "Ground: a security for the customer's debts is lost or ended",
        "Art. 18.3(vii), 3.1",
        _T,
    ),
    RuleEntry(
        "T-18.3-viii",
        "Ground: plainly wrong statements or a missed reporting duty",
        "Art. 18.3(viii), 6.1, 9",
        _T,
    ),
    RuleEntry(
        "T-18.3-x",
        "Ground: required insurance missing or lapsed without replacement",
        "Art. 18.3(x), 11.5, 10.6",
        _T,
    ),
    RuleEntry(
        "T-18.3-xi",
        "Ground: the customer shows they will not continue the contract",
        "Art. 18.3(xi), 18.6, 18.7",
        _T,
    ),
    # T-18.3-iv .. T-18.3-xiii readings (domain/contract/ground_facts.py): Art. 18.3 gives
    # these grounds no formal notice and no cure period, so none is required; each stands on
    # a recorded fact with its date (not after the recording day), at least one evidence
    # reference and a description; record_ground on them is refused until the fact exists.
    # (iv): the application for collective debt settlement suffices (the text says
    # "aanvraagt", not its admission); an attachment is any attachment against the Customer.
    # It stays under legal review (K-08, A-44): no policy acts on it, a person may.
    RuleEntry(
        "T-18.3-iv",
        "Ground: debt settlement applied for, or an attachment levied (legal review)",
        "Art. 18.3(iv)",
        _T,
    ),
    # (vi): the breach names the article of the obligation; it may be under another
    # contract of the Customer with the Lessor. No notice is required: the terms are
    # silent, so none is invented.
    RuleEntry(
        "T-18.3-vi",
        "Ground: an obligation of this or another contract with the Lessor not met",
        "Art. 18.3(vi)",
        _T,
    ),
    # (ix): by the Customer or the person the Vehicle was entrusted to; the Dutch text names
    # the attempt for alienation only ("vervreemdt of poogt te vervreemden, in pand of in
    # onderhuur geeft"): an attempted pledge or sub-let is not this ground (maybe (vi)).
    RuleEntry(
        "T-18.3-ix",
        "Ground: the car sold or an attempt to, pledged or sub-let",
        "Art. 18.3(ix), 1.3, 6.1",
        _T,
    ),
    # (xii): the illegal use is of one of the five things the text names (Vehicle, on-board
    # documents, plates, Mobility Card Extension, Fuel Card); (xiii): wilful damage (done or
    # had done), or a part in a theft or attempted theft.
    RuleEntry(
        "T-18.3-xii",
        "Ground: illegal use of the car, its papers, plates or cards",
        "Art. 18.3(xii)",
        _T,
    ),
    RuleEntry(
        "T-18.3-xiii",
        "Ground: the car damaged on purpose, or a part in its theft",
        "Art. 18.3(xiii)",
        _T,
    ),
    RuleEntry(
        "T-18.3-xiv",
        "Ground: trust in the customer broken beyond continuing (human only)",
        "Art. 18.3(xiv)",
        _T,
    ),
    RuleEntry(
        "T-18.3-S",
        "Lessor may suspend instead of dissolving on any 18.3 ground",
        "Art. 18.3 (last para.), 18.4",
        _T,
    ),
    RuleEntry(
        "T-18.4",
        "Lessor may take the car back after suspension, dissolution or end",
        "Art. 18.4",
        _T,
    ),
    RuleEntry(
        "T-18.5",
        "Every dissolution against the customer triggers the indemnity",
        "Art. 18.5, 3.4",
        _T,
    ),
    RuleEntry("T-18.6", "No termination by the customer in the first 12 months", "Art. 18.6", _T),
    RuleEntry(
        "T-18.7",
        "Customer may end early from month 13, paying a fee, returning the car",
        "Art. 18.7, 19",
        _T,
    ),
    # T-18.8-i..v readings (domain/contract/lessor_grounds.py): the Customer dissolves only
    # on an established ground. (i), (iii), (iv): a *registered* formal notice to the Lessor
    # for that ground (an unregistered one is recorded but does not count, G-38/A-07) whose
    # 8-day cure period (D-12) ran out, the right arising on day 9, without a payment or
    # remedy recorded by its last day; a payment or remedy after that day is recorded but does
    # not take back the right the terms gave (they name only the 8 days). A notice for (i)
    # names the unpaid amount (the catalogue's `LessorDefaultNoticeSent{amount}`); the
    # Lessor's payment is recorded as the notice's remedy, not matched from refunds paid.
    # (ii)..(v) rest on a HUMAN fact recorded with at least one evidence reference (RULES
    # 0.4): insolvency, seizure or creditors' claims, serious failure, trust broken; (iii)
    # and (iv) need both the fact and the notice (the catalogue's trigger column), (ii) and
    # (v) the fact alone, with no notice or waiting period (the terms give none).
    RuleEntry(
        "T-18.8-i",
        "Customer may dissolve: the Lessor left an amount unpaid 8 days after notice",
        "Art. 18.8(i), 5.4",
        _T,
    ),
    RuleEntry(
        "T-18.8-iii",
        "Customer may dissolve: the Lessor's creditors disturb the use, not remedied",
        "Art. 18.8(iii)",
        _T,
    ),
    RuleEntry(
        "T-18.8-iv",
        "Customer may dissolve: serious failure by the Lessor, not remedied in 8 days",
        "Art. 18.8(iv)",
        _T,
    ),
    RuleEntry(
        "T-18.8-v",
        "Customer may dissolve: trust in the Lessor broken beyond continuing",
        "Art. 18.8(v)",
        _T,
    ),
    RuleEntry(
        "T-18.8-ii",
        "Customer may dissolve if the Lessor stops paying or goes bankrupt",
        "Art. 18.8(ii)",
        _T,
    ),
    RuleEntry(
        "T-18.9", "On the customer's death, heirs or Lessor may end the contract", "Art. 18.9", _T
    ),
    RuleEntry(
        "T-18.10",
        "Dissolution or early end stops every linked service automatically",
        "Art. 18.10",
        _T,
    ),
)
