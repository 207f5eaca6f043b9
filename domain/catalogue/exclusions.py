"""PX: the exclusions of Protection (Art. 10.2), by the codes M-15 gives them.

Any of them makes a claim (or the affected part) fall outside Protection; the Lessor records
it with `refuse_protection_claim` (`ProtectionClaimDecided.exclusionCodes`). Titles are short
summaries of M-15's table; the Dutch Art. 10.2 is the full text.
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
