from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sas.audit.models import Action, record
from sas.organisations.models import Role
from sas.permissions import (
    creneaux_for_aiguilleur,
    organisations_for_role,
    parcours_for_role,
    rendez_vous_for_aiguilleur,
    require_role,
    role_required,
)

from . import services
from .forms import PublierCreneauxForm
from .models import Creneau, PrisPar, RendezVous, RendezVousStatus


def _rendez_vous_visibles(request):
    """The appointments the aiguilleur may act on: any other id is a 404; anyone else is refused."""
    require_role(request.user, Role.AIGUILLEUR)
    return rendez_vous_for_aiguilleur(request.user).select_related("creneau", "parcours__jeune")


def _suite(request, default):
    """Back to the page the action came from (the agenda or the journey page), never to another site."""
    suite = request.POST.get("suite", "")
    if url_has_allowed_host_and_scheme(suite, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(suite)
    return redirect(default)


@role_required(Role.AIGUILLEUR)
def agenda(request):
    now = timezone.now()
    equipe = request.GET.get("vue") == "equipe"
    creneaux = creneaux_for_aiguilleur(request.user).filter(retire_le=None, debut__gt=now)
    creneaux = creneaux.select_related("conseiller")
    if not equipe:
        creneaux = creneaux.filter(conseiller=request.user)
    actifs = RendezVous.objects.exclude(status=RendezVousStatus.ANNULE).select_related("parcours__jeune")
    creneaux = list(creneaux.prefetch_related(Prefetch("rendez_vous", queryset=actifs, to_attr="actifs")))
    for creneau in creneaux:
        creneau.rdv = creneau.actifs[0] if creneau.actifs else None
    a_constater = _rendez_vous_visibles(request).filter(status=RendezVousStatus.CONFIRME, creneau__debut__lte=now)
    if not equipe:
        a_constater = a_constater.filter(creneau__conseiller=request.user)
    a_constater = list(a_constater.order_by("creneau__debut", "pk"))
    jeunes = {c.rdv.parcours.jeune_id for c in creneaux if c.rdv} | {r.parcours.jeune_id for r in a_constater}
    record(request.user, Action.LISTE, "agenda_rendezvous", jeunes)
    context = {
        "creneaux": creneaux,
        "a_constater": a_constater,
        "equipe": equipe,
        "reserves": sum(1 for c in creneaux if c.rdv),
        "title": "Rendez-vous de l'équipe" if equipe else "Mes rendez-vous",
    }
    return render(request, "rendezvous/agenda.html", context)


@role_required(Role.AIGUILLEUR)
def publier(request):
    organisations = organisations_for_role(request.user, Role.AIGUILLEUR)
    form = PublierCreneauxForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            creneaux = services.publier_creneaux(
                request.user,
                form.chosen_organisation,
                date=data["date"],
                heure=data["heure"],
                duree=data["duree"],
                nombre=data["nombre"],
                modalite=data["modalite"],
                lieu=data["lieu"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            n = len(creneaux)
            messages.success(request, f"{n} créneau{'x' if n > 1 else ''} publié{'s' if n > 1 else ''}.")
            return redirect("rendezvous:agenda")
    return render(request, "rendezvous/publier.html", {"form": form, "title": "Publier des créneaux"})


@login_required
@require_POST
def retirer(request, pk):
    require_role(request.user, Role.AIGUILLEUR)
    creneau = get_object_or_404(creneaux_for_aiguilleur(request.user).filter(retire_le=None), pk=pk)
    try:
        services.retirer_creneau(creneau, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Le créneau du {creneau} est retiré.")
    return redirect("rendezvous:agenda")


@login_required
@require_POST
def reserver(request, uuid):
    require_role(request.user, Role.AIGUILLEUR)
    parcours = get_object_or_404(parcours_for_role(request.user, Role.AIGUILLEUR), uuid=uuid)
    detail = reverse("parcours:detail", args=[parcours.uuid])
    try:
        creneau_id = int(request.POST.get("creneau", ""))
    except ValueError:
        messages.error(request, "Choisissez un créneau.")
        return redirect(detail)
    creneau = get_object_or_404(Creneau.objects.filter(organisation__territory_id=parcours.territory_id), pk=creneau_id)
    try:
        rdv = services.reserver(parcours, creneau, pris_par=PrisPar.CONSEILLER, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Rendez-vous pris le {rdv.creneau}. Le jeune reçoit une confirmation.")
    return redirect(detail)


def _agir(request, pk, action, success, **kwargs):
    rdv = get_object_or_404(_rendez_vous_visibles(request), pk=pk)
    try:
        action(rdv, actor=request.user, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return _suite(request, "rendezvous:agenda")


@login_required
@require_POST
def constater(request, pk):
    issue = request.POST.get("issue")
    if issue not in (RendezVousStatus.HONORE, RendezVousStatus.MANQUE):
        # Someone else's appointment is a 404 whatever the form says.
        get_object_or_404(_rendez_vous_visibles(request), pk=pk)
        messages.error(request, "Indiquez si le rendez-vous a été honoré ou manqué.")
        return _suite(request, "rendezvous:agenda")
    success = {
        RendezVousStatus.HONORE: "C'est noté : rendez-vous honoré.",
        RendezVousStatus.MANQUE: "C'est noté. Le jeune reçoit un lien pour reprendre rendez-vous ; "
        "un appel puis une visite sont prévus si besoin.",
    }[issue]
    return _agir(request, pk, services.constater, success, status=issue)


@login_required
@require_POST
def annuler(request, pk):
    return _agir(request, pk, services.annuler_rdv, "Le rendez-vous est annulé ; le créneau est de nouveau libre.")
