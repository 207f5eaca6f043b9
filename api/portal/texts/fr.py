"""French (Belgian) texts of the portal."""

MESSAGES: dict[str, str] = {
    "lang.nl": "Nederlands",
    "lang.fr": "Français",
    "lang.en": "English",
    "common.brand": "Mijn Financial Services",
    "common.skip": "Aller au contenu",
    "common.language": "Langue",
    "common.required": "Les champs marqués d'un * sont obligatoires.",
    "common.back": "Retour",
    "common.not_available": "non disponible",
    "nav.label": "Menu principal",
    "nav.contracts": "Mes contrats",
    "nav.messages": "Messages",
    "nav.profile": "Profil",
    "nav.logout": "Se déconnecter",
    "footer.contact": "Contact",
    "footer.email": "E-mail",
    "footer.phone": "Téléphone",
    "footer.hours": "Chaque jour ouvrable de 8 h 30 à 18 h",
    "footer.security": "Vos obligations de sécurité",
    "footer.terms": "Conditions d'utilisation",
    "footer.privacy": "Vie privée",
    "login.title": "Se connecter",
    "login.intro": "Connectez-vous avec l'adresse e-mail et le mot de passe choisis lors de "
    "votre inscription.",
    "login.email": "Adresse e-mail",
    "login.password": "Mot de passe",
    "login.submit": "Se connecter",
    "login.error": "L'adresse e-mail ou le mot de passe est incorrect, ou l'accès est "
    "temporairement bloqué. Réessayez plus tard.",
    "login.register": "Pas encore de compte ? Inscrivez-vous",
    "login.no_code": "Code non reçu ?",
    "register.step": "Étape {step} sur 6",
    "number.title": "Inscription : votre numéro de client",
    "number.intro": "Votre numéro de client figure sur votre contrat et sur chaque facture.",
    "number.label": "Numéro de client",
    "number.submit": "Suivant",
    "number.not_recognised": "Nous ne reconnaissons pas ce numéro de client. "
    "Veuillez nous contacter.",
    "code.title": "Introduisez le code",
    "code.intro": "Nous avons envoyé un code de 6 chiffres par SMS au {mobile}. "
    "Le code est valable 10 minutes.",
    "code.label": "Code (6 chiffres)",
    "code.submit": "Confirmer",
    "code.resend": "Envoyer un nouveau code",
    "code.invalid": "Ce code est incorrect ou n'est plus valable.",
    "code.no_code": "Pas reçu de code ?",
    "code.no_code_help": "Vérifiez que votre téléphone est allumé et capte le réseau. "
    "Si le code n'arrive toujours pas, contactez-nous :",
    "credentials.title": "Vos données et votre mot de passe",
    "credentials.first_name": "Prénom",
    "credentials.last_name": "Nom",
    "credentials.email": "Adresse e-mail (votre nom d'utilisateur)",
    "credentials.password": "Mot de passe",
    "credentials.password_hint": "Au moins 12 caractères. Une phrase de quelques mots est "
    "facile à retenir et difficile à deviner. N'utilisez pas un mot de passe que vous "
    "utilisez ailleurs.",
    "credentials.submit": "Suivant",
    "terms.title": "Conditions d'utilisation",
    "terms.version": "Version {version}, en vigueur à partir du {effective}",
    "terms.intro": "Lisez les conditions et acceptez-les pour utiliser le portail.",
    "terms.accept": "J'accepte",
    "terms.reject": "Je n'accepte pas",
    "terms.reject_warning": "Sans accepter les conditions, vous ne pouvez pas utiliser le portail.",
    "terms.print": "Imprimer ou télécharger les conditions (PDF)",
    "terms.changed": "Les conditions ont changé. Acceptez la nouvelle version pour continuer.",
    "security.title": "Données de sécurité",
    "security.intro": "Pour confirmer que vous êtes bien le client, introduisez le numéro de "
    "l'un de vos contrats.",
    "security.contract_number": "Numéro de contrat",
    "security.submit": "Suivant",
    "contact.title": "Contact",
    "contact.intro": "Votre numéro de client n'est pas reconnu ou vous n'avez pas reçu de "
    "code ? Notre équipe vous aide volontiers.",
    "duties.title": "Vos obligations de sécurité",
    "duties.intro": "Vous contribuez à la sécurité de votre accès. Pour cela :",
    "duties.lock": "Verrouillez votre smartphone, tablette ou ordinateur par un code, une "
    "empreinte digitale ou la reconnaissance faciale, et ne le laissez jamais déverrouillé.",
    "duties.malware": "Protégez votre appareil contre les virus et logiciels malveillants : "
    "installez les mises à jour et utilisez un logiciel de sécurité à jour.",
    "duties.logout": "Déconnectez-vous toujours quand vous avez terminé, surtout sur un "
    "appareil partagé.",
    "duties.password": "Choisissez un mot de passe personnel que vous n'utilisez nulle part "
    "ailleurs, gardez-le pour vous et changez-le régulièrement.",
    "duties.wifi": "N'utilisez pas de réseau wifi public ou non sécurisé pour le portail.",
    "duties.suspicious": "Vous pensez que quelqu'un d'autre connaît votre nom d'utilisateur "
    "ou votre mot de passe ? Prévenez-nous immédiatement et signalez l'accès suspect dans "
    "votre profil.",
    "contracts.title": "Mes contrats",
    "contracts.empty": "Vous n'avez pas encore de contrat.",
    "contracts.number": "Contrat",
    "contracts.state": "État",
    "contracts.start": "Début",
    "contracts.end": "Fin",
    "contracts.open": "Consulter",
    "contract.title": "Contrat {number}",
    "contract.as_of": "Chiffres au {date}",
    "contract.state": "État",
    "contract.start": "Date de début",
    "contract.end": "Date de fin contractuelle",
    "contract.term": "Durée",
    "contract.months": "{months} mois",
    "contract.km": "Kilomètres",
    "contract.km_driven": "Parcourus",
    "contract.km_allowance": "Autorisés à ce jour",
    "contract.km_cap": "Maximum",
    "contract.km_summary": "{driven} km parcourus sur {allowance} km autorisés à ce jour ; "
    "maximum {cap} km",
    "contract.km_last": "Dernier relevé : {km} km le {date}",
    "contract.km_unknown": "Pas encore de relevé kilométrique.",
    "contract.money": "Montants",
    "contract.remaining_capital": "Capital restant",
    "contract.next_instalment": "Prochaine échéance",
    "contract.next_instalment_on": "{amount} pour la période à partir du {date}",
    "contract.open_balance": "Solde ouvert",
    "contract.overdue": "Dont échu",
    "contract.credit_owed": "En votre faveur",
    "contract.documents": "Documents",
    "contract.no_documents": "Pas encore de documents.",
    "contract.document": "Document",
    "contract.type": "Type",
    "contract.issued": "Date",
    "contract.amount": "Montant",
    "contract.open": "Ouvert",
    "contract.hash": "Empreinte du contenu (SHA-256)",
    "contract.html": "Consulter",
    "contract.pdf": "PDF",
    "contract.timeline": "Historique",
    "status.CONCLUDED": "Conclu",
    "status.ORDERED": "Véhicule commandé",
    "status.READY_FOR_HANDOVER": "Prêt pour la livraison",
    "status.HANDOVER_SUSPENDED": "Livraison suspendue",
    "status.ACTIVE": "En cours",
    "status.THEFT_PENDING": "Vol déclaré",
    "status.SUSPENDED": "Suspendu",
    "status.EARLY_TERMINATION_PENDING": "Résiliation anticipée demandée",
    "status.ENDED_AWAITING_RETURN": "Terminé, véhicule à restituer",
    "status.RETURNED": "Véhicule restitué",
    "status.IN_SETTLEMENT": "Décompte final",
    "status.CLOSED": "Clôturé",
    "doctype.SPECIAL_CONDITIONS": "Conditions particulières",
    "doctype.CONTRACT_ADJUSTMENT": "Avenant au contrat",
    "doctype.INVOICE": "Facture",
    "doctype.CREDIT_NOTE": "Note de crédit",
    "doctype.DEBIT_NOTE": "Note de débit",
    "doctype.NOTICE": "Notification",
    "doctype.FUEL_STATEMENT": "Relevé de carburant",
    "doctype.RETURN_REPORT": "Rapport de restitution",
    "doctype.OTHER": "Document",
    "messages.title": "Messages",
    "messages.threads": "Vos conversations",
    "messages.empty": "Pas encore de messages.",
    "messages.from_you": "Vous",
    "messages.from_lessor": "BMW Financial Services",
    "messages.new": "Nouveau message",
    "messages.contract": "Numéro de contrat (facultatif)",
    "messages.body": "Votre message",
    "messages.report": "Joindre une déclaration (facultatif)",
    "messages.report_none": "Pas de déclaration",
    "messages.report_odometer": "Relevé kilométrique",
    "messages.report_incident": "Incident (dégâts, vol, panne)",
    "messages.km": "Relevé du compteur (km)",
    "messages.date": "Date du relevé ou de l'incident",
    "messages.submit": "Envoyer",
    "messages.sent": "Votre message a été envoyé.",
    "profile.title": "Profil",
    "profile.language": "Langue du portail et de nos messages",
    "profile.save": "Enregistrer",
    "profile.saved": "Votre choix a été enregistré.",
    "profile.suspicious": "Signaler un accès suspect",
    "profile.suspicious_intro": "Vous pensez que quelqu'un d'autre connaît votre nom "
    "d'utilisateur ou votre mot de passe ? Signalez-le : nous mettons fin à toutes les "
    "sessions et vous choisissez un nouveau mot de passe.",
    "profile.description": "Que s'est-il passé ? (facultatif)",
    "profile.report": "Signaler un accès suspect",
    "suspicious.title": "Signalement reçu",
    "suspicious.body": "Merci. Toutes les sessions ont été fermées et votre mot de passe "
    "n'est plus valable. Nous vous avons envoyé les instructions pour en choisir un nouveau.",
    "suspicious.login": "Retour à la connexion",
    "error.title": "Un problème est survenu",
    "error.403": "Cette action n'est pas autorisée.",
    "error.404": "Cette page n'existe pas.",
    "error.500": "Le portail n'a pas pu répondre. Réessayez plus tard.",
    "error.csrf": "Le formulaire a expiré ou n'est pas valable (champ {field}). Rechargez "
    "la page et réessayez.",
    "error.home": "Aller à la page d'accueil",
    "dev.title": "Notifications envoyées (développement uniquement)",
    "dev.warning": "Cette page n'existe qu'en développement. Elle montre les SMS et e-mails "
    "que le service a fait envoyer.",
    "dev.empty": "Pas encore de notifications.",
    "dev.kind": "Type",
    "dev.to": "Destinataire",
    "dev.template": "Modèle",
    "dev.language": "Langue",
    "dev.parameters": "Paramètres",
    "dev.at": "Envoyé le",
    "code.wrong": "Ce code n'est pas correct. Il vous reste {left} essai(s).",
    "code.void": (
        "Ce code a été mal saisi trop souvent et ne fonctionne plus. Demandez un nouveau code."
    ),
    "code.expired": "Ce code a expiré. Demandez un nouveau code.",
    "code.rate_limited": (
        "Vous avez déjà demandé 3 codes au cours de la dernière heure. Réessayez après {time}."
    ),
    "code.no_mobile": "Nous ne connaissons pas votre numéro de GSM. Veuillez nous contacter.",
    "code.report_missing": "Signaler que le code n'est pas arrivé",
    "credentials.password_short": "Le mot de passe doit compter au moins 12 caractères.",
    "credentials.password_long": "Le mot de passe peut compter au maximum 256 caractères.",
    "credentials.email_invalid": "Indiquez une adresse e-mail valable.",
    "credentials.email_taken": (
        "Cette adresse e-mail ne peut pas être utilisée. Choisissez-en une autre."
    ),
    "credentials.name_invalid": (
        "Indiquez votre prénom et votre nom (100 caractères au maximum chacun)."
    ),
    "security.mismatch": "Ce numéro de contrat ne correspond pas à votre numéro de client.",
    "register.restart": "Recommencez l'inscription avec votre numéro de client.",
    "access.revoked": "Votre accès au portail a été arrêté. Veuillez nous contacter.",
    "terms.rejected": (
        "Vous avez refusé les conditions modifiées ; votre accès au portail est arrêté."
    ),
    "messages.not_yours": "Ce numéro de contrat n'est pas le vôtre.",
    "messages.km_needed": "Indiquez le kilométrage, la date du relevé et le numéro de contrat.",
    "messages.refused": "Le kilométrage n'a pas pu être enregistré : {reason}",
    "maintenance.notice": (
        "Maintenance prévue du {start} au {end} : le portail peut alors être indisponible."
    ),
    "transfer.title": "Transfert des conditions d'utilisation",
    "transfer.question": (
        "Les conditions d'utilisation du portail sont transférées à {transferee}, qui "
        "reprend l'activité. Êtes-vous d'accord ?"
    ),
    "transfer.consent": "J'accepte",
    "transfer.refuse": "Je refuse",
    "privacy.title": "Vie privée et cookies",
    "privacy.use": (
        "L'utilisation du portail implique votre accord au traitement de vos données "
        "selon notre politique de vie privée : nous les utilisons pour gérer vos contrats"
        " et vous donner accès."
    ),
    "privacy.data": (
        "Votre nom, votre adresse e-mail et votre numéro de GSM sont conservés à part de "
        "l'historique de votre contrat, pour pouvoir les effacer à la fin du délai de "
        "conservation. Nous ne conservons jamais votre mot de passe, seulement une "
        "empreinte irréversible."
    ),
    "privacy.cookies": (
        "Le portail n'utilise que deux cookies nécessaires : l'un pour votre session (il "
        "expire après 15 minutes sans activité), l'autre pour la langue choisie. Aucun "
        "cookie publicitaire ni statistique."
    ),
    "privacy.accuracy": (
        "En utilisant le portail, vous confirmez que les données que vous nous fournissez"
        " sont exactes. Si elles changent, prévenez-nous."
    ),
}
