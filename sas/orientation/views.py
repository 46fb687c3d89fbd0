"""Counsellor pages (aiguilleur of the journey's territory), the young person's choice (their signed link), and the
receiving structure's pages (an account, or a magic link that opens one referral only). Views stay thin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from sas.annuaire.presentation import fiche
from sas.audit.models import Action, record
from sas.csv_export import csv_response
from sas.espace_jeune.views import avec_lien, avec_lien_verifie
from sas.limites import Limite, par_lien
from sas.organisations.models import Role
from sas.permissions import (
    organisations_for_role,
    orientations_for_aiguilleur,
    orientations_for_structure,
    parcours_du_conseiller,
    require_role,
)

from . import recues as recues_liste
from . import retrait, services
from .forms import (
    ChoixConseillerForm,
    ChoixJeuneForm,
    FiltreRecuesForm,
    FiltresForm,
    MotifForm,
    RdvForm,
    RencontreForm,
    RetraitConseillerForm,
    RetraitJeuneForm,
)
from .indicators import reactivite_des_organisations
from .models import ActorKind, LienStructure, Orientation, OrientationStatus


def _orientation_conseiller(request, pk):
    queryset = orientations_for_aiguilleur(request.user)
    return get_object_or_404(queryset.select_related("parcours__jeune", "structure", "service"), pk=pk)


def _erreur(request, error):
    messages.error(request, " ".join(error.messages))


@login_required
def parcours(request, uuid):
    """Rank the directory for this young person, propose up to three services, follow the referrals."""
    parcours = parcours_du_conseiller(request.user, uuid, "jeune__commune")
    filtres_form = FiltresForm(request.GET or None)
    filtres = filtres_form.filtres()
    propositions = services.classer(parcours, filtres)
    relaxations = [] if propositions else services.relaxations(parcours, filtres)
    orientations = list(
        parcours.orientations.select_related("structure", "service").prefetch_related("events").order_by("-envoyee_le")
    )
    suggestion = None
    if orientations and orientations[0].finale and orientations[0].status != OrientationStatus.PRISE_EN_CHARGE:
        suggestion = services.suggestion(parcours, filtres)
    record(request.user, Action.CONSULTATION, parcours, [parcours.jeune_id], page="orientation")
    return render(
        request,
        "orientation/parcours.html",
        {
            "title": f"Orientation de {parcours.jeune.prenom}",
            "parcours": parcours,
            "filtres_form": filtres_form,
            "propositions": propositions,
            "relaxations": relaxations,
            "ouvertes": list(services.propositions_ouvertes(parcours)),
            "orientations": orientations,
            "suggestion": suggestion,
            "peut_proposer": parcours.status in services.PEUT_PROPOSER,
            "choix_form": ChoixConseillerForm(),
            "motif_form": MotifForm(),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def proposer(request, uuid):
    parcours = parcours_du_conseiller(request.user, uuid, "jeune__commune")
    wanted = set(request.POST.getlist("services"))
    # The explanations are computed again here: nothing the browser sends is shown to the young person.
    ranking = services.classer(parcours, FiltresForm(request.GET or None).filtres())
    chosen = [p for p in ranking if str(p.service_id) in wanted]
    try:
        services.proposer(parcours, chosen, actor=request.user)
    except ValidationError as error:
        _erreur(request, error)
    else:
        record(request.user, Action.CREATION, parcours, [parcours.jeune_id], page="orientation", propose=len(chosen))
        messages.success(request, "Services proposés : le jeune les voit sur sa page et a reçu un message.")
    return redirect("orientation:parcours", uuid=parcours.uuid)


@login_required
@require_POST
def choisir_pour_le_jeune(request, uuid, pk):
    """The young person chose with the counsellor (interview, phone): their oral consent is recorded."""
    parcours = parcours_du_conseiller(request.user, uuid, "jeune__commune")
    proposition = get_object_or_404(parcours.propositions, pk=pk)
    form = ChoixConseillerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("orientation:parcours", uuid=parcours.uuid)
    try:
        orientation = services.choisir(
            proposition,
            partager_diagnostic=form.cleaned_data["partager_diagnostic"],
            actor_kind=ActorKind.CONSEILLER,
            actor=request.user,
        )
    except ValidationError as error:
        _erreur(request, error)
    else:
        record(request.user, Action.CREATION, orientation, [parcours.jeune_id])
        messages.success(request, f"Orientation envoyée à {orientation.structure.nom}.")
    return redirect("orientation:parcours", uuid=parcours.uuid)


@login_required
@require_POST
def annuler(request, pk):
    orientation = _orientation_conseiller(request, pk)
    form = MotifForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Indiquez le motif.")
        services.annuler(
            orientation,
            actor_kind=ActorKind.CONSEILLER,
            reason=form.cleaned_data["motif"],
            precision=form.cleaned_data["precision"],
            actor=request.user,
        )
    except ValidationError as error:
        _erreur(request, error)
    else:
        record(
            request.user,
            Action.TRANSITION,
            orientation,
            [orientation.parcours.jeune_id],
            vers=OrientationStatus.ANNULEE,
        )
        messages.success(request, "Orientation annulée.")
    return redirect("orientation:parcours", uuid=orientation.parcours.uuid)


@login_required
@require_POST
def renvoyer(request, pk):
    """Send the structure a fresh link (after a failed e-mail, or when they lost it)."""
    orientation = _orientation_conseiller(request, pk)
    if orientation.finale:
        messages.error(request, "Cette orientation est terminée.")
    else:
        event = services.notifier_structure(orientation, raison="relance")
        if event is not None and event.kind == "echec_courriel":
            messages.error(request, "Le courriel n'a pas pu partir : vérifiez l'adresse de la structure.")
        else:
            messages.success(request, "Un nouveau lien a été envoyé à la structure.")
    return redirect("orientation:parcours", uuid=orientation.parcours.uuid)


@login_required
def retrait_conseiller(request, uuid):
    """The counsellor, with the young person, withdraws their consent: for everything, or for one structure."""
    parcours = parcours_du_conseiller(request.user, uuid, "jeune__commune")
    data = request.POST if request.method == "POST" else None
    form = RetraitConseillerForm(data, structures=retrait.structures_retirables(parcours))
    if request.method == "POST" and form.is_valid():
        try:
            fait = retrait.retirer_consentement(
                parcours, structure=form.structure(), actor_kind=ActorKind.CONSEILLER, actor=request.user
            )
        except ValidationError as error:
            _erreur(request, error)
        else:
            if fait.structure:
                messages.success(
                    request, f"Accord retiré pour « {fait.structure.nom} » ; ses orientations sont annulées."
                )
            else:
                messages.success(request, "Consentement retiré : orientations annulées, liens et messages arrêtés.")
            return redirect("parcours:detail", uuid=parcours.uuid)
    record(request.user, Action.CONSULTATION, parcours, [parcours.jeune_id], page="retrait")
    context = {"title": f"Retrait du consentement de {parcours.jeune.prenom}", "parcours": parcours, "form": form}
    return render(request, "orientation/retrait.html", context, status=400 if form.errors else 200)


# The young person's choice, from their signed link.


@avec_lien_verifie
def jeune(request, lien):
    parcours = lien.parcours
    commune = parcours.jeune.commune
    record(None, Action.CONSULTATION, parcours, [parcours.jeune_id], via="page", page="orientation")
    return render(
        request,
        "orientation/jeune.html",
        {
            "title": "Les structures proposées",
            "lien": lien,
            "parcours": parcours,
            "ouvertes": [(p, fiche(p.service, commune)) for p in services.propositions_ouvertes(parcours)],
            "orientation": parcours.orientations.select_related("structure", "service").first(),
            "a_confirmer": services.a_demander_au_jeune(parcours),
            "retirables": list(retrait.structures_retirables(parcours)),
            "form": ChoixJeuneForm(),
            "rencontre_form": RencontreForm(),
        },
    )


@require_POST
@avec_lien_verifie
def jeune_choisir(request, lien, pk):
    parcours = lien.parcours
    proposition = get_object_or_404(parcours.propositions, pk=pk)
    form = ChoixJeuneForm(request.POST)
    form.is_valid()
    try:
        orientation = services.choisir(
            proposition,
            partager_diagnostic=form.cleaned_data.get("partager_diagnostic", False),
            actor_kind=ActorKind.JEUNE,
        )
    except ValidationError as error:
        _erreur(request, error)
    else:
        record(None, Action.CREATION, orientation, [parcours.jeune_id], via="page")
        messages.success(
            request, f"C'est envoyé à {orientation.structure.nom}. Nous vous dirons leur réponse par message."
        )
    return redirect("orientation:jeune", token=lien.token)


@require_POST
@avec_lien_verifie
def jeune_rencontre(request, lien):
    orientation = services.a_demander_au_jeune(lien.parcours)
    form = RencontreForm(request.POST)
    if orientation is not None and form.is_valid():
        services.rencontre_confirmee_par_jeune(orientation, rencontre=form.cleaned_data["rencontre"])
        record(None, Action.MODIFICATION, orientation, [lien.parcours.jeune_id], via="page")
        messages.success(request, "Merci, votre réponse est enregistrée.")
    return redirect("orientation:jeune", token=lien.token)


@avec_lien
def jeune_retrait(request, lien):
    """ "Retirer mon accord", for everything: what it implies, then a confirmed POST."""
    parcours = lien.parcours
    form = RetraitJeuneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        retrait.retirer_consentement(parcours, actor_kind=ActorKind.JEUNE)
        # The link no longer opens anything: this page is the last one it shows.
        return render(request, "orientation/jeune_retrait_fait.html", {"title": "Votre accord est retiré"})
    record(None, Action.CONSULTATION, parcours, [parcours.jeune_id], via="page", page="retrait")
    context = {"title": "Retirer mon accord", "lien": lien, "form": form}
    return render(request, "orientation/jeune_retrait.html", context, status=400 if form.errors else 200)


@require_POST
@avec_lien_verifie
def jeune_retrait_structure(request, lien, pk):
    """The young person withdraws their agreement for one structure only (their page stays open)."""
    structure = get_object_or_404(retrait.structures_retirables(lien.parcours), pk=pk)
    if not RetraitJeuneForm(request.POST).is_valid():
        messages.error(request, "Cochez la case pour confirmer que vous retirez votre accord.")
    else:
        retrait.retirer_consentement(lien.parcours, structure=structure, actor_kind=ActorKind.JEUNE)
        messages.success(request, f"C'est fait : « {structure.nom} » ne reçoit plus vos informations.")
    return redirect("orientation:jeune", token=lien.token)


# The receiving structure: with an account, or through the magic link. Opening a page never marks the referral
# "vue" (e-mail scanners open links too): the first explicit action does.

ACTIONS = {
    "vue": lambda o, form, actor: services.voir(o, actor=actor),
    "accepter": lambda o, form, actor: services.accepter(o, actor=actor),
    "refuser": lambda o, form, actor: services.refuser(
        o, reason=form.cleaned_data["motif"], precision=form.cleaned_data["precision"], actor=actor
    ),
    "rdv": lambda o, form, actor: services.fixer_rdv(o, form.cleaned_data["le"], actor=actor),
    "prise_en_charge": lambda o, form, actor: services.confirmer_prise_en_charge(o, actor=actor),
    "annuler": lambda o, form, actor: services.annuler(
        o,
        actor_kind=ActorKind.STRUCTURE,
        reason=form.cleaned_data["motif"],
        precision=form.cleaned_data["precision"],
        actor=actor,
    ),
}
FORMS = {"refuser": MotifForm, "annuler": MotifForm, "rdv": RdvForm}
SUCCES = {
    "vue": "C'est noté : l'équipe SAS sait que vous avez pris connaissance de l'orientation.",
    "accepter": "Orientation acceptée. Fixez maintenant le premier rendez-vous.",
    "refuser": "Refus enregistré : le conseiller SAS propose une autre solution au jeune.",
    "rdv": "Premier rendez-vous enregistré : le jeune est prévenu.",
    "prise_en_charge": "Prise en charge confirmée. Merci !",
    "annuler": "C'est noté : le conseiller SAS reprend contact avec le jeune.",
}


def _agir(request, orientation, action, actor):
    """Run one action of the structure; a repeated click on a step already done is not an error."""
    if action not in ACTIONS:
        raise PermissionDenied
    form = FORMS[action](request.POST) if action in FORMS else None
    if form is not None and not form.is_valid():
        return form
    try:
        # Any answer shows the referral was read: "vue" first, once.
        services.voir(orientation, actor=actor)
        ACTIONS[action](orientation, form, actor)
    except ValidationError as error:
        orientation.refresh_from_db()
        if action == "accepter" and orientation.status in {
            OrientationStatus.ACCEPTEE,
            OrientationStatus.RDV_FIXE,
            OrientationStatus.PRISE_EN_CHARGE,
        }:
            messages.info(request, "Cette orientation est déjà acceptée.")
        else:
            _erreur(request, error)
    else:
        record(actor, Action.TRANSITION, orientation, [orientation.parcours.jeune_id], etape=action)
        messages.success(request, SUCCES[action])
    return None


def _page_structure(request, orientation, *, lien=None, forms=None):
    forms = forms or {}
    partage = services.partage_visible(orientation)
    return render(
        request,
        "orientation/structure.html",
        {
            "title": f"Orientation de {partage.get('identite', {}).get('prenom', 'un jeune')}",
            "orientation": orientation,
            "partage": partage,
            "lien": lien,
            "motif_form": forms.get("refuser") or forms.get("annuler") or MotifForm(),
            "rdv_form": forms.get("rdv") or RdvForm(),
        },
        status=400 if forms else 200,
    )


# Wrong magic links, per address, apart from the young people's counters. A structure's token names no referral
# (only its hash is stored), so a wrong one can only be counted against who sent it; it has 256 bits, the limit
# only keeps one caller from trying many.
liens_errones = Limite.reglable(
    "orientation_lien_structure_ip",
    limit=("SAS_LIEN_STRUCTURE_IP_LIMIT", 30),
    window=("SAS_LIEN_STRUCTURE_WINDOW", 900),
)


def _lien_invalide(request, token):
    context = {"title": "Lien non valable", "annulee": LienStructure.annulee(token)}
    return render(request, "orientation/lien_invalide.html", context, status=410)


_lien_structure = par_lien(liens_errones, LienStructure.trouver, _lien_invalide)


@_lien_structure
def lien(request, token, orientation):
    record(None, Action.CONSULTATION, orientation, [orientation.parcours.jeune_id], via="lien_structure")
    return _page_structure(request, orientation, lien=token)


@require_POST
@_lien_structure
def lien_agir(request, token, orientation, action):
    form = _agir(request, orientation, action, None)
    if form is not None:
        return _page_structure(request, orientation, lien=token, forms={action: form})
    # Once the referral is over the link no longer opens it: show where things stand instead.
    if LienStructure.trouver(token) is None:
        context = {"title": "Orientation terminée", "orientation": orientation}
        return render(request, "orientation/termine.html", context)
    return redirect("orientation:lien", token=token)


def _recues(request):
    require_role(request.user, Role.STRUCTURE)
    return orientations_for_structure(request.user).select_related("structure", "service")


@login_required
def recues(request):
    require_role(request.user, Role.STRUCTURE)
    form = FiltreRecuesForm(request.GET)
    filtres = form.filtres()
    found = recues_liste.liste(request.user, page=request.GET.get("page"), **filtres)
    jeune_ids = sorted({ligne.orientation.parcours.jeune_id for ligne in found.lignes})
    record(request.user, Action.LISTE, Orientation, jeune_ids, page="orientations_recues")
    organisations = organisations_for_role(request.user, Role.STRUCTURE)
    context = {
        "title": "Orientations reçues",
        "liste": found,
        "form": form,
        "filtres": filtres,
        "organisations": organisations,
        "reactivites": reactivite_des_organisations(organisations),
    }
    return render(request, "orientation/recues.html", context)


@login_required
def recues_csv(request):
    """The list of the page for the same filters, every page of it, as a file."""
    require_role(request.user, Role.STRUCTURE)
    filtres = FiltreRecuesForm(request.GET).filtres()
    rows, jeune_ids = recues_liste.export(request.user, **filtres)
    record(
        request.user,
        Action.EXPORT,
        Orientation,
        jeune_ids,
        page="orientations_recues",
        status=filtres["status"],
        lignes=len(rows),
    )
    return csv_response(f"orientations-recues-{timezone.localdate():%Y-%m-%d}.csv", recues_liste.ENTETE, rows)


@login_required
def recue(request, pk):
    orientation = get_object_or_404(_recues(request).select_related("parcours__jeune"), pk=pk)
    record(request.user, Action.CONSULTATION, orientation, [orientation.parcours.jeune_id])
    return _page_structure(request, orientation)


@login_required
@require_POST
def recue_agir(request, pk, action):
    orientation = get_object_or_404(_recues(request).select_related("parcours__jeune"), pk=pk)
    form = _agir(request, orientation, action, request.user)
    if form is not None:
        return _page_structure(request, orientation, forms={action: form})
    return redirect("orientation:recue", pk=orientation.pk)
