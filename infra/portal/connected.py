"""The mobile app's access to `/v1/me` under the portal's rules (PT-03, PT-06, PT-08, PT-13).

A connected app (the MyBMW or MINI app) presents a customer token it obtained through its
own authentication. The first time this process sees a token, the account records that
authentication and a login from the app (PT-06: `ConnectedServiceAuthenticated` before
`PortalLoginSucceeded`); every request is then an audited action (PT-08), refused like the
portal's pages while the account is not active (PT-03, PT-20) or new terms wait (PT-13).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from domain.portal.values import AccessState, Action, Channel, ConnectedService, PortalRefusal

if TYPE_CHECKING:
    from datetime import datetime

    from infra.portal.backend import PortalBackend

REMEMBERED_TOKENS = 4096
"""Tokens whose app login is recorded, per process (older ones are forgotten: a token seen
again after that records one more login, which is harmless)."""


class ConnectedAccess:
    """Admits a customer token's request as the connected app's portal action."""

    def __init__(self, remembered: int = REMEMBERED_TOKENS) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._remembered = remembered
        self._lock = threading.Lock()

    def admit(
        self,
        backend: PortalBackend,
        customer_number: str,
        token: str,
        target: str,
        at: datetime,
        service: ConnectedService = ConnectedService.MYBMW,
    ) -> None:
        """Record the request (and the app's login the first time); PortalRefusal when the
        portal would refuse it (no active account, terms to accept first)."""
        app = backend.app
        account = app.account(customer_number)
        if account is None or account.access is not AccessState.ACTIVE:
            raise PortalRefusal("PT-04", "not_registered", "register in the portal first")
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        with self._lock:
            known = key in self._seen
        if not known:
            app.authenticate_connected_service(customer_number, service, at)
            app.login_succeeded(customer_number, at, Channel.CONNECTED_APP)
            with self._lock:
                self._seen[key] = None
                while len(self._seen) > self._remembered:
                    self._seen.popitem(last=False)
        action = Action.VIEW_DOCUMENT if "/documents" in target else Action.VIEW_CONTRACT
        app.perform(customer_number, action, target, at, Channel.CONNECTED_APP)
