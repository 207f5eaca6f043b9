"""CSRF check of the portal's forms: each form carries the session's token as `csrf_token`.

The session store (infra/portal) gives each session its token; a template puts it in the
form with the `csrf_field(token)` macro of portal/_macros.html; a POST route calls
`check_csrf(session_token, submitted)` before it changes anything.
"""

from __future__ import annotations

import hmac

FIELD = "csrf_token"
"""The name of the hidden form field."""


class CsrfRejectedError(Exception):
    """A form without the session's CSRF token: answered 403 with the error page."""

    def __init__(self, field: str = FIELD) -> None:
        super().__init__(f"the form field {field} is missing or does not match the session")
        self.field = field


def check_csrf(session_csrf: str, submitted: str | None) -> None:
    """Pass if `submitted` is the session's token (compared in constant time), else raise
    CsrfRejectedError naming the field."""
    if not session_csrf or not submitted:
        raise CsrfRejectedError
    if not hmac.compare_digest(session_csrf.encode(), submitted.encode()):
        raise CsrfRejectedError
