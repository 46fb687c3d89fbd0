from django.db import transaction
from django_tasks import task

from sas.diagnostic.models import Diagnostic

from . import services
from .situation import ENTREES


@task()
def estimer_droits(diagnostic_id):
    services.estimer(Diagnostic.objects.select_related("parcours__jeune").get(pk=diagnostic_id))


def estimer_apres_enregistrement(sender, *, diagnostic, codes, **kwargs):
    """Receiver of `reponses_enregistrees`: a change of the screening's inputs queues a new screening, so that the
    counsellor finds it ready."""
    if ENTREES & set(codes):
        transaction.on_commit(lambda: estimer_droits.enqueue(diagnostic.pk))
