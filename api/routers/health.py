"""Liveness, readiness and metrics for the load balancer, the orchestrator and Prometheus."""

from __future__ import annotations

import socket
from typing import Annotated

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from api.deps import Services, services
from api.problems import ProblemError

router = APIRouter(tags=["operations"])

READY_MAX_LAG = 1000
"""Events a read model may be behind the log while this replica still takes traffic."""
BROKER_TIMEOUT = 1.0


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


@router.get("/health/live", summary="The process answers")
def live() -> Health:
    return Health(status="ok")


@router.get("/health/ready", summary="The database, the broker and the read models are there")
def ready(found: Annotated[Services, Depends(services)]) -> Health:
    checks: dict[str, str] = {}
    try:
        head, readers = found.positions()
        checks["database"] = "ok" if found.contracts is not None else "not configured"
    except (psycopg.Error, PersistenceError):
        head, readers = 0, {}
        checks["database"] = "unreachable"
    for reader, position in readers.items():
        if not reader.startswith("view:"):
            continue
        if position is None:
            checks[reader] = "not created yet"
        else:
            behind = head - position
            checks[reader] = "ok" if behind <= READY_MAX_LAG else f"{behind} events behind"
    if found.bootstrap_servers:
        checks["broker"] = "ok" if _reachable(found.bootstrap_servers) else "unreachable"
    failing = {k: v for k, v in checks.items() if v not in ("ok", "not configured")}
    if failing or found.contracts is None:
        detail = "; ".join(f"{k}: {v}" for k, v in (failing or checks).items())
        raise ProblemError(503, f"not ready: {detail}", headers={"Retry-After": "5"})
    return Health(status="ok", checks=checks)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(found: Annotated[Services, Depends(services)]) -> Response:
    return found.metrics.response()


def _reachable(bootstrap_servers: str) -> bool:
    """Whether one of the bootstrap servers accepts a TCP connection."""
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=BROKER_TIMEOUT):
                return True
        except (OSError, ValueError):
            continue
    return False
