"""The read baseline of bench/api.py: a bare FastAPI endpoint running the portal view's
SELECTs for one contract with psycopg, no auth, no models, no middleware.

    BARE_DSN=postgresql://... uvicorn bench.bare_api:app
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from domain.contract import Contract

TABLES = ("contracts", "receivables", "documents", "timeline")
pool = ConnectionPool(
    os.environ["BARE_DSN"], min_size=5, max_size=5, kwargs={"row_factory": dict_row}
)
app = FastAPI()


@app.get("/contracts/{number}")
def contract(number: str) -> dict[str, Any]:
    contract_id = Contract.create_id(number)
    with pool.connection() as conn:
        return {
            table: conn.execute(
                f"SELECT * FROM portal_{table} WHERE contract_id = %s", (contract_id,), prepare=True
            ).fetchall()
            for table in TABLES
        }
