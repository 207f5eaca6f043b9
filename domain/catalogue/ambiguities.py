"""A: points where the terms are unclear or silent, each with the reading the code follows."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_A = Family.AMBIGUITY

ENTRIES: tuple[RuleEntry, ...] = (
    RuleEntry(
        "A-01",
        "Elapsed months are completed months counted from the start date",
        "Art. 1.2, 10.8, 11.7, 18.5",
        _A,
    ),
    RuleEntry(
        "A-02",
        "The term's last day is the day before the final monthly anniversary",
        "Art. 18.1(i)",
        _A,
    ),
    RuleEntry(
        "A-03",
        "Remaining capital falls linearly on the original capital, not below 0",
        "Art. 1.2",
        _A,
    ),
    RuleEntry(
        "A-05",
        "Day, working-day and month counting; weekend and holiday roll-forward",
        "whole General Terms",
        _A,
    ),
    RuleEntry(
        "A-06",
        "Notice periods count from the dispatch date of the Lessor's letter",
        "Art. 4.6, 5.3, 10.7, 11.5, 18.x",
        _A,
    ),
    # A-07 reading: a registered SERVICE_ARREARS notice covers instalment invoices, so it
    # serves Art. 5.3 (M-07) and 18.3(ii) as an instalment notice does, besides 18.2(ii); an
    # unregistered one serves neither Art. 18 nor (for service arrears) Art. 5.3.
    RuleEntry(
        "A-07",
        "Payment notices always go by registered letter to serve every article",
        "Art. 5.3, 18.2, 18.3, 18.8",
        _A,
    ),
    RuleEntry("A-08", "Late interest is simple, actual/365, on principal only", "Art. 5.2", _A),
    RuleEntry(
        "A-09",
        "EUR 30 file cost only once the notice has lapsed unpaid; symmetric",
        "Art. 5.3, 5.4",
        _A,
    ),
    RuleEntry("A-10", "Collection indemnity is computed once per invoice", "Art. 5.3", _A),
    RuleEntry(
        "A-11", "Allocation buckets and oldest-first order within one contract", "Art. 5.5", _A
    ),
    RuleEntry(
        "A-12", "Two months of arrears measured as an amount, not an age", "Art. 18.3(ii)", _A
    ),
    RuleEntry(
        "A-13",
        "Service arrears: count late or unpaid invoices; need an unpaid rest",
        "Art. 18.2(ii)",
        _A,
    ),
    RuleEntry(
        "A-14",
        "Mileage compared pro rata; exactly 15% is below; shortfall credit optional",
        "Art. 2.2, 19.3",
        _A,
    ),
    RuleEntry(
        "A-15",
        "Km cap on the odometer, ends by law on the first reading at the cap",
        "Art. 2.2, 18.1(ii)",
        _A,
    ),
    RuleEntry(
        "A-16",
        "Pro rata by actual days; last invoice stops at the legal end date",
        "Art. 5.1, 19.2",
        _A,
    ),
    RuleEntry(
        "A-17", "Late-return daily rate and which kinds of end it applies to", "Art. 19.2", _A
    ),
    RuleEntry(
        "A-18",
        "Services stop at dissolution; lessor liability cover lasts to hand-in",
        "Art. 18.10, 11.4, 7.1",
        _A,
    ),
    RuleEntry(
        "A-19",
        "Suspension keeps billing and timers running and withholds services",
        "Art. 18.3 (last para.)",
        _A,
    ),
    RuleEntry(
        "A-20",
        "A valid month-13 notice is not a withdrawal ground",
        "Art. 18.3(xi), 18.6, 18.7",
        _A,
    ),
    RuleEntry(
        "A-21",
        "Early termination: policy rate, monthly equivalent, ends on return",
        "Art. 18.7",
        _A,
    ),
    RuleEntry(
        "A-22",
        "Dissolution indemnity dates, floor at zero, valuation and overlaps",
        "Art. 18.5",
        _A,
    ),
    RuleEntry(
        "A-23",
        "Retroactive end on theft or total loss credits later instalments",
        "Art. 18.1(iii)(iv)",
        _A,
    ),
    RuleEntry(
        "A-24",
        "GAP: insurer's payout stands in for the waiver without Protection; floor 0, not past 60",
        "Art. 11.7",
        _A,
    ),
    RuleEntry(
        "A-25",
        "Flat fee refund is proportional; vandalism and other animals pay it",
        "Art. 10.3",
        _A,
    ),
    RuleEntry(
        "A-26",
        "Advance refund pro rata of completed months, even on partial waiver",
        "Art. 10.8",
        _A,
    ),
    RuleEntry(
        "A-27",
        "Protection ended by letter: cover ends 2 weeks after dispatch",
        "Art. 10.2, 10.6",
        _A,
    ),
    RuleEntry(
        "A-28",
        "On death only termination costs are waived; km and damage are settled",
        "Art. 18.9",
        _A,
    ),
    RuleEntry(
        "A-29",
        "Dissolution against the Lessor: no fee or indemnity for the customer",
        "Art. 18.8",
        _A,
    ),
    # A-30 reading: the assessment is `HandoverRefusalAssessed{founded}` (L-08); on the founded
    # refusal's end by law the advance is credited in full (M-19's formula with no month
    # elapsed, no Protection condition: the contract never started) and every Guarantee held
    # under the contract is released, before closure ([INT] M-10 otherwise waits for it).
    RuleEntry(
        "A-30",
        "Founded refusal at handover: the Lessor's assessment is an event; advance refunded",
        "Art. 4.4",
        _A,
    ),
    RuleEntry(
        "A-31",
        "Fuel settled per calendar quarter, all actual costs against all provisions",
        "Art. 16.2, 16.3",
        _A,
    ),
    RuleEntry(
        "A-32",
        "Winter tyres: one free mount and one demount per 1 Nov - 31 Mar season",
        "Art. 13.1",
        _A,
    ),
    RuleEntry(
        "A-33",
        "Precedence: latest adjustment, Special Conditions, quote, General Terms",
        "Art. 1.1, 2.2, 22.3",
        _A,
    ),
    RuleEntry(
        "A-34",
        "Decimal money, each line rounded half away from zero to the cent",
        "whole General Terms",
        _A,
    ),
    RuleEntry(
        "A-36",
        "24-hour duties run from the event, or the later day the customer could know of it",
        "Art. 9.1; Portal Art. 2.2",
        _A,
    ),
    RuleEntry(
        "A-37",
        "Grounds are found per customer; dissolution names its contracts",
        "Art. 3.1, 4.5, 18.3(ii)(vi)",
        _A,
    ),
    RuleEntry(
        "A-39",
        "Portal access counts from the latest agreement end, or its later recording",
        "Portal Art. 4.1",
        _A,
    ),
    # A-40 reading: personal data stays out of event payloads (the contract contact, the IBAN);
    # events carry references (customer number, SEPA mandate id) instead.
    RuleEntry(
        "A-40",
        "Personal data is referenced, never copied into the immutable events",
        "Art. 20 C",
        _A,
    ),
    RuleEntry(
        "A-41", "Adjustments can shorten the term before the km cap, not after", "Art. 18.1(ii)", _A
    ),
    RuleEntry(
        "A-42",
        "Dissolution is a one-sided registered declaration, effective at once",
        "Art. 18.3, 6.1",
        _A,
    ),
    RuleEntry("A-43", "Due date is the invoice date plus the agreed payment term", "Art. 5.1", _A),
    RuleEntry(
        "A-44", "Amounts, rates and grounds are configurable; legal review blocks auto", "—", _A
    ),
    # A-50 reading: Protection ends by itself with the contract (D-31, T-18.10); a Lessor's
    # CONTRACT_ENDED letter is still accepted (L-32) and ends cover 14 days after it.
    RuleEntry(
        "A-50",
        "Protection ends with the contract without a letter; the letter serves other grounds",
        "Art. 10.6, 11.4, 18.10",
        _A,
    ),
)
