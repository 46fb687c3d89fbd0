"""Sending e-mail: the only place the project builds and sends one (to young people, structures and prescribers
alike, always from a Message, through the worker)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .erreurs import ErreurDefinitive, ErreurTemporaire


def envoyer_courriel(message, texte):
    """Through Django's e-mail backend (SMTP in production)."""
    courriel = EmailMessage(
        subject=message.sujet,
        body=texte,
        to=[message.destinataire],
        headers={"Message-ID": f"<{message.tag}@sas>", "X-SAS-Message": message.tag},
    )
    # Without a timeout a silent SMTP server would hold the worker forever.
    connexion = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 30)
    try:
        connexion.send_messages([courriel])
    except smtplib.SMTPRecipientsRefused as error:
        raise ErreurDefinitive(f"Adresse refusée : {error.recipients}", canal_invalide=True) from None
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPSenderRefused):
            raise ErreurDefinitive(f"Courriel refusé ({error.smtp_code}) : {error.smtp_error!r}") from None
        raise ErreurTemporaire(f"Serveur de courriel ({error.smtp_code}) : {error.smtp_error!r}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise ErreurTemporaire(f"Serveur de courriel injoignable : {error}") from None
    return f"<{message.tag}@sas>"
