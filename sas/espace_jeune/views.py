"""The young person's page: no account, the signed link is the key. Views stay thin; services.py acts."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sas.audit.models import Action, record
from sas.limites import client_ip
from sas.parcours.status import Status
from sas.parcours.transitions import TransitionError

from . import actions, services
from .forms import (
    AppelForm,
    CodeForm,
    CodeVerificationForm,
    CreneauForm,
    DateNaissanceForm,
    MessageForm,
    PreferencesForm,
    ReportForm,
    comment_creneau,
    describe_creneau,
    moments_keys,
    quand_creneau,
)


def _trop_de_codes(request):
    return render(request, "espace_jeune/trop_de_codes.html", {"title": "Trop d'essais"}, status=429)


def avec_lien(view):
    """Resolve the token to its journey, or answer with the "link no longer valid" page (and count the miss)."""

    @wraps(view)
    @never_cache
    def wrapper(request, token, *args, **kwargs):
        lien, bloque = services.ouvrir(token, client_ip(request))
        if bloque:
            response = _trop_de_codes(request)
        elif lien is None:
            response = render(request, "espace_jeune/lien_expire.html", {"title": "Lien expiré"}, status=410)
        else:
            response = view(request, lien, *args, **kwargs)
        # A personal page: kept out of shared caches and search engines.
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def lien_verifie(view):
    """Under a link decorator (`avec_lien` or its like): the view's sensitive content shows once this browser
    session answered the check for this link (birth date, or a code sent to the channel on file); until then,
    the check is shown instead and nothing of the view runs."""

    @wraps(view)
    @never_cache
    def wrapper(request, lien, *args, **kwargs):
        if services.est_verifie(request.session, lien):
            return view(request, lien, *args, **kwargs)
        suite = request.get_full_path() if request.method == "GET" else reverse("espace_jeune:page", args=[lien.token])
        return _verification(request, lien, suite, status=200 if request.method == "GET" else 403)

    return wrapper


def avec_lien_verifie(view):
    """The young person's link, then the check once per browser session: for pages that show the reasons of the
    signalement, the diagnostic or the services proposed."""
    return avec_lien(lien_verifie(view))


def _verification(request, lien, suite, *, form=None, status=200):
    ip = client_ip(request)
    if services.verrouille(lien, ip):
        return render(
            request, "espace_jeune/verification_bloquee.html", {"lien": lien, "title": "Trop d'essais"}, status=429
        )
    jeune = lien.parcours.jeune
    par_code = jeune.date_naissance is None
    if form is None:
        form = CodeVerificationForm() if par_code else DateNaissanceForm()
    context = {
        "title": "Vérifions que c'est bien vous",
        "lien": lien,
        "suite": suite,
        "form": form,
        "par_code": par_code,
        "code_envoye": par_code and lien.code_demande_le is not None,
        "canal_du_code": services.canal_du_code(jeune),
    }
    return render(request, "espace_jeune/verifier.html", context, status=status)


def _suite(request, lien):
    suite = request.POST.get("suite", "")
    if url_has_allowed_host_and_scheme(suite, allowed_hosts={request.get_host()}) and suite.startswith("/"):
        return suite
    return reverse("espace_jeune:page", args=[lien.token])


@require_POST
@avec_lien
def verifier(request, lien):
    suite, ip = _suite(request, lien), client_ip(request)
    if services.verrouille(lien, ip):
        return _verification(request, lien, suite)
    parcours = lien.parcours
    if parcours.jeune.date_naissance is None and "envoyer_code" in request.POST:
        if services.envoyer_code(lien) is None:
            messages.error(
                request, "Nous ne pouvons pas vous envoyer de code pour l'instant : appelez votre conseiller."
            )
        else:
            _audit(Action.CREATION, lien, parcours, "code_verification")
            messages.success(request, "Un code vient de vous être envoyé. Il est valable 10 minutes.")
        return _verification(request, lien, suite)
    form = (CodeVerificationForm if parcours.jeune.date_naissance is None else DateNaissanceForm)(request.POST)
    if not form.is_valid():
        return _verification(request, lien, suite, form=form, status=400)
    reussi = services.verifier(request.session, lien, ip, **form.cleaned_data)
    _audit(Action.CONSULTATION, lien, parcours, "verification", reussie=reussi)
    if reussi:
        return redirect(suite)
    field = next(iter(form.fields))
    form.add_error(
        field,
        "Ce code n'est pas le bon, ou il a expiré."
        if field == "code"
        else "Ce n'est pas la date que nous connaissons.",
    )
    return _verification(request, lien, suite, form=form, status=400)


@avec_lien_verifie
def pourquoi(request, lien):
    """Who signalled the young person and what they wrote, and by name who may see the file."""
    parcours = lien.parcours
    _audit(Action.CONSULTATION, parcours, parcours, "pourquoi")
    context = {
        "title": "Pourquoi nous vous contactons",
        "lien": lien,
        "signaleurs": services.signaleurs(parcours),
        "qui_voit": services.qui_voit(parcours),
    }
    return render(request, "espace_jeune/pourquoi.html", context)


@avec_lien_verifie
def droits(request, lien):
    """The young person's probable rights, once it is proved to be them: amounts tell about their income."""
    _audit(Action.CONSULTATION, lien.parcours, lien.parcours, "droits")
    context = {"title": "Les aides auxquelles vous avez peut-être droit", "lien": lien, "parcours": lien.parcours}
    return render(request, "espace_jeune/droits.html", context)


