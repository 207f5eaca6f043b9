"""Events of an amendment of the General Terms (D-29, O-23, Art. 22.3; RULES 9)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from domain.contract.base_events import ContractEvent

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract


class GeneralTermsAmendmentNotified(ContractEvent):
    """D-29: the Lessor notified a new version of the General Terms and its effective date."""

    new_version: str
    effective_from: date

    def apply_to(self, c: Contract) -> None:
        c.terms_amendment = {
            "new_version": self.new_version,
            "effective_from": self.effective_from.isoformat(),
        }


class GeneralTermsAmendmentObjected(ContractEvent):
    """D-29: the Customer objected before the effective date; the version does not apply."""

    new_version: str

    def apply_to(self, c: Contract) -> None:
        c.terms_amendment = None


class GeneralTermsAmendmentApplied(ContractEvent):
    """D-29: no objection by the effective date: the new version is part of the Contract."""

    new_version: str
    previous_version: str

    def apply_to(self, c: Contract) -> None:
        c.terms = replace(c.terms, general_terms_version=self.new_version)
        c.terms_amendment = None
