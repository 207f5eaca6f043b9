"""Staff routes on a customer's standing in the portal, under `/v1/portal` (operators).

- `customer-status` (PT-22): whether the customer uses the portal as a consumer or as a
  business user (which liability terms and courts apply to them).
- `transfer-notices` (PT-24): the lessor tells the customer, by e-mail and on the portal,
  that the portal terms pass to a party taking over the activity; the customer gives or
  refuses consent on their profile page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from api.reading import Number
from api.routers.portal_staff import REFUSED, Backend, Done, Ident, PortalOperator, _run, now
from domain.portal.values import CustomerStatus
from infra.inputs.types import Strict
from infra.portal.self_service import SelfService

router = APIRouter(prefix="/v1/portal", tags=["portal staff"])


class StatusBody(Strict):
    status: Annotated[CustomerStatus, Field(strict=False)]


class TransferBody(Strict):
    transferee_ref: Ident
    """The lessor's reference of the party taking over (not personal data)."""


@router.post(
    "/accounts/{customer_number}/customer-status",
    summary="Record whether the customer is a consumer or a business user (PT-22)",
    responses=REFUSED,
)
async def record_status(
    customer_number: Number, body: StatusBody, _: PortalOperator, backend: Backend
) -> Done:
    at = now()
    await _run(lambda: backend.app.record_customer_status(customer_number, body.status, at))
    return Done(customer_number=customer_number, detail=f"status {body.status.value} recorded")


@router.post(
    "/accounts/{customer_number}/transfer-notices",
    summary="Tell the customer the portal terms pass to a new party, asking consent (PT-24)",
    responses=REFUSED,
    status_code=201,
)
async def notify_transfer(
    customer_number: Number, body: TransferBody, _: PortalOperator, backend: Backend
) -> Done:
    at = now()
    service = SelfService(backend)
    await _run(lambda: service.notify_transfer(customer_number, body.transferee_ref, at))
    return Done(
        customer_number=customer_number, detail=f"transfer to {body.transferee_ref} notified"
    )
