"""Logging in: who must give a second factor, and the password reset e-mail (sent through messagerie, its link built
only as it leaves)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import user_has_device

from sas.limites import Limite
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import MASQUE, Destinataire

NATURE_LIEN = "connexion.reinitialisation"
GABARIT = "reinitialisation_mot_de_passe"
# Reset e-mails per account: nobody fills someone's inbox from the form.
reinitialisations = Limite("connexion_reinitialisation", limit=3, window=3600)


def second_facteur_obligatoire(user):
    """Staff and admins always; another professional once they have set one up."""
    return user.is_staff or user.is_superuser or user_has_device(user)


def envoyer_reinitialisation(user, adresse, *, at=None):
    """Queue the reset e-mail for the worker (the answer to the form never waits on, nor tells about, an e-mail
    server). Returns the Message, or None past the account's limit."""
    at = at or timezone.now()
    if reinitialisations.exceeded(user.pk):
        return None
    reinitialisations.hit(user.pk)
    # The route's two parts (the account's id and the token) stand as one mask in the stored text.
    lien = settings.SAS_SITE_URL + reverse("connexion:reinitialiser", args=["uid", "jeton"]).replace(
        "uid/jeton", MASQUE
    )
    return messagerie.envoyer_courriel_pro(
        adresse,
        GABARIT,
        {"lien": lien},
        nature=Destinataire.PROFESSIONNEL,
        cle=f"reinitialisation-{user.pk}-{at:%Y%m%dT%H%M%S.%f}",
        lien=(NATURE_LIEN, user.pk),
        at=at,
        en_file=True,
    )


class _LienAEnvoyer:
    """Nothing to note once the provider answered: the token is stored nowhere, and one that went nowhere is
    simply never used."""

    def __init__(self, chemin):
        self.remplacements = {MASQUE: chemin}

    def envoye(self, at):
        pass

    def echoue(self, at, erreur):
        pass


class RenduLienReinitialisation:
    """Registered with messagerie (apps.py): the reset token is made as the e-mail leaves, so that the stored
    message, which staff may read, holds none. It stops working once the password has changed."""

    def preparer(self, message, at):
        user = get_user_model().objects.filter(pk=message.lien_objet, is_active=True).first()
        if user is None or not user.has_usable_password():
            return None
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        return _LienAEnvoyer(f"{uid}/{default_token_generator.make_token(user)}")
