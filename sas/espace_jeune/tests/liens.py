"""The ways a young person's link stops working, shared by the tests of what such a link can no longer do."""

import datetime

from django.utils import timezone

from sas.espace_jeune.models import LienJeune
from sas.parcours.models import Parcours
from sas.parcours.status import Status


def forged(token):
    """The same link with one character of its signature changed."""
    last = token[-1]
    return token[:-1] + ("a" if last != "a" else "b")


def inutilisable(lien, parcours, case):
    """The token to try once `lien` is made unusable in the way `case` names (or a token that never was one)."""
    token = lien.token
    if case == "expired":
        LienJeune.objects.filter(pk=lien.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif case == "revoked":
        lien.revoquer()
    elif case == "forged":
        token = forged(token)
    elif case == "unknown":
        token = LienJeune(pk=lien.pk + 1000).token
    elif case == "garbage":
        token = "pas-un-code!"
    elif case == "anonymised":
        type(parcours.jeune).objects.filter(pk=parcours.jeune_id).update(anonymised_at=timezone.now())
    elif case == "withdrawn":
        Parcours.objects.filter(pk=parcours.pk).update(status=Status.CONSENTEMENT_RETIRE)
    return token
