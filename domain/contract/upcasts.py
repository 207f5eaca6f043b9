"""How a Contract snapshot of an older class version is brought up to date when loaded.

The library calls `upcast_vN_vN+1` on the snapshot's state for each version between the
stored one and `Contract.class_version`. v2 added `reporting_breaches` (D-01/D-02), v3
`lapsed_guarantees` and `insurance_lapses` (T-18.3-vii/x), v4 `stopped_services` (T-18.10),
v5 `odometer_requests` and `reports_made` (D-03, D-04, D-06, D-24), v6 enums for the ground
status, the notice kind and the document kind and bucket, v7 the documents'
`indemnity_charged` (M-07 once per invoice, A-10), v8 the Customer's notices to the Lessor
and the recorded Art. 18.8 facts (T-18.8-i..v), v9 `loss_incident_id`, `protection_ends_on`
and `loss_settled` (M-18), v10 `protection_refusals` (M-15, M-19), v11 `levies` (M-14) and
`guarantees` (P-22, M-10), v12 `damage_claims` (the damage register, M-16), v13
`immobilisations`, `replacements`, `replacement_km` (L-36) and `winter_seasons` (D-26), v14
`fuel` (Fuel Management, Art. 16), v15 `compensation_shares` (M-05 spread over
instalments), `terms_amendment` (D-29) and `repairs_due` (D-07), v16 `service_suppliers`
(T-18.2-i), v17 `missed_repairs` (the D-07 timer) and `lessor_insurance_ended_on` (D-31),
v18 `km_cap_reading`, `km_cap_reading_on` (the first reading at the cap) and `km_cap_noted`
(A-15).
"""

from __future__ import annotations

from typing import Any

from domain.contract.state import FuelAccount
from domain.values import Bucket, EndKind, GroundStatus, NoticeKind, ReceivableKind


class SnapshotUpcasts:
    """The upcasts of the Contract's snapshot state, one per class version."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["reporting_breaches"] = []

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["lapsed_guarantees"] = []
        state["insurance_lapses"] = {}

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        state["stopped_services"] = []

    @staticmethod
    def upcast_v4_v5(state: dict[str, Any]) -> None:
        state["odometer_requests"] = {}
        state["reports_made"] = 0

    @staticmethod
    def upcast_v5_v6(state: dict[str, Any]) -> None:
        for ground in state["grounds"].values():
            ground.status = GroundStatus(ground.status)
        for notice in state["notices"].values():
            notice.kind = NoticeKind(notice.kind)
        for item in state["receivables"].values():
            item.kind, item.bucket = ReceivableKind(item.kind), Bucket(item.bucket)

    @staticmethod
    def upcast_v6_v7(state: dict[str, Any]) -> None:
        """Before v7 only instalment notices charged M-07, on every covered invoice still
        open at expiry; open amounts never grow, so an invoice such a notice covered that is
        still open now was charged then."""
        receivables = state["receivables"]
        for notice in state["notices"].values():
            if notice.expired and notice.kind is NoticeKind.INSTALMENT_ARREARS:
                for receivable_id in notice.receivable_ids:
                    item = receivables[receivable_id]
                    item.indemnity_charged = item.open.is_positive

    @staticmethod
    def upcast_v7_v8(state: dict[str, Any]) -> None:
        """Before v8 no notice to the Lessor or Art. 18.8 fact could be recorded."""
        state["lessor_notices"] = {}
        state["lessor_facts"] = {}

    @staticmethod
    def upcast_v8_v9(state: dict[str, Any]) -> None:
        """A snapshot from before v9 knows of no Protection ended early (D-18, T-18.2-ii)
        nor which incident a loss was, and no loss was settled before v9 (M-18)."""
        state["loss_incident_id"] = None
        state["protection_ends_on"] = None
        state["loss_settled"] = False

    @staticmethod
    def upcast_v9_v10(state: dict[str, Any]) -> None:
        """Before v10 no Protection claim could be refused (M-15, Art. 10.2)."""
        state["protection_refusals"] = {}

    @staticmethod
    def upcast_v10_v11(state: dict[str, Any]) -> None:
        """Before v11 no Levy (M-14) nor Guarantee provided (M-10) could be recorded."""
        state["levies"] = {}
        state["guarantees"] = {}

    @staticmethod
    def upcast_v11_v12(state: dict[str, Any]) -> None:
        """A snapshot before v12 kept no claim amounts: a third-party recovery on a claim
        decided before v12 is refused as unknown (M-16); a replay from the events rebuilds
        them."""
        state["damage_claims"] = {}

    @staticmethod
    def upcast_v12_v13(state: dict[str, Any]) -> None:
        """Before v13 no immobilisation, replacement vehicle or winter tyres were recorded."""
        state["immobilisations"], state["replacements"] = {}, {}
        state["replacement_km"], state["winter_seasons"] = 0, {}

    @staticmethod
    def upcast_v13_v14(state: dict[str, Any]) -> None:
        """Before v14 no contract had Fuel Management (P-28): no card, nothing invoiced."""
        state["fuel"] = FuelAccount()

    @staticmethod
    def upcast_v14_v15(state: dict[str, Any]) -> None:
        """Before v15 no supplier compensation could be spread over instalments (M-05) and no
        amendment of the General Terms was pending (D-29); repairs reported before v15 carry
        no D-07 due date (a replay from the events rebuilds it)."""
        state["compensation_shares"] = []
        state["terms_amendment"] = None
        state["repairs_due"] = {}

    @staticmethod
    def upcast_v15_v16(state: dict[str, Any]) -> None:
        """Before v16 no supplier of a service could be recorded as ceased (T-18.2-i)."""
        state["service_suppliers"] = {}

    @staticmethod
    def upcast_v16_v17(state: dict[str, Any]) -> None:
        """Before v17 neither a missed repair deadline (D-07) nor the end of the Lessor's
        insurance (D-31) recorded anything: the next daily run records each that is due once,
        as a replay from the events would."""
        state["missed_repairs"] = []
        state["lessor_insurance_ended_on"] = None

    @staticmethod
    def upcast_v17_v18(state: dict[str, Any]) -> None:
        """Before v18 only the last reading was kept: one at or above the cap is the earliest
        such reading the snapshot knows, the one the end by law then took its date from."""
        last, on = state["last_odometer"], state["last_odometer_on"]
        reached = last is not None and on is not None and last >= state["terms"].km_cap
        state["km_cap_reading"] = last if reached else None
        state["km_cap_reading_on"] = on if reached else None
        state["km_cap_noted"] = state["end_kind"] is EndKind.KM_CAP
