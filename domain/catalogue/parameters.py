"""P: contract parameters from the Special Conditions, fixed constants, and formation checks."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_P = Family.PARAMETER

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "P-01",
        "Contract number, customer number and customer ID identify the deal",
        "Art. 1.1; Portal Art. 2.4",
        _P,
    ),
    # P-03 reading [INT]: optional references (contracts formed before they were recorded have
    # none); the signature instant, when given, must carry its UTC offset.
    RuleEntry(
        "P-03",
        "The signed Special Conditions and quote, and when they were signed",
        "Art. 1.1, 4.1",
        _P,
    ),
    RuleEntry(
        "P-02",
        "Version of the General Terms the contract follows; amendments per D-29",
        "Art. 1.1, 22.3",
        _P,
    ),
    RuleEntry(
        "P-04",
        "Brand, BMW or MINI, which names the Protection service",
        "Art. 10",
        _P,
    ),
    RuleEntry(
        "P-05",
        "Ordered vehicle specification; anything not listed counts as non-original",
        "Art. 4.1, 4.2, 6.3",
        _P,
    ),
    RuleEntry("P-06", "The supplier (dealer) of the vehicle", "Art. 4.1, 4.4, 7.3", _P),
    RuleEntry("P-07", "Fuel type of the vehicle, which selects its km cap", "Art. 2.2", _P),
    RuleEntry(
        "P-08",
        "Term in months; may be adjusted, and its expiry ends the contract",
        "Art. 2.1, 18.1(i)",
        _P,
    ),
    RuleEntry(
        "P-09", "Agreed yearly mileage; with the term it gives the contract km", "Art. 2.1, 2.2", _P
    ),
    RuleEntry(
        "P-10", "Price per km used to settle mileage above the contract km", "Art. 2.2, 19.3", _P
    ),
    RuleEntry(
        "P-11",
        "Optional price and cap for crediting km driven below the contract km",
        "Art. 2.2, 19.3",
        _P,
    ),
    RuleEntry("P-12", "Instalment amount per billing period", "Art. 5.1", _P),
    RuleEntry("P-13", "Split of the instalment per included service", "Art. 10.4, 18.2(ii)", _P),
    RuleEntry(
        "P-14",
        "How often instalments are invoiced in advance; any term, a short last period (M-04)",
        "Art. 5.1",
        _P,
    ),
    RuleEntry("P-15", "Billing periods follow calendar months by default", "Art. 5.1", _P),
    RuleEntry(
        "P-16", "Payment term of invoices in days; zero means due on receipt", "Art. 5.1", _P
    ),
    # P-17 reading [INT]: the contract keeps the mandate reference; the IBAN is checked at
    # intake (ISO 13616 mod 97, lengths of BE, NL, LU, FR, DE) and, personal data, kept
    # with the mandate, never in an event. Both optional for contracts formed before.
    RuleEntry(
        "P-17",
        "SEPA direct-debit mandate and IBAN everything is collected from",
        "Art. 5.1, 8.4",
        _P,
    ),
    RuleEntry("P-18", "Invested capital stated in the Special Conditions", "Art. 1.2", _P),
    RuleEntry(
        "P-19",
        "Purchase price and registration items that make up the GAP insured value",
        "Art. 11.7",
        _P,
    ),
    RuleEntry(
        "P-20",
        "Name the vehicle is registered in (the Lessor unless agreed otherwise)",
        "Art. 6.2",
        _P,
    ),
    RuleEntry(
        "P-21",
        "Registration costs, plates and BIV included in the instalments (default yes)",
        "Art. 6.2",
        _P,
    ),
    # P-22 reading [INT]: the Guarantees are recorded as the Customer provides them
    # (GuaranteeProvided: type, amount, provider), not as a list of the contract terms.
    RuleEntry(
        "P-22",
        "Guarantees the Special Conditions require: deposit, surety or other, with amount",
        "Art. 3, 4.5",
        _P,
    ),
    RuleEntry("P-23", "Advance payment made under the Special Conditions", "Art. 10.8", _P),
    RuleEntry(
        "P-24",
        "Protection option: included or not, flat fee, required security systems",
        "Art. 10.1, 10.3, 10.4",
        _P,
    ),
    RuleEntry(
        "P-25",
        "Who insures: the customer, or the Lessor's liability cover with Protection",
        "Art. 11.1-11.4",
        _P,
    ),
    RuleEntry(
        "P-26", "Insurer's waiting days for a stolen vehicle, at most 30", "Art. 18.1(iii)", _P
    ),
    RuleEntry("P-27", "Whether GAP insurance is part of the contract", "Art. 11.7", _P),
    # P-28 reading [INT]: Fuel Management is the presence of P-29's inputs in the terms; the
    # services paid through the instalment are P-13's components.
    RuleEntry(
        "P-28",
        "The ancillary services chosen: maintenance, tyres, mobility, replacement car, fuel",
        "Art. 12-16",
        _P,
    ),
    # P-29 reading [INT]: a `fuel_provision` object in the terms is the Fuel Management of P-28
    # and holds the provision's inputs (km a month, DIN use per 100 km, price per litre or kWh
    # card cost and management fee a month, the last two 0 unless given).
    RuleEntry(
        "P-29",
        "Fuel provision inputs: monthly km, DIN use, fuel price, card and management costs",
        "Art. 16.3",
        _P,
    ),
    RuleEntry(
        "P-30",
        "Customer contact details used for notices and portal codes",
        "Art. 18.9, 20 E; Portal Art. 2.4",
        _P,
    ),
    RuleEntry(
        "P-31", "Km cap per fuel type (140,000 for electric, 200,000 otherwise)", "Art. 2.2", _P
    ),
    RuleEntry("P-32", "Mileage deviation threshold of 15% on a yearly basis", "Art. 2.2", _P),
    RuleEntry(
        "P-33",
        "Remaining capital drops by 1% of invested capital per month elapsed",
        "Art. 1.2",
        _P,
    ),
    RuleEntry("P-34", "Late-payment interest rate of 0.2% a month", "Art. 5.2", _P),
    RuleEntry("P-35", "Collection indemnity tiers: 10% up to EUR 500, 2.5% above", "Art. 5.3", _P),
    RuleEntry("P-36", "EUR 30 file cost for each registered letter", "Art. 5.3", _P),
    RuleEntry(
        "P-38",
        "Levy processing fee at least EUR 15 the first time, EUR 50 each later time",
        "Art. 8.4",
        _P,
    ),
    RuleEntry(
        "P-37",
        "Eight-day cure period after a formal notice",
        "Art. 5.3, 5.4, 18.2(ii), 18.3(ii)(iii), 18.8(i)(iii)(iv)",
        _P,
    ),
    RuleEntry(
        "P-39", "Reinvestment indemnity rate: a tenth of the remaining capital", "Art. 18.5(b)", _P
    ),
    RuleEntry(
        "P-40",
        "Fifteen days both to pay the dissolution indemnity and to sell the car",
        "Art. 18.5",
        _P,
    ),
    RuleEntry("P-41", "No customer termination in the first 12 months", "Art. 18.6, 18.7", _P),
    RuleEntry(
        "P-42",
        "Early termination fee rate, capped at half of the remaining instalments",
        "Art. 18.7",
        _P,
    ),
    RuleEntry("P-43", "EUR 50 a day flat compensation for late return", "Art. 19.2", _P),
    RuleEntry("P-44", "The fuel provision counts the DIN consumption plus 10%", "Art. 16.3", _P),
    RuleEntry(
        "P-45",
        "GAP base: full insured value to month 24, then 1% less per month, none after 60",
        "Art. 11.7",
        _P,
    ),
    RuleEntry("P-46", "Theft recovery wait never exceeds 30 days", "Art. 18.1(iii), 15.2", _P),
    RuleEntry(
        "P-47",
        "Reporting windows of the customer's duties (24 h up to 6 months)",
        "Art. 9, 2.2, 8.2, 11.3, 10.7, 10.5, 10.6, 11.5, 4.6",
        _P,
    ),
    RuleEntry(
        "P-48",
        "Portal access lasts 18 months after the customer's last contract ends",
        "Portal Art. 4.1",
        _P,
    ),
    RuleEntry(
        "P-49", "A contract cannot be formed without its core parameters", "Art. 1.2, 2.1, 5.1", _P
    ),
    RuleEntry(
        "P-50", "Contract km over the term may not exceed the fuel type's km cap", "Art. 2.2", _P
    ),
    RuleEntry(
        "P-51",
        "Options need their data: flat fee with Protection, price data with GAP",
        "Art. 10.3, 11.7, 10.8",
        _P,
    ),
    RuleEntry("P-52", "Lessor-provided liability insurance requires Protection", "Art. 11.4", _P),
    RuleEntry(
        "P-53",
        "Registration in the Lessor's name brings the levy process; never abroad",
        "Art. 8.4, 6.2",
        _P,
    ),
)
