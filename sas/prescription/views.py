from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sas.parcours.models import SignalementSource
from sas.permissions import prescriber_organisations
from sas.pilotage.svg import entonnoir
from sas.secret_statistique import Cellule

from .forms import SignalementForm
from .models import PrescripteurPreferences
from .services import signaler
from .stats import stages_reached


@login_required
def signalement_form(request):
    organisations = prescriber_organisations(request.user)
    form = SignalementForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            signaler(
                form.signalement_data(),
                source=SignalementSource.PRESCRIPTEUR,
                organisation=form.organisation,
                created_by=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # What the prescriber typed, never what SAS already knew of the person.
            prenom = form.cleaned_data["prenom"].strip()
            messages.success(
                request,
                f"Signalement de {prenom} enregistré. L'équipe SAS tentera un premier contact sous 72 heures ; "
                "vous suivrez ici chaque étape.",
            )
            return redirect("parcours:mes_signalements")
    return render(request, "prescription/signalement_form.html", {"form": form, "title": "Signaler un jeune"})


@login_required
@require_POST
def digest_preference(request):
    prescriber_organisations(request.user)
    wanted = request.POST.get("digest_hebdo") == "on"
    PrescripteurPreferences.objects.update_or_create(user=request.user, defaults={"digest_hebdo": wanted})
    messages.success(request, "Résumé hebdomadaire activé." if wanted else "Résumé hebdomadaire désactivé.")
    return redirect("parcours:mes_signalements")


def _avec_entonnoir(organisation):
    """The organisation's figures and their drawing: its own signalements, which it already sees one by one."""
    total, stages = stages_reached(organisation)
    rangs = [("Signalés", Cellule(total)), *((label, Cellule(n)) for label, n in stages)]
    titre = f"{organisation.nom} : jeunes signalés arrivés à chaque étape"
    return organisation, (total, stages), entonnoir(rangs, ident=f"entonnoir-{organisation.pk}", titre=titre)


@login_required
def statistiques(request):
    """How far the people each of the user's organisations signalled went, computed from events."""
    organisations = prescriber_organisations(request.user)
    return render(
        request,
        "prescription/statistiques.html",
        {"rows": [_avec_entonnoir(org) for org in organisations], "title": "Statistiques de ma structure"},
    )
