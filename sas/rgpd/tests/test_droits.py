import json

import pytest
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage.services import assigner
from sas.audit.models import Action, AuditEntry
from sas.espace_jeune.testing import verifier
from sas.jeunes.models import Jeune
from sas.messagerie.models import Message
from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.parcours.models import Signalement
from sas.rgpd import services
from sas.rgpd.models import DemandeEffacement, Reclamation

pytestmark = pytest.mark.django_db


def url(nom, lien, *args):
    return reverse(f"rgpd:{nom}", args=[lien.token, *args])


def test_the_page_asks_who_they_are_first(client, lien):
    response = client.get(url("jeune", lien))
    assert "Vérifions que c'est bien vous" in response.content.decode()
    assert "Benali" not in response.content.decode()
    assert client.get(url("jeune_export_json", lien)).status_code == 200
    assert "Benali" not in client.get(url("jeune_export_json", lien)).content.decode()


def test_the_young_person_downloads_everything_in_french_and_json(client, lien, parcours):
    verifier(client, lien)
    response = client.get(url("jeune_export_json", lien))
    assert response["Content-Disposition"].startswith('attachment; filename="mes-donnees-sas-')
    donnees = json.loads(response.content)
    assert donnees["Identité"]["Nom"] == "Benali"
    assert donnees["Coordonnées et préférences"]["Téléphone"] == "+33612345678"
    assert [s["Qui"] for s in donnees["Qui vous a signalé"]] == ["ASE du Rhône"]
    assert len(donnees["Votre parcours"]) == parcours.events.count()
    html = client.get(url("jeune_export", lien)).content.decode()
    assert "<h2>Qui vous a signalé</h2>" in html and "Fin de prise en charge ASE à la majorité" in html
    assert lien.token not in html, "the bearer link never goes into a file"
    exports = AuditEntry.objects.filter(action=Action.EXPORT, jeune_ids=[parcours.jeune_id])
    assert sorted(e.detail["format"] for e in exports) == ["html", "json"]


def test_a_new_phone_is_used_only_once_its_code_came_back(client, lien, parcours, fournisseur_sms):
    verifier(client, lien)
    response = client.post(url("jeune_coordonnees", lien), {"canal": "sms", "valeur": "07 11 22 33 44"})
    assert response.status_code == 302
    [requete] = fournisseur_sms.requetes
    assert requete["json"]["recipient"].endswith("711223344")
    lien.refresh_from_db()
    code = lien.code_verification()
    assert code in requete["json"]["content"]
    assert Jeune.objects.get(pk=parcours.jeune_id).telephone == "+33612345678", "not before the code"

    faux = "000000" if code != "000000" else "111111"
    assert client.post(url("jeune_confirmer", lien), {"code": faux}).status_code == 400
    assert Jeune.objects.get(pk=parcours.jeune_id).telephone == "+33612345678"
    assert client.post(url("jeune_confirmer", lien), {"code": code}).status_code == 302
    assert Jeune.objects.get(pk=parcours.jeune_id).telephone == "+33711223344"
    # The code is spent.
    assert client.post(url("jeune_confirmer", lien), {"code": code}).status_code == 400


def test_a_wrong_number_is_refused_in_plain_french(client, lien):
    verifier(client, lien)
    response = client.post(url("jeune_coordonnees", lien), {"canal": "sms", "valeur": "12"})
    assert response.status_code == 400
    assert "pas valable : il commence par 06 ou 07" in response.content.decode()
    assert not Message.objects.filter(gabarit="code_coordonnee").exists()


def test_erasure_asked_then_done_by_the_counsellor(client, lien, parcours, aiguilleur, smtp_server):
    verifier(client, lien)
    assert client.post(url("jeune_effacement", lien), {}).status_code == 400
    assert client.post(url("jeune_effacement", lien), {"confirmation": "on"}).status_code == 302
    client.post(url("jeune_effacement", lien), {"confirmation": "on"})
    demande = DemandeEffacement.objects.get()

    client.force_login(aiguilleur)
    page = client.get(reverse("rgpd:conseiller", args=[parcours.uuid])).content.decode()
    assert "Effacer les données du jeune" in page
    client.post(reverse("rgpd:conseiller_effacer", args=[parcours.uuid]))

    demande.refresh_from_db()
    assert demande.traitee_par == aiguilleur
    jeune = Jeune.objects.get(pk=parcours.jeune_id)
    assert jeune.anonymised_at and (jeune.prenom, jeune.nom, jeune.telephone) == ("", "", "")
    assert Signalement.objects.get(parcours=parcours).motif == ""
    dernier = Message.objects.get(gabarit="effacement_fait")
    assert dernier.status == "envoye" and dernier.corps == "", "told, then its text erased too"
    # The journey page still opens for the counsellor, and the link opens nothing any more.
    assert client.get(reverse("parcours:detail", args=[parcours.uuid])).status_code == 200
    client.logout()
    assert client.get(reverse("espace_jeune:page", args=[lien.token])).status_code == 410


