"""Liveness and readiness for the load balancer and the orchestrator (API.md 5)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/health", tags=["operations"])


@router.get("/live", summary="The process answers")
def live() -> dict[str, str]:
    return {"status": "ok"}