def _audit(action, obj, parcours, quoi, **detail):
    record(None, action, obj, [parcours.jeune_id], via="page", action_jeune=quoi, parcours=parcours.pk, **detail)


def _retour(lien):
    # No anchor: the confirmation or error is shown at the top of the page.
    return redirect("espace_jeune:page", token=lien.token)


def _confirmer(request, lien, texte):
    messages.success(request, texte)
    return _retour(lien)


def code(request):
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lien, bloque = services.ouvrir(form.cleaned_data["code"], client_ip(request))
        if bloque:
            return _trop_de_codes(request)
        if lien is not None:
            return _retour(lien)
        form.add_error(
            "code",
            "Ce code n'est pas valable ou a expiré. Vérifiez-le sur votre lettre, ou demandez-en un nouveau "
            "à l'équipe SAS.",
        )
    return render(request, "espace_jeune/code.html", {"form": form, "title": "Accéder à mon espace"})


def _url_or_none(name, token):
    try:
        return reverse(name, args=[token])
    except NoReverseMatch:
        return None


# Slots shown with the primary action on a phone's first screen; the others are folded under it.
CRENEAUX_EN_PREMIER = 3


@avec_lien
def page(request, lien):
    return _page(request, lien)


def _page(request, lien, *, message_form=None, status=200):
    parcours, now = lien.parcours, timezone.now()
    jeune = parcours.jeune
    rdv = services.rendez_vous_a_venir(parcours, at=now)
    creneaux = services.creneaux(parcours, at=now)
    consentement = services.consentement(parcours, at=now)
    refuse = parcours.status == Status.REFUS_DU_JEUNE
    diagnostic_fait = services.diagnostic_fait(parcours)
    action = actions.action_attendue(
        parcours,
        lien,
        # Past the interview, they have taken part: the page no longer asks whether they agree to start.
        a_accepte=(consentement is not None or diagnostic_fait) and not refuse,
        peut_prendre_rendez_vous=bool(creneaux) and rdv is None and not refuse and not diagnostic_fait,
    )
    creneau_form = CreneauForm(creneaux=creneaux) if creneaux else None
    choix = [(c.pk, quand_creneau(c), comment_creneau(c)) for c in creneaux]
    context = {
        # Not the first name: the title shows in the history of a shared phone.
        "title": "Mon espace SAS",
        "lien": lien,
        "token": lien.token,
        "parcours": parcours,
        "jeune": jeune,
        "action": action,
        # What the first screen does not already ask for, folded.
        "rendez_vous_plie": not refuse
        and (action is None or action.cle != actions.RENDEZ_VOUS)
        and (rdv is not None or creneau_form is not None),
        "accord_plie": not refuse and (action is None or action.cle != actions.ACCEPTER),
        "qui_voit": services.qui_voit(parcours, at=now),
        "consentement": consentement,
        "consentement_declare": None if consentement else services.consentement_declare(parcours, at=now),
        "refuse": refuse,
        "messages_arretes": jeune.messages_arretes_le is not None,
        "reporte_jusqu_au": services.reporte_jusqu_au(parcours, at=now),
        "preferences_form": PreferencesForm(
            initial={"canal_prefere": jeune.canal_prefere, "moments_preferes": moments_keys(jeune.moments_preferes)}
        ),
        "appel_form": AppelForm(initial={"moments_preferes": moments_keys(jeune.moments_preferes)}),
        "report_form": ReportForm(initial={"mois": "3"}),
        "message_form": message_form or MessageForm(),
        "rdv": rdv,
        "rdv_texte": describe_creneau(rdv.creneau) if rdv else "",
        "creneau_form": creneau_form,
        "creneaux_en_premier": choix[:CRENEAUX_EN_PREMIER],
        "creneaux_ensuite": choix[CRENEAUX_EN_PREMIER:],
        "creneaux_tous": choix,
        "diagnostic_preparer": _url_or_none("diagnostic:jeune_preparer", lien.token),
        "diagnostic_synthese": _url_or_none("diagnostic:jeune_synthese", lien.token) if diagnostic_fait else None,
        "expire_le": lien.expires_at,
        "verifie": services.est_verifie(request.session, lien),
    }
    _audit(Action.CONSULTATION, parcours, parcours, "ouverture")
    return render(request, "espace_jeune/page.html", context, status=status)


def _action(view):
    return require_POST(avec_lien(view))


def _action_formulaire(form_class, erreur):
    """An action on a posted form, given its cleaned data; an invalid form shows `erreur` (one plain sentence for the
    whole form) and goes back to the page."""

    def decorator(view):
        @_action
        @wraps(view)
        def action(request, lien):
            form = form_class(request.POST)
            if not form.is_valid():
                messages.error(request, erreur)
                return _retour(lien)
            return view(request, lien, form.cleaned_data)

        return action

    return decorator