def test_a_complaint_is_answered_on_the_young_persons_page(client, lien, parcours, aiguilleur):
    verifier(client, lien)
    assert client.post(url("jeune_reclamation", lien), {"texte": " "}).status_code == 400
    client.post(url("jeune_reclamation", lien), {"texte": "Mon nom est mal écrit"})
    reclamation = Reclamation.objects.get()
    page = client.get(url("jeune", lien)).content.decode()
    assert f"Réponse au plus tard le {timezone.localtime(reclamation.repondre_avant).day}" in page

    client.force_login(aiguilleur)
    client.post(reverse("rgpd:conseiller_repondre", args=[reclamation.pk]), {"texte": "Corrigé, merci."})
    reclamation.refresh_from_db()
    assert (reclamation.reponse, reclamation.repondue_par) == ("Corrigé, merci.", aiguilleur)
    client.logout()
    verifier(client, lien)
    assert "Corrigé, merci." in client.get(url("jeune", lien)).content.decode()


def test_the_lists_still_show_an_anonymised_person(client, parcours, aiguilleur, ase, territory):
    services.effacer(services.demander_effacement(parcours), actor=aiguilleur)
    client.force_login(aiguilleur)
    for onglet in ("", "?onglet=clos", "?statut=consentement_retire"):
        assert client.get(reverse("parcours:file_active") + onglet).status_code == 200
    assert client.get(reverse("rgpd:conseiller", args=[parcours.uuid])).status_code == 200
    client.force_login(member(Role.PRESCRIPTEUR, ase))
    assert client.get(reverse("parcours:mes_signalements")).status_code == 200
    client.force_login(member(Role.PILOTE, territory=territory))
    assert client.get(reverse("parcours:indicateurs")).status_code == 200


def test_a_letter_request_after_stop_is_erased_and_the_counsellor_is_told_to_write(client, parcours, aiguilleur):
    Jeune.objects.filter(pk=parcours.jeune_id).update(messages_arretes_le=parcours.created_at)
    client.force_login(aiguilleur)
    url_page = reverse("rgpd:conseiller", args=[parcours.uuid])
    client.post(reverse("rgpd:conseiller_demande", args=[parcours.uuid]), {})
    assert not DemandeEffacement.objects.exists(), "the identity check must be confirmed"
    client.post(reverse("rgpd:conseiller_demande", args=[parcours.uuid]), {"confirmation": "on"})
    assert DemandeEffacement.objects.get().via == "courrier"
    response = client.post(reverse("rgpd:conseiller_effacer", args=[parcours.uuid]), follow=True)
    assert response.redirect_chain[-1][0] == url_page
    assert "prévenez-le par courrier" in response.content.decode()
    assert Jeune.objects.get(pk=parcours.jeune_id).anonymised_at is not None
    assert not Message.objects.filter(gabarit="effacement_fait").exists()


def _courriels(smtp_server, sujet):
    return {m["To"]: m for m in smtp_server if sujet in m["Subject"]}


def test_an_erasure_request_emails_the_territorys_team_when_the_journey_has_no_counsellor(
    client, lien, parcours, aiguilleur, equipe, territory, smtp_server
):
    collegue = member(Role.AIGUILLEUR, equipe)
    ailleurs = member(Role.AIGUILLEUR)
    verifier(client, lien)
    client.post(url("jeune_effacement", lien), {"confirmation": "on"})
    # A second click asks nothing more, and tells nobody again.
    client.post(url("jeune_effacement", lien), {"confirmation": "on"})

    recus = _courriels(smtp_server, "demande l'effacement")
    assert set(recus) == {aiguilleur.email, collegue.email}
    assert ailleurs.email not in recus
    demande = DemandeEffacement.objects.get()
    corps = recus[aiguilleur.email].get_content()
    assert recus[aiguilleur.email]["Subject"].strip() == "SAS : Inès demande l'effacement de ses données"
    assert f"avant le {timezone.localtime(demande.repondre_avant):%d/%m/%Y}" in corps
    assert reverse("parcours:detail", args=[parcours.uuid]) in corps
    # The first name only: neither the name nor the phone.
    assert "Benali" not in corps and "612345678" not in corps


def test_a_complaint_emails_the_journeys_counsellor_without_its_text(
    client, lien, parcours, aiguilleur, equipe, smtp_server
):
    member(Role.AIGUILLEUR, equipe)
    assigner(parcours, aiguilleur, actor=aiguilleur)
    verifier(client, lien)
    client.post(url("jeune_reclamation", lien), {"texte": "Mon nom est mal écrit"})

    recus = _courriels(smtp_server, "réclamation")
    assert list(recus) == [aiguilleur.email]
    corps = recus[aiguilleur.email].get_content()
    assert f"Bonjour {aiguilleur.first_name}," in corps and "Inès a déposé une réclamation" in corps
    assert "mal écrit" not in corps and "Benali" not in corps
    assert reverse("parcours:detail", args=[parcours.uuid]) in corps


def test_a_request_recorded_by_the_counsellor_is_not_emailed_to_them(client, parcours, aiguilleur, smtp_server):
    client.force_login(aiguilleur)
    client.post(reverse("rgpd:conseiller_demande", args=[parcours.uuid]), {"confirmation": "on"})
    assert DemandeEffacement.objects.filter(parcours=parcours).exists()
    assert not _courriels(smtp_server, "effacement")
