"""PX and MR: the exclusions of Protection (Art. 10.2) and of Maintenance & Repair (Art. 12.3).

A PX code makes a claim (or the affected part) fall outside Protection; the Lessor records
it with `refuse_protection_claim` (`ProtectionClaimDecided.exclusionCodes`). An MR code makes
maintenance or repair work the Customer's (`record_maintenance`). Titles are short summaries
of M-15's table and O-12's list; the Dutch Art. 10.2 and 12.3 are the full text.
"""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_X = Family.EXCLUSION

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "PX-01", "Intent or gross fault of the Customer, driver or related persons", "Art. 10.2", _X
    ),
    RuleEntry("PX-02", "Use or conduct in breach of the General Terms", "Art. 10.2", _X),
    RuleEntry("PX-03", "Country without green-card liability cover", "Art. 10.2", _X),
    RuleEntry("PX-04", "Non-original parts, accessories and loose electronics", "Art. 10.2", _X),
    RuleEntry(
        "PX-05",
        "Transported objects, loading, clothing, luggage, money, jewellery",
        "Art. 10.2",
        _X,
    ),
    RuleEntry("PX-06", "Load of flammable or explosive goods", "Art. 10.2", _X),
    RuleEntry(
        "PX-07",
        "Bodily injury and any loss other than material damage to the Vehicle",
        "Art. 10.2",
        _X,
    ),
    RuleEntry(
        "PX-08",
        "Theft with complicity, fraud or embezzlement; theft without break-in",
        "Art. 10.2",
        _X,
    ),
    RuleEntry("PX-09", "Art. 7.5 damage and consequential loss of the Customer", "Art. 10.2", _X),
    RuleEntry(
        "PX-10", "Otherwise compensated (insurer, Customer, third party, nuclear)", "Art. 10.2", _X
    ),
    RuleEntry("PX-11", "The part above the Invested Capital", "Art. 10.2", _X),
    RuleEntry("PX-12", "Missing or incorrect information from the Customer", "Art. 10.2", _X),
    RuleEntry("PX-13", "Missing legal equipment, wear, defects, poor maintenance", "Art. 10.2", _X),
    RuleEntry("PX-14", "Arising 2 weeks after the Art. 10.6 registered letter", "Art. 10.2", _X),
    RuleEntry("PX-15", "Misfuelling, keys locked in, interior damage, pets", "Art. 10.2", _X),
    RuleEntry("PX-16", "Headlights and fog lights", "Art. 10.2", _X),
    RuleEntry("PX-17", "Security systems not activated or precautions not taken", "Art. 10.2", _X),
    RuleEntry("PX-18", "Vehicle not roadworthy by law, or driver not authorised", "Art. 10.2", _X),
    RuleEntry(
        "PX-19", "Driver over the alcohol limit or under drugs or medicines", "Art. 10.2", _X
    ),
    RuleEntry("PX-20", "War or civil unrest, unless no causal link is proven", "Art. 10.2", _X),
    RuleEntry("PX-21", "Cables or wiring damaged by game or animals", "Art. 10.2", _X),
    RuleEntry("PX-22", "Terrorism", "Art. 10.2", _X),
    RuleEntry("PX-23", "Vehicle rented out or requisitioned", "Art. 10.2", _X),
    RuleEntry("PX-24", "Bets and challenges", "Art. 10.2", _X),
)

_MR = Family.MAINTENANCE_EXCLUSION

MR_ENTRIES: tuple[RuleEntry, ...] = tuple(
    RuleEntry(f"MR-{letter}", title, "Art. 12.3", _MR)
    for letter, title in (
        ("a", "Collision, accident, impact, theft, fire, riot, natural causes, glass"),
        ("b", "Repairs an insurance policy or Protection covers"),
        ("c", "Damage from missing, late or wrong maintenance or repair"),
        ("d", "Interior damage: burns, stains, tears, gear lever, steering wheel, pets"),
        ("e", "Cleaning, inside or out"),
        ("f", "Upgrades of electronic equipment"),
        ("g", "Fuel, oils and additives not prescribed (AdBlue top-ups are covered)"),
        ("h", "Negligence, fault, abnormal or forbidden use (misfuelling, keys, checks)"),
        ("i", "Non-original or non-approved parts and accessories; mishandled equipment"),
        ("j", "Tyres after a puncture, rims and hubcaps, unless agreed"),
        ("k", "Changes made mandatory after conclusion by laws, rules or insurers"),
        ("l", "Adaptations a change of law requires during the contract"),
        ("m", "Presenting the car for technical inspection"),
        ("n", "Supplements for work outside normal hours and days"),
        ("o", "Repairs outside a workshop the Lessor accepts"),
        ("p", "Repairs caused by the Customer's breach of contract"),
        ("q", "High-voltage battery repairs after its warranty"),
        ("r", "Paint, cosmetic work, lettering; fuel-system cleaning; immobilisation costs"),
        ("s", "Worn rubber seals; discoloured interior panels, seats, dashboard"),
        ("t", "Cables or wiring damaged by animals"),
    )
)
"""MR: the exclusions of Maintenance & Repair (Art. 12.3), lettered as O-12 gives them; the
Customer bears the cost of any of them (`record_maintenance` passes it on at cost)."""
