from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from sas.organisations.models import Organisation, Role
from sas.parcours.models import SignalementSource

from .forms import SignalementForm
from .services import signaler


def prescriber_organisations(user):
    if Role.PRESCRIPTEUR not in user.roles:
        raise PermissionDenied
    return Organisation.objects.filter(pk__in=user.organisation_ids(Role.PRESCRIPTEUR))


@login_required
def signalement_form(request):
    organisations = prescriber_organisations(request.user)
    form = SignalementForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            result = signaler(
                form.signalement_data(),
                source=SignalementSource.PRESCRIPTEUR,
                organisation=form.organisation,
                created_by=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            jeune = result.signalement.parcours.jeune
            messages.success(
                request,
                f"Signalement de {jeune.prenom} enregistré. L'équipe SAS tentera un premier contact sous 72 heures ; "
                "vous suivrez ici chaque étape.",
            )
            return redirect("parcours:mes_signalements")
    return render(request, "prescription/signalement_form.html", {"form": form, "title": "Signaler un jeune"})
