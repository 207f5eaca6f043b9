"""PT: rules of the self-service portal (its own terms of use)."""

from __future__ import annotations

from domain.catalogue import Family, RuleEntry

_PT = Family.PORTAL

ENTRIES: tuple[RuleEntry, ...] = tuple(
    RuleEntry(rule_id, title, article, _PT)
    for rule_id, title, article in (
        (
            "PT-01",
            "Only customers with a lease or financing agreement may register",
            "Portal Art. 1.1",
        ),
        (
            "PT-02",
            "The portal costs nothing; the customer pays their own connection",
            "Portal Art. 2.1, 6.1",
        ),
        (
            "PT-03",
            "Access starts at completed registration, ends 18 months after the last agreement",
            "Portal Art. 4.1",
        ),
        (
            "PT-04",
            "Registration runs in seven steps, each only after the one before",
            "Portal Art. 2.4, 2.6, 1.4, 1.5",
        ),
        (
            "PT-05",
            "Unknown number or missing code: show how to reach the Lessor",
            "Portal Art. 2.5",
        ),
        ("PT-06", "Via a Connected app, that app's own login comes first", "Portal Art. 2.3"),
        (
            "PT-07",
            "Show the customer how to keep their device and password safe",
            "Portal Art. 2.7",
        ),
        (
            "PT-08",
            "Every action from the account binds the customer and is audited",
            "Portal Art. 2.8",
        ),
        ("PT-09", "Suspected credential leak: report path, then forced reset", "Portal Art. 2.8"),
        ("PT-10", "Each terms version is e-mailed and can be downloaded", "Portal Art. 1.3"),
        (
            "PT-11",
            "Terms accepted by a click, with version, time and channel kept",
            "Portal Art. 1.4, 1.5",
        ),
        ("PT-12", "New terms versions are published and announced by e-mail", "Portal Art. 9.1"),
        (
            "PT-13",
            "Changed terms: accept before further use, rejecting ends access",
            "Portal Art. 9.2",
        ),
        (
            "PT-14",
            "Know which terms version each customer accepted, and when",
            "Portal Art. 1.4, 9.1-9.2",
        ),
        (
            "PT-15",
            "Portal shows the customer's documents and offers secure messaging",
            "Portal Art. 2.2, 8.10",
        ),
        (
            "PT-16",
            "A secure portal message counts as a written report to the Lessor",
            "Art. 9.1; Portal Art. 2.2",
        ),
        (
            "PT-17",
            "Stored communications and documents are kept unchanged, by hash",
            "Portal Art. 10.4",
        ),
        ("PT-18", "Pages may be viewed and printed for personal use only", "Portal Art. 7.1, 7.2"),
        ("PT-19", "What the customer posts is licensed to the Lessor", "Portal Art. 7.3, 7.4"),
        ("PT-20", "Misuse of the portal allows proportionate measures", "Portal Art. 6.2-6.6"),
        (
            "PT-21",
            "No availability promise; maintenance announced when possible",
            "Portal Art. 5.1",
        ),
        (
            "PT-22",
            "The customer is recorded as consumer or business user",
            "Portal Art. 8.5, 8.6, 10.1, 10.2",
        ),
        (
            "PT-23",
            "Using the portal means consenting to the privacy and cookie policies",
            "Portal Art. 3.1",
        ),
        (
            "PT-24",
            "Transfer of the portal terms needs advance notice and consent",
            "Portal Art. 10.5",
        ),
        (
            "PT-25",
            "The Lessor's liability limits are shown, not enforced",
            "Portal Art. 5.1, 8.1-8.12",
        ),
    )
)
