import pytest
from data_inclusion.schema import v1
from django.core.management import call_command

from sas.annuaire.imports import export_dump
from sas.annuaire.matching import ProfilJeune, classer
from sas.annuaire.models import Service, Structure
from sas.communes.models import Commune

pytestmark = pytest.mark.django_db


def test_demo_catalogue_is_valid_idempotent_and_matches(communes_reference, capsys):
    call_command("charger_annuaire_demo")
    assert not Structure.objects.exists()

    call_command("charger_annuaire_demo", "--wet-run")
    first = capsys.readouterr().out
    call_command("charger_annuaire_demo", "--wet-run")
    second = capsys.readouterr().out

    assert "Lignes rejetées : 0." in first
    assert "Services : 0 créés, 0 modifiés" in second
    assert Structure.objects.count() >= 20 and Service.objects.count() >= 25
    assert all(s.commune_cog_id and s.commune_cog_id.startswith("69") for s in Structure.objects.all())
    names = " ".join(Structure.objects.values_list("nom", flat=True))
    for kind in ("Mission locale", "deuxième chance", "EPIDE", "France Travail", "Point-justice"):
        assert kind in names
    dump = export_dump()
    assert all(v1.Service.model_validate(row) for row in dump["services"])

    vaulx = Commune.objects.get(code_insee="69256")
    propositions = classer(ProfilJeune.pour_commune(vaulx, thematiques=("mobilite--preparer-un-permis",), age=19))
    assert propositions and all("couvre mobilité" in p.explication for p in propositions)
