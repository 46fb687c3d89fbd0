from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sas.audit.models import Action, record
from sas.organisations.models import Role
from sas.parcours.models import Parcours

from . import services
from .forms import PublierCreneauxForm
from .models import Creneau, PrisPar, RendezVous, RendezVousStatut


def _equipes(request):
    """The aiguilleur's SAS teams; anyone else is refused."""
    if Role.AIGUILLEUR not in request.user.roles:
        raise PermissionDenied
    return request.user.organisation_ids(Role.AIGUILLEUR)


def _rendez_vous_visibles(user, equipes):
    """Appointments on the user's teams' slots, of journeys they may see: any other id is a 404."""
    return RendezVous.objects.filter(
        creneau__organisation_id__in=equipes, parcours__in=Parcours.objects.for_role(user, Role.AIGUILLEUR)
    ).select_related("creneau", "parcours__jeune")


def _suite(request, default):
    """Back to the page the action came from (the agenda or the journey page), never to another site."""
    suite = request.POST.get("suite", "")
    if url_has_allowed_host_and_scheme(suite, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(suite)
    return redirect(default)


@login_required
def agenda(request):
    equipes = _equipes(request)
    now = timezone.now()
    equipe = request.GET.get("vue") == "equipe"
    creneaux = Creneau.objects.filter(organisation_id__in=equipes, retire_le=None, debut__gt=now)
    creneaux = creneaux.select_related("conseiller")
    if not equipe:
        creneaux = creneaux.filter(conseiller=request.user)
    actifs = RendezVous.objects.exclude(statut=RendezVousStatut.ANNULE).select_related("parcours__jeune")
    creneaux = list(creneaux.prefetch_related(Prefetch("rendez_vous", queryset=actifs, to_attr="actifs")))
    for creneau in creneaux:
        creneau.rdv = creneau.actifs[0] if creneau.actifs else None
    a_constater = _rendez_vous_visibles(request.user, equipes).filter(
        statut=RendezVousStatut.CONFIRME, creneau__debut__lte=now
    )
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


@login_required
def publier(request):
    _equipes(request)
    organisations = services.organisations_du_conseiller(request.user)
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
    creneau = get_object_or_404(Creneau.objects.filter(organisation_id__in=_equipes(request), retire_le=None), pk=pk)
    try:
        services.retirer_creneau(creneau, auteur=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Le créneau du {creneau} est retiré.")
    return redirect("rendezvous:agenda")


@login_required
@require_POST
def reserver(request, uuid):
    _equipes(request)
    parcours = get_object_or_404(Parcours.objects.for_role(request.user, Role.AIGUILLEUR), uuid=uuid)
    detail = reverse("parcours:detail", args=[parcours.uuid])
    try:
        creneau_id = int(request.POST.get("creneau", ""))
    except ValueError:
        messages.error(request, "Choisissez un créneau.")
        return redirect(detail)
    creneau = get_object_or_404(Creneau.objects.filter(organisation__territory_id=parcours.territory_id), pk=creneau_id)
    try:
        rdv = services.reserver(parcours, creneau, par=PrisPar.CONSEILLER, auteur=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Rendez-vous pris le {rdv.creneau}. Le jeune reçoit une confirmation.")
    return redirect(detail)


def _agir(request, pk, action, success, **kwargs):
    rdv = get_object_or_404(_rendez_vous_visibles(request.user, _equipes(request)), pk=pk)
    try:
        action(rdv, auteur=request.user, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return _suite(request, "rendezvous:agenda")


@login_required
@require_POST
def constater(request, pk):
    issue = request.POST.get("issue")
    if issue not in (RendezVousStatut.HONORE, RendezVousStatut.MANQUE):
        _equipes(request)
        messages.error(request, "Indiquez si le rendez-vous a été honoré ou manqué.")
        return _suite(request, "rendezvous:agenda")
    success = {
        RendezVousStatut.HONORE: "C'est noté : rendez-vous honoré.",
        RendezVousStatut.MANQUE: "C'est noté. Le jeune reçoit un lien pour reprendre rendez-vous ; "
        "un appel puis une visite sont prévus si besoin.",
    }[issue]
    return _agir(request, pk, services.constater, success, statut=issue)


@login_required
@require_POST
def annuler(request, pk):
    return _agir(request, pk, services.annuler_rdv, "Le rendez-vous est annulé ; le créneau est de nouveau libre.")
