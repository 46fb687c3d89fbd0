"""The young person's data and rights: their page (behind their link and the birth-date check) and the counsellor's
side of the same requests. Views stay thin; services.py acts and audits."""

import json
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from sas.espace_jeune.views import avec_lien_verifie
from sas.organisations.models import Role
from sas.orientation import retrait
from sas.permissions import parcours_du_conseiller, reclamations_for_aiguilleur, role_required

from . import services
from .forms import CodeForm, CoordonneeForm, DemandeCourrierForm, EffacementForm, ReclamationForm, ReponseForm
from .models import DELAI_REPONSE, Via

EXTENSIONS = {"html", "json"}


def _lignes(donnees, prefixe=""):
    """[(label, text)] of a dict, nested dicts flattened as "Section : question"."""
    lignes = []
    for label, valeur in donnees.items():
        nom = f"{prefixe}{label}"
        if isinstance(valeur, dict):
            lignes += _lignes(valeur, f"{nom} : ")
        elif isinstance(valeur, list):
            lignes.append((nom, ", ".join(map(str, valeur))))
        elif valeur not in ("", None):
            lignes.append((nom, valeur))
    return lignes


def _sections(donnees):
    """The export as the HTML file lays it out: a heading per section, one block per item."""
    sections = []
    for titre, contenu in donnees.items():
        if isinstance(contenu, dict):
            sections.append((titre, [_lignes(contenu)]))
        elif isinstance(contenu, list):
            sections.append((titre, [_lignes(item) for item in contenu]))
    return sections


def _export(request, parcours, extension):
    if extension not in EXTENSIONS:
        raise Http404
    donnees = services.export(parcours)
    if extension == "json":
        contenu, type_ = json.dumps(donnees, ensure_ascii=False, indent=2), "application/json"
    else:
        contexte = {
            "sections": _sections(donnees),
            "titre": donnees["Données SAS de"],
            "produit_le": donnees["Produit le"],
        }
        contenu, type_ = render_to_string("rgpd/export.html", contexte, request=request), "text/html"
    response = HttpResponse(contenu, content_type=f"{type_}; charset=utf-8")
    nom = f"mes-donnees-sas-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    return response


# The young person, from their link.


def _page(request, lien, *, coordonnee_form=None, code_form=None, reclamation_form=None, status=200):
    parcours = lien.parcours
    context = {
        "title": "Mes données",
        "lien": lien,
        "token": lien.token,
        "jeune": parcours.jeune,
        "coordonnee_form": coordonnee_form or CoordonneeForm(),
        "changement": services.en_attente(lien),
        "code_form": code_form or CodeForm(),
        "reclamation_form": reclamation_form or ReclamationForm(),
        "reclamations": parcours.reclamations.all(),
        "demande_effacement": parcours.demandes_effacement.filter(traitee_le__isnull=True).first(),
        "recus": [(o, ", ".join(o.partage)) for o in parcours.orientations.select_related("structure")],
        "retirables": {s.pk for s in retrait.structures_retirables(parcours)},
        "delai_jours": DELAI_REPONSE.days,
    }
    return render(request, "rgpd/jeune.html", context, status=status)


@avec_lien_verifie
def jeune(request, lien):
    services.record_consultation(lien.parcours)
    return _page(request, lien)


@avec_lien_verifie
def jeune_export(request, lien, extension):
    response = _export(request, lien.parcours, extension)
    services.auditer_export(lien.parcours, actor=None, via=Via.PAGE, extension=extension)
    return response


def _retour(lien, ancre=""):
    return redirect(f"{redirect('rgpd:jeune', token=lien.token).url}{ancre}")


def _formulaire_poste(form_class, nom):
    """A form of the young person's data page posted, given to the view once valid; an invalid one comes back on
    the page (as its `nom` argument) with its errors."""

    def decorator(view):
        @require_POST
        @avec_lien_verifie
        @wraps(view)
        def action(request, lien):
            form = form_class(request.POST)
            if not form.is_valid():
                return _page(request, lien, status=400, **{nom: form})
            return view(request, lien, form)

        return action

    return decorator


@_formulaire_poste(CoordonneeForm, "coordonnee_form")
def jeune_coordonnees(request, lien, form):
    try:
        changement = services.demander_changement(lien, form.cleaned_data["canal"], form.cleaned_data["valeur"])
    except ValidationError as error:
        form.add_error("valeur", error)
        return _page(request, lien, coordonnee_form=form, status=400)
    if changement is None:
        messages.error(request, "Nous ne pouvons pas envoyer de code pour l'instant : réessayez dans une heure.")
        return _page(request, lien, coordonnee_form=form, status=429)
    messages.success(request, "Un code vient d'être envoyé à cette nouvelle adresse. Il est valable 10 minutes.")
    return _retour(lien, "#coordonnees")


