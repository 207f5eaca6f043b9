"""The committed published contract: docs/asyncapi.yaml and docs/schemas/, written from the code."""

from __future__ import annotations

from pathlib import Path

from infra.schemas.asyncapi import ASYNCAPI_FILE, render_asyncapi
from infra.schemas.json_schemas import published_schemas, render_schema

DOCS = Path(__file__).resolve().parents[2] / "docs"


def write_docs(docs: Path = DOCS) -> list[Path]:
    """Write docs/asyncapi.yaml and every published schema; returns the files written."""
    written = [docs / ASYNCAPI_FILE]
    docs.mkdir(parents=True, exist_ok=True)
    written[0].write_text(render_asyncapi(), encoding="utf-8")
    for relative, schema in published_schemas().items():
        path = docs / "schemas" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_schema(schema), encoding="utf-8")
        written.append(path)
    return written
