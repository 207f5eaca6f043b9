"""The portal's texts: the same keys in every language, the language choice, the formats."""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal

import pytest

from api.portal import i18n
from api.portal.formatting import day, money, number


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys() -> None:
    keys = {language: set(messages) for language, messages in i18n.CATALOGUES.items()}
    assert set(keys) == set(i18n.LANGUAGES)
    for language, found in keys.items():
        assert found == keys["nl"], f"{language}: {sorted(found ^ keys['nl'])}"


def test_every_language_fills_the_same_parameters() -> None:
    for key, text in i18n.CATALOGUES["nl"].items():
        for language in ("fr", "en"):
            assert _fields(i18n.CATALOGUES[language][key]) == _fields(text), (language, key)


def test_no_text_is_empty_or_left_in_english() -> None:
    same = {
        k
        for k, v in i18n.CATALOGUES["nl"].items()
        if v == i18n.CATALOGUES["en"][k] and not k.startswith(("lang.", "common.brand"))
    }
    # words that Dutch and English share (Contact, Privacy, Document, ...), nothing longer
    assert all(len(i18n.CATALOGUES["nl"][k].split()) <= 3 for k in same), sorted(same)
    assert all(text.strip() for messages in i18n.CATALOGUES.values() for text in messages.values())


def test_translate_fills_parameters_and_falls_back_to_dutch() -> None:
    assert i18n.translate("fr", "register.step", step=3) == "Étape 3 sur 6"
    assert i18n.translate("de", "login.submit") == "Aanmelden"
    assert i18n.translate("fr-BE", "login.password") == "Mot de passe"
    with pytest.raises(KeyError):
        i18n.translate("nl", "no.such.key")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-BE,fr;q=0.9,en;q=0.8", "fr"),
        ("de-DE,de;q=0.9,en;q=0.5", "en"),
        ("en;q=0.4, nl-BE;q=0.8", "nl"),
        ("de", None),
        ("fr;q=0, en", "en"),
        ("", None),
        ("fr;q=abc, nl", "nl"),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


def test_choice_order() -> None:
    assert i18n.choose("en", "fr", "nl", "fr") == "en"
    assert i18n.choose(None, "fr", "en", "nl") == "fr"
    assert i18n.choose("xx", None, "en", "fr") == "en"
    assert i18n.choose(None, None, None, "fr-BE") == "fr"
    assert i18n.choose() == "nl"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "€\u00a01.234,56"), ("fr", "1\u202f234,56\u00a0€"), ("en", "€1,234.56")],
)
def test_money(language: str, expected: str) -> None:
    assert money(Decimal("1234.555"), language) == expected


def test_money_small_negative_and_none() -> None:
    assert money(Decimal(-5), "nl") == "€\u00a0-5,00"
    assert money(Decimal(-5), "en") == "-€5.00"
    assert money(Decimal("0.5"), "fr") == "0,50\u00a0€"
    assert money(None, "nl") == ""


def test_dates_and_numbers() -> None:
    assert day(date(2026, 3, 7), "nl") == "07/03/2026"
    assert day(date(2026, 3, 7), "fr") == "07/03/2026"
    assert day(date(2026, 3, 7), "en") == "7 March 2026"
    assert day("2026-12-02T10:00:00", "nl") == "02/12/2026"
    assert number(45210, "nl") == "45.210"
    assert number(45210, "fr") == "45\u202f210"
    assert number(45210, "en") == "45,210"