@require_POST
@avec_lien_verifie
def jeune_confirmer(request, lien):
    form = CodeForm(request.POST)
    if form.is_valid() and services.confirmer_changement(lien, form.cleaned_data["code"]):
        messages.success(request, "C'est fait : nous utiliserons désormais vos nouvelles coordonnées.")
        return _retour(lien, "#coordonnees")
    if form.is_valid():
        form.add_error("code", "Ce code n'est pas le bon, ou il a expiré.")
    return _page(request, lien, code_form=form, status=400)


@avec_lien_verifie
def jeune_effacement(request, lien):
    form = EffacementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.demander_effacement(lien.parcours)
        messages.success(
            request,
            f"Votre demande est envoyée. Votre conseiller la traitera dans les {DELAI_REPONSE.days} jours et vous "
            "préviendra quand ce sera fait.",
        )
        return _retour(lien)
    context = {"title": "Effacer mes données", "lien": lien, "form": form, "delai_jours": DELAI_REPONSE.days}
    return render(request, "rgpd/jeune_effacement.html", context, status=400 if form.errors else 200)


@_formulaire_poste(ReclamationForm, "reclamation_form")
def jeune_reclamation(request, lien, form):
    reclamation = services.deposer_reclamation(lien.parcours, form.cleaned_data["texte"])
    messages.success(
        request,
        f"Votre réclamation est envoyée. Vous aurez une réponse ici avant le {reclamation.repondre_avant:%d/%m/%Y}.",
    )
    return _retour(lien, "#reclamations")


# The counsellor of the territory.


@role_required(Role.AIGUILLEUR)
def conseiller(request, uuid):
    parcours = parcours_du_conseiller(request.user, uuid, "jeune")
    services.record_consultation(parcours, actor=request.user)
    context = {
        "title": "Données et droits du jeune",
        "parcours": parcours,
        "demande": parcours.demandes_effacement.filter(traitee_le__isnull=True).first(),
        "effacements_faits": parcours.demandes_effacement.filter(traitee_le__isnull=False),
        # One answer form per complaint, each with its own field ids.
        "reclamations": [(r, ReponseForm(auto_id=f"id_reponse_{r.pk}_%s")) for r in parcours.reclamations.all()],
        "courrier_form": DemandeCourrierForm(),
    }
    return render(request, "rgpd/conseiller.html", context)


@role_required(Role.AIGUILLEUR)
def conseiller_export(request, uuid, extension):
    """The same export, for a request made by letter or in person."""
    parcours = parcours_du_conseiller(request.user, uuid, "jeune")
    response = _export(request, parcours, extension)
    services.auditer_export(parcours, actor=request.user, via=Via.COURRIER, extension=extension)
    return response


@require_POST
@role_required(Role.AIGUILLEUR)
def conseiller_demande(request, uuid):
    """An erasure request received by letter or in person, recorded before it is handled."""
    parcours = parcours_du_conseiller(request.user, uuid, "jeune")
    if DemandeCourrierForm(request.POST).is_valid():
        services.demander_effacement(parcours, via=Via.COURRIER, actor=request.user)
        messages.success(request, "La demande d'effacement est enregistrée.")
    else:
        messages.error(request, "Cochez la case pour confirmer que l'identité du jeune a été vérifiée.")
    return redirect("rgpd:conseiller", uuid=parcours.uuid)


@require_POST
@role_required(Role.AIGUILLEUR)
def conseiller_effacer(request, uuid):
    parcours = parcours_du_conseiller(request.user, uuid, "jeune")
    demande = get_object_or_404(parcours.demandes_effacement.filter(traitee_le__isnull=True))
    if services.effacer(demande, actor=request.user):
        messages.success(request, "Les données du jeune sont effacées ; il en a été prévenu.")
    else:
        messages.warning(
            request,
            "Les données du jeune sont effacées. Aucun message n'a pu lui être envoyé : prévenez-le par courrier.",
        )
    return redirect("rgpd:conseiller", uuid=parcours.uuid)


@require_POST
@role_required(Role.AIGUILLEUR)
def conseiller_repondre(request, pk):
    reclamation = get_object_or_404(reclamations_for_aiguilleur(request.user).select_related("parcours"), pk=pk)
    form = ReponseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Écrivez votre réponse.")
        services.repondre(reclamation, form.cleaned_data["texte"], actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Votre réponse est enregistrée ; le jeune la lit sur sa page.")
    return redirect("rgpd:conseiller", uuid=reclamation.parcours.uuid)
