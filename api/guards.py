"""Checks a command needs beyond its contract, made where the read models are (API.md 3).

The aggregate sees one contract. M-10 releases a Guarantee only once all of the Customer's
obligations are fulfilled, and a Guarantee covers all of the Customer's contracts: before
`release_guarantee` is decided, the customer-level exposure view (K-01) is read, once it has
applied everything stored so far, and the release is refused (409, M-10) while another
contract of the Customer is not closed or has a document open. The view is read only for a
release the contract itself would accept; without the views that release cannot be checked
and is 503.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.deps import services
from api.problems import ProblemError
from domain.contract.guarantees import ReleaseGuarantee, require_releasable
from domain.errors import ContractError, RuleViolationError
from projections.views.exposure import PostgresExposureView

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from fastapi import Request

    from domain.contract.command import Command

EXPOSURE = "exposure"


def release_guard(request: Request, number: str, command: Command) -> None:
    """M-10: refuse the release while the Customer has obligations on another contract.

    What the contract alone decides comes first: when it refuses (no such contract, not
    closed, no such Guarantee, already released) the command itself answers, with no wait on
    a view."""
    assert isinstance(command, ReleaseGuarantee)
    found = services(request)
    if found.contracts is None:
        return
    try:
        require_releasable(found.contracts.get(number), command.guarantee_id)
    except ContractError:
        return
    if found.read_models is None:
        raise ProblemError(
            503, "releasing a Guarantee needs the exposure view", headers={"Retry-After": "5"}
        )
    head = found.contracts.recorder.max_notification_id()
    found.read_models.at_least(EXPOSURE, head)  # what was stored before this request
    view = found.read_models.view(EXPOSURE, PostgresExposureView)
    with view.reading():
        elsewhere = view.obligations_elsewhere(number)
    if elsewhere:
        raise RuleViolationError(
            "M-10",
            "a Guarantee is released only once all of the Customer's obligations are"
            f" fulfilled: contract {', '.join(elsewhere)} is not closed or has documents open",
        )


GUARDS: Mapping[str, Callable[[Request, str, Command], None]] = {
    ReleaseGuarantee.name: release_guard
}
"""Command name -> the check run (in the thread pool) before it is sent."""
