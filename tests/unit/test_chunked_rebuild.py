"""A chunked rebuild's pass in log order: which events it reads, and a chunk that finds a
document it did not number (projections/engine/chunked.py, projections/views/invoices.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from uuid import UUID, uuid4

import pytest

from projections.engine.chunk_work import tapered
from projections.engine.tables import Batch
from projections.views.invoices import ISSUED, InMemoryInvoicesView, numbered

PRINT_TOPICS = (
    "from domain.contract.billing_events import CreditNoteIssued, ReceivableIssued\n"
    "from projections.engine.chunked import topics_of\n"
    "print('\\n'.join(topics_of([ReceivableIssued, CreditNoteIssued])))\n"
)


class TestTopicsOf:
    def test_subclasses_in_modules_not_imported_yet_are_read_too(self) -> None:
        # A fresh interpreter: only the modules the two base classes need are imported.
        out = subprocess.run(
            [sys.executable, "-c", PRINT_TOPICS], capture_output=True, text=True, check=True
        ).stdout.split()

        assert "domain.events:InstalmentInvoiced" in out
        assert "domain.events:FuelProvisionInvoiced" in out  # domain/contract/fuel_events.py
        assert "domain.events:CreditNoteIssued" in out
        assert "domain.events:PaymentReceived" not in out


class TestNumberedInAChunk:
    def test_a_document_the_pass_in_log_order_did_not_number_is_an_error(self) -> None:
        batch = Batch(InMemoryInvoicesView(), fresh=True, extra=(ISSUED,))
        item = {
            "contract_id": uuid4(),
            "receivable_id": "R-1",
            "kind": "INVOICE",
            "issued_on": date(2025, 3, 1),
        }

        with pytest.raises(LookupError, match=r"R-1 .* not numbered by the rebuild.s pass"):
            numbered(item, batch)

    def test_a_chunk_takes_the_number_the_pass_decided(self) -> None:
        batch = Batch(InMemoryInvoicesView(), fresh=True, extra=(ISSUED,))
        contract = uuid4()
        decided = {"contract_id": contract, "receivable_id": "R-1", "number": "INV-2025-000042"}
        batch.put(ISSUED.name, decided | {"seq": 97})
        item = {"contract_id": contract, "receivable_id": "R-1", "kind": "INVOICE"}

        assert numbered(item | {"issued_on": date(2025, 3, 1)}, batch) == ("INV-2025-000042", 97)
        assert not batch.changes["sequences"]
        assert not batch.changes["numbers"]


class TestTapered:
    def test_short_chunks_are_merged_but_the_last_ones(self) -> None:
        ids = [UUID(int=i) for i in range(40)]
        fine = [(ids[i], ids[i + 1]) for i in range(0, 40, 2)]  # 20 short chunks

        chunks = tapered(fine, 2)

        assert chunks[:8] == tuple((ids[i], ids[i + 3]) for i in range(0, 32, 4))
        assert chunks[8:] == tuple(fine[16:])
        assert chunks[0][0] == ids[0]
        assert chunks[-1][1] == ids[-1]  # every contract in one chunk, in order

    def test_few_chunks_all_stay_short(self) -> None:
        ids = [UUID(int=i) for i in range(6)]
        fine = [(ids[i], ids[i + 1]) for i in range(0, 6, 2)]

        assert tapered(fine, 4) == tuple(fine)
        assert tapered([], 4) == ()
