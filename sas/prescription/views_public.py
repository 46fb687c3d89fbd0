"""The public form: no account, and an answer that never tells whether the young person was already known."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from sas.limites import Limite, cle_ip, client_ip
from sas.parcours.models import SignalementSource

from .forms_public import HONEYPOT, PublicSignalementForm, Qui
from .services import signaler

SOURCES = {Qui.JEUNE: SignalementSource.JEUNE, Qui.PROCHE: SignalementSource.PROCHE}
TITLES = {Qui.JEUNE: "Demander à être recontacté", Qui.PROCHE: "Signaler un proche"}
# Forms sent (and bots caught by the honeypot) per address; a form with errors does not count.
formulaires_envoyes = Limite.reglable(
    "signalement_public", limit=("SAS_PUBLIC_FORM_LIMIT", 5), window=("SAS_PUBLIC_FORM_WINDOW", 3600)
)


def _merci(qui):
    return redirect(f"{reverse('public:merci')}?pour={qui}")


def formulaire(request):
    qui = request.GET.get("qui")
    if qui not in SOURCES:
        return render(request, "prescription/public_choix.html", {"title": "Signaler un jeune"})
    if request.method != "POST":
        form = PublicSignalementForm(qui=qui)
    else:
        ip = cle_ip(client_ip(request))
        if formulaires_envoyes.exceeded(ip):
            # Nothing recorded, but what the person typed stays on the page.
            initial = {k: v for k, v in request.POST.dict().items() if k not in ("csrfmiddlewaretoken", HONEYPOT)}
            context = {"form": PublicSignalementForm(initial=initial, qui=qui), "qui": qui, "title": TITLES[qui]}
            return render(
                request, "prescription/public_formulaire.html", {**context, "trop_de_demandes": True}, status=429
            )
        form = PublicSignalementForm(request.POST, qui=qui)
        if form.is_bot:
            formulaires_envoyes.hit(ip)
            return _merci(qui)
        if form.is_valid():
            try:
                signaler(form.signalement_data(), source=SOURCES[qui])
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                formulaires_envoyes.hit(ip)
                return _merci(qui)
    return render(request, "prescription/public_formulaire.html", {"form": form, "qui": qui, "title": TITLES[qui]})


def merci(request):
    return render(
        request, "prescription/public_merci.html", {"pour_soi": request.GET.get("pour") == Qui.JEUNE, "title": "Merci"}
    )
