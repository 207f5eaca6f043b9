"""Value types of the contract: enums named as in RULES.md, and Km."""

from __future__ import annotations

from enum import Enum, EnumMeta


class TaggedEnumMeta(EnumMeta):
    """The metaclass of the domain's enums: `EnumMeta` itself, under a name of its own.

    orjson writes a member of an enum whose metaclass is exactly `EnumMeta` as its bare value;
    a member of any other enum goes to the `default` it is given, as every value of a type it
    does not know does. The contracts' transcoder (domain/transcoder.py) writes with orjson,
    and its `default` writes each member as the library does: tagged with its enum's name, or
    refused if the enum is not registered. tests/unit/test_transcoder.py checks that orjson
    still treats them so."""


class DomainEnum(Enum, metaclass=TaggedEnumMeta):
    """The base of the contract's enums (no members of its own)."""


class FuelType(DomainEnum):
    """P-07: sets the km cap (P-31). Art. 2.2 lists the first four; the others are the
    types a lessor is asked to lease outside that list (A-15, domain/km_cap.py)."""

    PETROL = "PETROL"
    DIESEL = "DIESEL"
    PHEV = "PHEV"
    BEV = "BEV"
    MILD_HYBRID = "MILD_HYBRID"
    """A petrol or diesel engine with a 48 V assist that is not charged from the grid."""
    FULL_HYBRID = "FULL_HYBRID"
    """A petrol or diesel engine with a traction battery that is not charged from the grid."""
    HYDROGEN = "HYDROGEN"
    LPG = "LPG"
    CNG = "CNG"


class KmCapEndMode(DomainEnum):
    """A-15(b), Lessor policy: how reaching the km cap ends the contract."""

    BY_LAW = "BY_LAW"
    """Art. 18.1(ii): it ends by itself on the first reading at the cap."""
    LESSOR_DECISION = "LESSOR_DECISION"
    """Art. 2.2 "may be dissolved": the cap reached is put to the Lessor, who ends it."""


class Frequency(DomainEnum):
    """P-14: instalments are invoiced in advance at this frequency."""

    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    SEMI_ANNUAL = "SEMI_ANNUAL"
    ANNUAL = "ANNUAL"

    @property
    def months(self) -> int:
        return {"MONTHLY": 1, "QUARTERLY": 3, "SEMI_ANNUAL": 6, "ANNUAL": 12}[self.value]

    @property
    def periods_per_year(self) -> int:
        return 12 // self.months


class InsuranceMode(DomainEnum):
    """P-25."""

    CUSTOMER_OWN = "CUSTOMER_OWN"
    LESSOR_MTPL_WITH_PROTECTION = "LESSOR_MTPL_WITH_PROTECTION"


class ContractStatus(DomainEnum):
    """RULES 3.1 states."""

    CONCLUDED = "CONCLUDED"
    ORDERED = "ORDERED"
    READY_FOR_HANDOVER = "READY_FOR_HANDOVER"
    HANDOVER_SUSPENDED = "HANDOVER_SUSPENDED"
    ACTIVE = "ACTIVE"
    THEFT_PENDING = "THEFT_PENDING"
    SUSPENDED = "SUSPENDED"
    EARLY_TERMINATION_PENDING = "EARLY_TERMINATION_PENDING"
    ENDED_AWAITING_RETURN = "ENDED_AWAITING_RETURN"
    RETURNED = "RETURNED"
    IN_SETTLEMENT = "IN_SETTLEMENT"
    CLOSED = "CLOSED"


class EndKind(DomainEnum):
    """RULES 3.1 `endKind`: how the contract ended."""

    TERM_EXPIRED = "TERM_EXPIRED"
    KM_CAP = "KM_CAP"
    THEFT = "THEFT"
    TOTAL_LOSS = "TOTAL_LOSS"
    NONCONFORMITY_REFUSAL = "NONCONFORMITY_REFUSAL"
    DISSOLVED_AGAINST_CUSTOMER = "DISSOLVED_AGAINST_CUSTOMER"
    DISSOLVED_AGAINST_LESSOR = "DISSOLVED_AGAINST_LESSOR"
    EARLY_TERMINATION = "EARLY_TERMINATION"
    DEATH = "DEATH"


class DamageCause(DomainEnum):
    """Causes of a Damage Event (M-15; `ProtectionClaimSubmitted.cause`)."""

    COLLISION = "COLLISION"
    GLASS_BREAKAGE = "GLASS_BREAKAGE"
    FIRE = "FIRE"
    THEFT = "THEFT"
    ATTEMPTED_THEFT = "ATTEMPTED_THEFT"
    VANDALISM = "VANDALISM"
    GAME_COLLISION = "GAME_COLLISION"
    ANIMAL_COLLISION = "ANIMAL_COLLISION"
    NATURAL_FORCES = "NATURAL_FORCES"
    OTHER = "OTHER"


class ReceivableKind(DomainEnum):
    """The documents of the receivables ledger (SCENARIOS.md `documents[].kind`)."""

    INVOICE = "INVOICE"
    DEBIT_NOTE = "DEBIT_NOTE"
    CREDIT_NOTE = "CREDIT_NOTE"


class GroundStatus(DomainEnum):
    """Where a ground for the Lessor's rights stands (K-02): open, acted on, or gone.

    K-07, O-24: no timer moves a ground out of OPEN; only acting on it (EXERCISED) or the
    ground ceasing to be true (CLEARED) does, so the Lessor's delay never lapses its right.
    """

    OPEN = "OPEN"
    EXERCISED = "EXERCISED"
    """The contract was dissolved on it."""
    CLEARED = "CLEARED"
    """It stopped being true (paid, insured, handed over) or was cleared on another contract."""


class NoticeKind(DomainEnum):
    """The kinds of formal notice of default (D-10, D-12, A-06, A-07)."""

    INSTALMENT_ARREARS = "INSTALMENT_ARREARS"
    OTHER_ARREARS = "OTHER_ARREARS"
    SERVICE_ARREARS = "SERVICE_ARREARS"
    INSURANCE = "INSURANCE"
    BREACH = "BREACH"

    @property
    def covers_arrears(self) -> bool:
        """An arrears notice covers the overdue documents of its kind."""
        return self.value.endswith("ARREARS")

    def serves_art_5_3(self, *, registered: bool) -> bool:
        """M-07 / A-07 / L-34: the notice is a formal notice of Art. 5.3 for the instalment
        invoices it covers. An instalment notice always is; a service-arrears notice (it
        covers instalment invoices too) is when registered, since one registered letter
        serves Art. 5.3 and Art. 18 alike (A-07)."""
        if self is NoticeKind.INSTALMENT_ARREARS:
            return True
        return registered and self is NoticeKind.SERVICE_ARREARS


class Bucket(DomainEnum):
    """M-09 allocation buckets, in the order payments are applied (A-11)."""

    INDEMNITY_5_3 = "INDEMNITY_5_3"
    INTEREST_5_2 = "INTEREST_5_2"
    INSTALMENT = "INSTALMENT"
    OTHER = "OTHER"

    @property
    def rank(self) -> int:
        return list(Bucket).index(self)


class KmBand(DomainEnum):
    """M-11 deviation band; exactly 15% counts as UNDER_15 (A-14)."""

    UNDER_15 = "UNDER_15"
    OVER_15 = "OVER_15"
