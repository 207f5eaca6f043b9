"""The texts of the portal terms versions (PT-10, PT-12): one per version and language.

`PortalTermsVersionPublished` says which version applies from when; what it says is kept
here with its SHA-256 (PT-17), so the portal shows, prints and e-mails the very text the
Customer accepted. `FIRST_VERSION` is what a new installation publishes: a short summary
of the portal terms in the service's own words, for the lessor to replace.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final

from psycopg import sql

from infra.portal.tables import create, table

if TYPE_CHECKING:
    from collections.abc import Mapping

    from eventsourcing.postgres import PostgresDatastore

LANGUAGES: Final = ("nl", "fr", "en")
MAX_TERMS_TEXT: Final = 100_000
"""Characters of one version's text in one language (an input bound)."""
FIRST_VERSION: Final = "2025.1"
FIRST_TEXTS: Final[Mapping[str, str]] = {
    "nl": (
        "Gebruiksvoorwaarden van Mijn Financial Services (versie 2025.1).\n\n"
        "1. Het portaal is er voor klanten met een lopende of recent beëindigde lease- of "
        "financieringsovereenkomst; het is gratis.\n"
        "2. U registreert zich met uw klantnummer en een code die we sturen naar het "
        "gsm-nummer dat we van u kennen.\n"
        "3. Houd uw wachtwoord geheim. Vermoedt u dat iemand anders het kent, meld het dan "
        "meteen: we blokkeren dan uw toegang tot u een nieuw wachtwoord kiest.\n"
        "4. Berichten via het portaal gelden als schriftelijke mededeling, ook voor "
        "kilometerstanden en schademeldingen.\n"
        "5. Wijzigen deze voorwaarden, dan mailen we u de nieuwe versie; vanaf de "
        "ingangsdatum gebruikt u het portaal pas na aanvaarding.\n"
        "6. De toegang eindigt 18 maanden nadat uw laatste overeenkomst afliep."
    ),
    "fr": (
        "Conditions d'utilisation de Mijn Financial Services (version 2025.1).\n\n"
        "1. Le portail est destiné aux clients ayant un contrat de leasing ou de financement "
        "en cours ou récemment terminé ; il est gratuit.\n"
        "2. Vous vous inscrivez avec votre numéro de client et un code envoyé au numéro de "
        "GSM que nous connaissons.\n"
        "3. Gardez votre mot de passe secret. Si vous pensez qu'un tiers le connaît, "
        "signalez-le immédiatement : nous bloquons l'accès jusqu'au choix d'un nouveau mot "
        "de passe.\n"
        "4. Un message envoyé par le portail vaut communication écrite, y compris pour les "
        "relevés kilométriques et les déclarations de dommages.\n"
        "5. Si ces conditions changent, nous vous envoyons la nouvelle version par e-mail ; "
        "à partir de sa date d'entrée en vigueur, le portail n'est utilisable qu'après "
        "acceptation.\n"
        "6. L'accès prend fin 18 mois après la fin de votre dernier contrat."
    ),
    "en": (
        "Terms of use of Mijn Financial Services (version 2025.1).\n\n"
        "1. The portal is for customers with a running or recently ended lease or financing "
        "agreement; it is free of charge.\n"
        "2. You register with your customer number and a code sent to the mobile number we "
        "have on record.\n"
        "3. Keep your password secret. If you think someone else knows it, tell us at once: "
        "access is blocked until you choose a new password.\n"
        "4. A message sent through the portal counts as a written notice, including odometer "
        "readings and damage reports.\n"
        "5. When these terms change we e-mail you the new version; from its effective date "
        "you use the portal only after accepting it.\n"
        "6. Access ends 18 months after your last agreement ended."
    ),
}


def text_hash(text: str) -> str:
    """The SHA-256 hex of a terms text (PT-17)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TermsTexts:
    """The texts of the portal terms versions, by version and language."""

    def __init__(
        self, datastore: PostgresDatastore, table_name: str = "portal_terms_texts"
    ) -> None:
        self.datastore = datastore
        name = table(datastore, table_name)
        create(
            datastore,
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (version text NOT NULL, language text NOT NULL,"
                " text text NOT NULL, content_hash text NOT NULL,"
                " PRIMARY KEY (version, language))"
            ).format(name),
        )
        self._insert = sql.SQL(
            "INSERT INTO {} VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"
        ).format(name)
        self._select = sql.SQL(
            "SELECT text, content_hash FROM {} WHERE version = %s AND language = %s"
        ).format(name)

    def put(self, version: str, texts: Mapping[str, str]) -> None:
        """Keep a version's texts, one per language (a stored text is never replaced)."""
        for language, text in texts.items():
            if language not in LANGUAGES:
                raise ValueError(f"texts.{language}: the languages are {', '.join(LANGUAGES)}")
            if not 0 < len(text) <= MAX_TERMS_TEXT:
                raise ValueError(f"texts.{language}: must have 1 to {MAX_TERMS_TEXT} characters")
        with self.datastore.transaction(commit=True) as curs:
            for language, text in texts.items():
                curs.execute(self._insert, (version, language, text, text_hash(text)))

    def get(self, version: str, language: str) -> tuple[str, str] | None:
        """(text, content hash) of `version` in `language`, else in Dutch; None if unknown."""
        with self.datastore.transaction(commit=False) as curs:
            for lang in (language, "nl"):
                curs.execute(self._select, (version, lang))
                row = curs.fetchone()
                if row is not None:
                    return row["text"], row["content_hash"]
        return None
