"""A corpus of malformed `lease simulate` inputs (issue 9, findings 7-10), as file bytes.

Each case is a name and the bytes of a scenario file that must be refused: exit code 1 with
one line on stderr (`USAGE` cases: 2, for a path that is missing or a directory). They start
from one valid scenario (`VALID`) and break one thing each: the bytes, the JSON, the
document's shape, a field's type, size or range, a date, the order of the steps.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

VALID: dict[str, Any] = {
    "scenario_version": 1,
    "contract": {
        "contract_number": "C-CORPUS-0001",
        "customer_number": "K-1001",
        "fuel_type": "DIESEL",
        "term_months": 48,
        "annual_km": 20000,
        "excess_km_price": "0.10",
        "instalment_amount": "650.00",
        "instalment_frequency": "MONTHLY",
        "payment_term_days": 0,
        "invested_capital": "45000.00",
        "advance_payment": "3000.00",
        "protection": {"included": True, "flat_damage_fee": "500.00"},
        "gap": {"included": False},
        "insurance_mode": "CUSTOMER_OWN",
        "insurer_theft_recovery_days": 30,
    },
    "policy": {"auto_dissolve_grounds": [], "early_termination_fee_rate": "0.50"},
    "steps": [
        {"on": "2024-02-20", "do": "conclude"},
        {"on": "2024-02-21", "do": "order_vehicle"},
        {"on": "2024-03-01", "do": "notify_vehicle_ready"},
        {"on": "2024-03-05", "do": "submit_insurance_proof"},
        {"on": "2024-03-12", "do": "hand_over", "odometer": 12},
        {"on": "2024-03-12", "do": "receive_payment", "amount": "419.35"},
        {"on": "2024-04-02", "do": "advance"},
    ],
}
"""A valid scenario (the REF contract handed over and paid); every case breaks it."""
CONTRACT_STRINGS = (
    "contract_number",
    "customer_number",
    "fuel_type",
    "instalment_frequency",
    "insurance_mode",
)
MONEY_FIELDS = ("instalment_amount", "invested_capital", "advance_payment")
USAGE = frozenset({"missing path", "a directory"})
"""Cases that are not files: `lease simulate` exits 2 (usage error)."""
LINES = [{"item": "scratch", "amount": "10.00"}]
FULL_WIDTH_650 = "\uff16\uff15\uff10.\uff10\uff10"
"""650.00 in full-width digits: Unicode digits, not the ASCII ones money is written in."""


def encoded(document: object) -> bytes:
    return json.dumps(document).encode()


def changed(change: Callable[[dict[str, Any]], object]) -> bytes:
    """VALID with one change (the function edits a deep copy in place)."""
    document = copy.deepcopy(VALID)
    change(document)
    return encoded(document)


def with_term(name: str, value: object) -> bytes:
    """VALID with one contract term set to `value`."""
    return changed(lambda d: d["contract"].update({name: value}))


def with_policy(name: str, value: object) -> bytes:
    """VALID with one field of the Lessor policy set to `value`."""
    return changed(lambda d: d["policy"].update({name: value}))


def with_step(step: dict[str, Any]) -> bytes:
    """VALID with one more step before its final advance."""
    return changed(lambda d: d["steps"].insert(-1, step))


def _bytes_cases() -> Iterator[tuple[str, bytes]]:
    valid = encoded(VALID)
    yield "empty file", b""
    yield "whitespace only", b" \n\t\n"
    yield "invalid UTF-8", b'{"scenario_version": 1, "x": "\xff\xfe"}'
    yield "Latin-1 bytes", '{"contract_number": "Ça"}'.encode("latin-1")
    yield "UTF-8 BOM", b"\xef\xbb\xbf" + valid
    yield "UTF-16", json.dumps(VALID).encode("utf-16")
    yield "100,000 nested brackets", b"[" * 100_000 + b"]" * 100_000
    yield "100,000 nested objects", b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    yield "1e400 as the document", b"1e400"
    yield (
        "1e400 as the version",
        valid.replace(b'"scenario_version": 1', b'"scenario_version": 1e400'),
    )
    yield "NaN literal", valid.replace(b'"odometer": 12', b'"odometer": NaN')
    yield "Infinity literal", valid.replace(b'"odometer": 12', b'"odometer": Infinity')
    yield "-Infinity literal", valid.replace(b'"odometer": 12', b'"odometer": -Infinity')
    yield "5,000-digit number", valid.replace(b'"odometer": 12', b'"odometer": ' + b"9" * 5000)
    yield (
        "duplicate key",
        valid.replace(b'"term_months": 48', b'"term_months": 48, "term_months": 1'),
    )
    yield "truncated", valid[: len(valid) // 2]
    yield "trailing garbage", valid + b" }"
    yield "comment", b"// a scenario\n" + valid
    yield "single quotes", valid.replace(b'"', b"'")
    yield "5 MB padding field", changed(lambda d: d.update(padding="x" * 5_000_000))
    yield "NUL byte outside a string", valid.replace(b"{", b"{\x00", 1)


def _document_cases() -> Iterator[tuple[str, bytes]]:
    yield "a JSON array", b"[]"
    yield "a JSON string", b'"scenario"'
    yield "JSON null", b"null"
    yield "scenario_version 2", changed(lambda d: d.update(scenario_version=2))
    yield "scenario_version as a string", changed(lambda d: d.update(scenario_version="1"))
    yield "scenario_version true", changed(lambda d: d.update(scenario_version=True))
    yield "no scenario_version", changed(lambda d: d.pop("scenario_version"))
    yield "no contract", changed(lambda d: d.pop("contract"))
    yield "contract is a list", changed(lambda d: d.update(contract=[]))
    yield "contract without term_months", changed(lambda d: d["contract"].pop("term_months"))
    yield "unknown top-level field", changed(lambda d: d.update(sceanrio="typo"))
    yield "1 MB unknown padding", changed(lambda d: d.update(padding="x" * 1_000_000))
    yield "unknown contract field", with_term("odometr", 5)
    yield "unknown protection field", changed(lambda d: d["contract"]["protection"].update(fee=1))
    yield "unknown gap field", changed(lambda d: d["contract"]["gap"].update(insured="1.00"))
    yield "protection not an object", with_term("protection", True)
    yield "unknown policy field", with_policy("auto_dissolve", [])
    yield "policy is a list", changed(lambda d: d.update(policy=[]))
    yield (
        "bogus policy ground",
        with_policy("auto_dissolve_grounds", ["18.99(z)"]),
    )
    yield (
        "policy ground needing legal review",
        with_policy("auto_suspend_grounds", ["18.3(iv)"]),
    )
    yield (
        "policy grounds not a list",
        with_policy("auto_dissolve_grounds", "18.3(ii)"),
    )
    yield (
        "fee rate above 0.50",
        with_policy("early_termination_fee_rate", "0.90"),
    )
    yield (
        "fee rate as an exponent",
        with_policy("early_termination_fee_rate", "5e-1"),
    )
    yield "term_months 10^6", with_term("term_months", 10**6)
    yield "term_months as a string", with_term("term_months", "48")
    yield "term_months true", with_term("term_months", True)
    yield "annual_km 10^40", with_term("annual_km", 10**40)
    yield "fuel_type unknown", with_term("fuel_type", "COAL")
    yield (
        "100,000-character contract number with control characters",
        with_term("contract_number", "C\x01\x02" * 33_334),
    )
    yield (
        "lone surrogate in a contract number",
        with_term("contract_number", "C-\ud800"),
    )
    yield "empty customer number", with_term("customer_number", "")
    yield (
        "unknown instalment component",
        with_term("instalment_components", {"CAR_WASH": "5.00"}),
    )


def _money_cases() -> Iterator[tuple[str, bytes]]:
    yield "instalment as the string 1e400", with_term("instalment_amount", "1e400")
    yield "instalment as the number 10^400", with_term("instalment_amount", 10**400)
    yield "advance payment as 1E+400", with_term("advance_payment", "1E+400")
    yield "excess km price as 1e400", with_term("excess_km_price", "1e400")
    for name in MONEY_FIELDS:
        yield (
            f"{name} in full-width digits",
            with_term(name, FULL_WIDTH_650),
        )
        yield f"{name} as 1e10", with_term(name, "1e10")
        yield (
            f"{name} as a JSON number",
            with_term(name, 650.0),
        )
    yield (
        "negative instalment",
        with_term("instalment_amount", "-650.00"),
    )
    yield (
        "3-decimal instalment",
        with_term("instalment_amount", "650.001"),
    )
    yield (
        "instalment over the maximum",
        with_term("instalment_amount", "99999999999.00"),
    )
    payments = {"1e400": "1e400", "-5": "-5.00", "with a comma": "5,00", "of NaN text": "NaN"}
    for name, amount in payments.items():
        step = {"on": "2024-03-20", "do": "receive_payment", "amount": amount}
        yield f"payment {name}", with_step(step)


def _nul_cases() -> Iterator[tuple[str, bytes]]:
    """NUL and other control characters in every string field (PostgreSQL refuses NUL)."""
    for name in CONTRACT_STRINGS:
        yield (
            f"NUL in contract.{name}",
            with_term(name, "A\x00B"),
        )
    yield (
        "NUL in a policy ground",
        with_policy("auto_dissolve_grounds", ["18.3(ii)\x00"]),
    )
    yield "NUL in a step's do", with_step({"on": "2024-03-20", "do": "advance\x00"})
    yield (
        "NUL in a rationale",
        with_step(
            {
                "on": "2024-03-20",
                "do": "record_ground",
                "ground": "18.3(xiv)",
                "rationale": "late\x00",
            }
        ),
    )
    yield (
        "escape in a rationale",
        with_step(
            {
                "on": "2024-03-20",
                "do": "record_ground",
                "ground": "18.3(xiv)",
                "rationale": "a\x1b[31m",
            }
        ),
    )
    yield (
        "NUL in a ground",
        with_step(
            {"on": "2024-03-20", "do": "record_ground", "ground": "18.3(xiv)\x00", "rationale": "x"}
        ),
    )
    yield (
        "NUL in a damage item",
        with_step(
            {
                "on": "2024-03-20",
                "do": "return_vehicle",
                "odometer": 5000,
                "damages": [{"item": "a\x00", "amount": "1.00"}],
            }
        ),
    )
    yield (
        "NUL in a notice kind",
        with_step({"on": "2024-03-20", "do": "send_formal_notice", "kind": "\x00"}),
    )


def _step_cases() -> Iterator[tuple[str, bytes]]:
    yield "no steps", changed(lambda d: d.pop("steps"))
    yield "empty steps", changed(lambda d: d.update(steps=[]))
    yield "steps an object", changed(lambda d: d.update(steps={}))
    yield "a step that is a number", with_step(5)  # type: ignore[arg-type]
    yield "unknown step", with_step({"on": "2024-03-20", "do": "sell_car"})
    yield "internal command as a step", with_step({"on": "2024-03-20", "do": "bill"})
    yield "step without do", with_step({"on": "2024-03-20"})
    yield "step without on", with_step({"do": "advance"})
    yield (
        "step field typo odometr",
        with_step({"on": "2024-06-30", "do": "report_odometer", "odometr": 9000}),
    )
    yield "step without its field", with_step({"on": "2024-06-30", "do": "report_odometer"})
    yield (
        "odometer 10^40",
        with_step({"on": "2024-06-30", "do": "report_odometer", "odometer": 10**40}),
    )
    yield "odometer -1", with_step({"on": "2024-06-30", "do": "report_odometer", "odometer": -1})
    yield (
        "odometer as a string",
        with_step({"on": "2024-06-30", "do": "report_odometer", "odometer": "9000"}),
    )
    yield (
        "odometer 9000.5",
        with_step({"on": "2024-06-30", "do": "report_odometer", "odometer": 9000.5}),
    )
    yield (
        "odometer true",
        with_step({"on": "2024-06-30", "do": "report_odometer", "odometer": True}),
    )
    yield (
        "expect_refusal as a string",
        with_step({"on": "2024-03-20", "do": "advance", "expect_refusal": "yes"}),
    )
    yield (
        "101 damage lines",
        with_step(
            {"on": "2024-03-20", "do": "return_vehicle", "odometer": 5000, "damages": LINES * 101}
        ),
    )
    yield (
        "damage line with an unknown field",
        with_step(
            {
                "on": "2024-03-20",
                "do": "return_vehicle",
                "odometer": 5000,
                "damages": [{**LINES[0], "vat": "1"}],
            }
        ),
    )
    yield (
        "incident kind of 100,000 characters",
        with_step(
            {
                "on": "2024-03-20",
                "do": "report_incident",
                "kind": "G" * 100_000,
                "incident_on": "2024-03-19",
                "repair_cost": "1.00",
            }
        ),
    )


def _date_cases() -> Iterator[tuple[str, bytes]]:
    yield "step on 9999-12-31", changed(lambda d: d["steps"][-1].update(on="9999-12-31"))
    yield "contract starting in year 1", changed(lambda d: d["steps"][0].update(on="0001-01-01"))
    yield "contract starting in 1999", changed(lambda d: d["steps"][0].update(on="1999-12-31"))
    yield "a century-long walk", changed(lambda d: d["steps"][-1].update(on="2199-12-31"))
    yield "date that does not exist", changed(lambda d: d["steps"][-1].update(on="2024-02-30"))
    yield "date with slashes", changed(lambda d: d["steps"][-1].update(on="2024/04/02"))
    yield "date with a time", changed(lambda d: d["steps"][-1].update(on="2024-04-02T00:00:00"))
    yield "date as a number", changed(lambda d: d["steps"][-1].update(on=20240402))
    yield (
        "incident date in year 3000",
        with_step(
            {
                "on": "2024-03-20",
                "do": "report_incident",
                "kind": "GLASS",
                "incident_on": "3000-01-01",
                "repair_cost": "1.00",
            }
        ),
    )
    yield "steps out of order", changed(lambda d: d["steps"].reverse())
    yield (
        "refused step without expect_refusal",
        with_step({"on": "2024-03-20", "do": "order_vehicle"}),
    )


def corpus() -> dict[str, bytes]:
    """Every malformed file of the corpus, by a name that says what is wrong."""
    cases = [
        *_bytes_cases(),
        *_document_cases(),
        *_money_cases(),
        *_nul_cases(),
        *_step_cases(),
        *_date_cases(),
    ]
    found = dict(cases)
    assert len(found) == len(cases), "two cases share a name"
    return found


STACK_SAMPLE = (
    "NUL in contract.contract_number",
    "NUL in a rationale",
    "invalid UTF-8",
    "step field typo odometr",
    "refused step without expect_refusal",
)
"""Cases `--stack` also runs (it is slow): both modes must refuse them the same way."""
