"""The portal's languages: Dutch (default), French, English; which one a request gets.

Choice order: an explicit choice (the `lang` query or form value, then the `portal_lang`
cookie) > the customer's record (given by the caller once logged in) > Accept-Language > nl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from api.portal.texts import en, fr, nl

if TYPE_CHECKING:
    from collections.abc import Mapping

    from starlette.requests import Request

DEFAULT: Final = "nl"
LANGUAGES: Final = ("nl", "fr", "en")
"""The languages offered, in the order the language switch shows them."""
COOKIE: Final = "portal_lang"
QUERY: Final = "lang"
CATALOGUES: Final[Mapping[str, Mapping[str, str]]] = {
    "nl": nl.MESSAGES,
    "fr": fr.MESSAGES,
    "en": en.MESSAGES,
}


def supported(language: str | None) -> str | None:
    """`language` (a tag such as `fr-BE` or `NL`) as one of LANGUAGES, else None."""
    if not language:
        return None
    primary = language.strip().split("-")[0].split("_")[0].lower()
    return primary if primary in LANGUAGES else None


def translate(language: str, key: str, **params: object) -> str:
    """The text `key` in `language` (the default for an unknown one), its `{name}`s filled
    with `params` (KeyError: a key that no catalogue has)."""
    text = CATALOGUES[supported(language) or DEFAULT][key]
    return text.format(**params) if params else text


def from_accept_language(header: str | None) -> str | None:
    """The supported language the Accept-Language header prefers most, else None."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        weight = 1.0
        if rest.strip().startswith("q="):
            try:
                weight = float(rest.strip()[2:])
            except ValueError:
                continue
        language = supported(tag)
        if language and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else None


def choose(
    explicit: str | None = None,
    cookie: str | None = None,
    customer: str | None = None,
    accept_language: str | None = None,
) -> str:
    """The language of a response, by the portal's order of preference."""
    for candidate in (explicit, cookie, customer):
        if found := supported(candidate):
            return found
    return from_accept_language(accept_language) or DEFAULT


def language_of(request: Request, customer: str | None = None, form: str | None = None) -> str:
    """The language of `request`: `form` (a posted `lang`), the query, the cookie, the
    customer's record, the browser's Accept-Language, else Dutch."""
    return choose(
        explicit=form or request.query_params.get(QUERY),
        cookie=request.cookies.get(COOKIE),
        customer=customer,
        accept_language=request.headers.get("accept-language"),
    )