@_action
def accepter(request, lien):
    consent = services.accepter(lien.parcours)
    _audit(Action.CREATION, consent, lien.parcours, "accepter")
    return _confirmer(request, lien, "Merci. L'équipe SAS va vous contacter.")


def _apres_confirmation(gabarit, titre):
    """A step the young person confirms first: the link's GET shows the page that asks, only its POST acts."""

    def decorator(action):
        @avec_lien
        @wraps(action)
        def view(request, lien):
            if request.method != "POST":
                return render(request, gabarit, {"lien": lien, "title": titre})
            return action(request, lien)

        return view

    return decorator


@_apres_confirmation("espace_jeune/refuser.html", "Dire non")
def refuser(request, lien):
    try:
        services.refuser(lien.parcours)
    except TransitionError:
        messages.error(request, "Votre accompagnement est déjà en cours : parlez-en à votre conseiller.")
        return _retour(lien)
    _audit(Action.TRANSITION, lien.parcours, lien.parcours, "refuser")
    return _confirmer(
        request, lien, "C'est noté : l'équipe SAS ne vous contactera plus. Vous pouvez changer d'avis ici."
    )


@_action
def appel(request, lien):
    form = AppelForm(request.POST)
    moments = form.cleaned_data["moments_preferes"] if form.is_valid() else []
    tache = services.demander_appel(lien.parcours, moments=moments)
    _audit(Action.CREATION, tache, lien.parcours, "appel")
    return _confirmer(request, lien, "C'est noté : un conseiller ou une conseillère vous appellera.")


@_action_formulaire(PreferencesForm, "Choisissez comment vous préférez être contacté ou contactée.")
def preferences(request, lien, data):
    services.enregistrer_preferences(lien.parcours, canal=data["canal_prefere"], moments=data["moments_preferes"])
    _audit(Action.MODIFICATION, lien.parcours.jeune, lien.parcours, "preferences")
    return _confirmer(request, lien, "Vos préférences sont enregistrées.")


@_action_formulaire(ReportForm, "Choisissez dans combien de mois nous pouvons revenir vers vous.")
def plus_tard(request, lien, data):
    try:
        jusqu_au = services.plus_tard(lien.parcours, mois=int(data["mois"]))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _retour(lien)
    _audit(Action.MODIFICATION, lien.parcours, lien.parcours, "plus_tard", jusqu_au=jusqu_au.isoformat())
    return _confirmer(
        request, lien, f"C'est noté : nous reviendrons vers vous à partir du {formats.date_format(jusqu_au, 'j F Y')}."
    )


@_action
def rendez_vous(request, lien):
    parcours = lien.parcours
    form = CreneauForm(request.POST, creneaux=services.creneaux(parcours))
    if not form.is_valid():
        messages.error(request, "Ce créneau n'est plus disponible : choisissez-en un autre.")
        return _retour(lien)
    try:
        rdv = services.choisir_creneau(parcours, form.cleaned_data["creneau"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _retour(lien)
    _audit(Action.CREATION, rdv, parcours, "rendez_vous")
    return _confirmer(request, lien, f"Votre rendez-vous est confirmé : {describe_creneau(rdv.creneau)}.")


@_action
def annuler_rendez_vous(request, lien):
    rdv = services.annuler_rendez_vous(lien.parcours)
    if rdv is not None:
        _audit(Action.MODIFICATION, rdv, lien.parcours, "annuler_rendez_vous")
        return _confirmer(
            request, lien, "Votre rendez-vous est annulé et nous sommes prévenus. Vous pouvez en choisir un autre."
        )
    return _retour(lien)


@_action
def ecrire(request, lien):
    """A short message to the counsellor. Nothing is stored past the limit per link, nor when the text is empty or
    too long (the page comes back with the text typed and the error)."""
    form = MessageForm(request.POST)
    if services.messages_ecrits.exceeded(lien.pk):
        messages.error(
            request, "Vous avez déjà envoyé plusieurs messages. Votre conseiller va les lire : attendez sa réponse."
        )
        return _page(request, lien, message_form=form, status=429)
    if not form.is_valid():
        return _page(request, lien, message_form=form, status=400)
    services.messages_ecrits.hit(lien.pk)
    message = services.ecrire(lien.parcours, form.cleaned_data["texte"])
    _audit(Action.CREATION, message, lien.parcours, "message")
    return _confirmer(request, lien, "Votre message est envoyé. Votre conseiller ou conseillère vous répondra.")


@_apres_confirmation("espace_jeune/stop.html", "Ne plus recevoir de messages")
def stop(request, lien):
    services.arreter_messages(lien.parcours.jeune)
    _audit(Action.MODIFICATION, lien.parcours.jeune, lien.parcours, "stop")
    return _confirmer(request, lien, "C'est noté : vous ne recevrez plus de messages de l'équipe SAS.")
