"""Issue 14, audit: every admin page that shows a young person's data audits its reads. A model newly registered in
the admin that holds (or points, within two links, to) a young person's record fails here until its admin audits."""

from django.contrib import admin

from sas.audit.admin import AuditeLecturesAdmin
from sas.jeunes.models import Jeune


def _mene_a_un_jeune(model, profondeur=2):
    if model is Jeune:
        return True
    if profondeur == 0:
        return False
    return any(
        _mene_a_un_jeune(champ.related_model, profondeur - 1)
        for champ in model._meta.get_fields()
        if champ.many_to_one or champ.one_to_one and champ.concrete
    )


def test_every_admin_of_a_young_persons_data_audits_its_reads():
    personnelles = {model for model in admin.site._registry if _mene_a_un_jeune(model)}
    assert {m._meta.label_lower for m in personnelles} >= {"messagerie.message", "messagerie.canalinvalide"}
    non_auditees = sorted(
        model._meta.label_lower
        for model in personnelles
        if not isinstance(admin.site._registry[model], AuditeLecturesAdmin)
    )
    assert non_auditees == []
