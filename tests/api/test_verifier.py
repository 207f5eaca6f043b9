"""The token verifier remembers a verified token only as long as the token is valid, and
only that exact token (bench/api.py: the signature check is most of a read's auth cost)."""

from __future__ import annotations

import time

import jwt
import pytest

from api.auth import LEEWAY_SECONDS, VERIFIED_TOKENS, Role, TokenVerifier, Unauthenticated
from tests.api.tokens import AUDIENCE, ISSUER, Keys, new_keys


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def verifier(keys: Keys, clock: Clock) -> TokenVerifier:
    return TokenVerifier(audience=AUDIENCE, issuer=ISSUER, key=keys.trusted.public_key(), now=clock)


def test_a_remembered_token_expires_on_time() -> None:
    keys, clock = new_keys(), Clock()
    check = verifier(keys, clock)
    token = keys.token(Role.AUDITOR)  # valid for one hour
    assert check.verify(token).roles == {Role.AUDITOR}
    clock.now += 3600 + LEEWAY_SECONDS - 5
    assert check.verify(token).subject == "staff-1"
    clock.now += 10
    with pytest.raises(Unauthenticated, match="token has expired"):
        check.verify(token)


def test_an_altered_signature_of_a_remembered_token_does_not_verify() -> None:
    keys, clock = new_keys(), Clock()
    check = verifier(keys, clock)
    token = keys.token(Role.OPERATOR)
    check.verify(token)
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(Unauthenticated, match="signature does not verify"):
        check.verify(f"{head}.{payload}.{flipped}")


def test_the_memory_is_bounded() -> None:
    keys, clock = new_keys(), Clock()
    check = verifier(keys, clock)
    for n in range(VERIFIED_TOKENS + 10):
        check.verify(keys.token(Role.SERVICE, subject=f"s-{n}"))
    assert len(check._verified) == VERIFIED_TOKENS


@pytest.mark.parametrize("customer", [None, "", " K-1", "K\x00", "K" * 100, 42])
def test_a_customer_token_without_a_usable_customer_number_does_not_verify(
    customer: object,
) -> None:
    keys = new_keys()
    claims: dict[str, object] = {"sub": "c", "roles": ["customer"], "aud": AUDIENCE}
    claims["iss"] = ISSUER
    now = int(time.time())
    claims |= {"iat": now, "exp": now + 600}
    if customer is not None:
        claims["customer_number"] = customer
    token = jwt.encode(claims, keys.trusted, algorithm="EdDSA")
    with pytest.raises(Unauthenticated, match="customer token must name its customer_number"):
        verifier(keys, Clock()).verify(token)


def test_a_staff_token_speaks_for_no_customer() -> None:
    keys = new_keys()
    token = keys.token(Role.OPERATOR, customer="K-1")
    assert verifier(keys, Clock()).verify(token).customer_number is None
