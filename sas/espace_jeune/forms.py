from django import forms
from django.utils import formats, timezone
from dsfr.forms import DsfrBaseForm

from sas.parcours.models import Canal

CANAUX = [(c.value, c.label) for c in (Canal.SMS, Canal.APPEL, Canal.EMAIL, Canal.COURRIER)]
MOMENTS = [
    ("matin", "Le matin (8 h – 12 h)"),
    ("midi", "Le midi (12 h – 14 h)"),
    ("apres_midi", "L'après-midi (14 h – 18 h)"),
    ("soir", "En fin de journée (18 h – 20 h)"),
    ("samedi", "Le samedi"),
]
REPORTS = [("1", "Dans 1 mois"), ("3", "Dans 3 mois"), ("6", "Dans 6 mois")]


class CodeForm(DsfrBaseForm):
    code = forms.CharField(
        label="Votre code",
        max_length=40,
        help_text="Il est imprimé sur la lettre que vous avez reçue, par exemple 1a2b-abcdefgh2345.",
        widget=forms.TextInput({"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean_code(self):
        # People copy codes with spaces or in capitals.
        return "".join(self.cleaned_data["code"].split()).lower()


def moments_text(keys):
    """The chosen times as the counsellor reads them on the journey page."""
    labels = dict(MOMENTS)
    return ", ".join(labels[key] for key in keys)


def moments_keys(text):
    labels = {label: key for key, label in MOMENTS}
    return [labels[part] for part in (text or "").split(", ") if part in labels]


class PreferencesForm(DsfrBaseForm):
    canal_prefere = forms.ChoiceField(
        label="Comment préférez-vous être contacté ou contactée ?", choices=CANAUX, widget=forms.RadioSelect
    )
    moments_preferes = forms.MultipleChoiceField(
        label="À quels moments ?",
        choices=MOMENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez tout ce qui vous convient. Nous n'écrivons jamais la nuit ni le dimanche.",
    )


class AppelForm(DsfrBaseForm):
    moments_preferes = forms.MultipleChoiceField(
        label="Quand pouvons-nous vous appeler ?",
        choices=MOMENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


MESSAGE_MAX = 500


class MessageForm(DsfrBaseForm):
    texte = forms.CharField(
        label="Votre message",
        max_length=MESSAGE_MAX,
        help_text=f"{MESSAGE_MAX} caractères au plus. Votre conseiller ou conseillère le lira et vous répondra.",
        widget=forms.Textarea({"rows": 4}),
        error_messages={
            "required": "Écrivez votre message avant de l'envoyer.",
            "max_length": f"Votre message est trop long : {MESSAGE_MAX} caractères au plus (vous en avez écrit "
            "%(show_value)d).",
        },
    )


class ReportForm(DsfrBaseForm):
    mois = forms.ChoiceField(label="Quand voulez-vous que l'on revienne vers vous ?", choices=REPORTS)


class CreneauForm(DsfrBaseForm):
    creneau = forms.ChoiceField(label="Choisissez un moment", widget=forms.RadioSelect)

    def __init__(self, *args, creneaux, **kwargs):
        super().__init__(*args, **kwargs)
        self.creneaux = {str(c.pk): c for c in creneaux}
        self.fields["creneau"].choices = [(key, describe_creneau(c)) for key, c in self.creneaux.items()]
        self._bound_fields_cache.clear()

    def clean_creneau(self):
        return self.creneaux[self.cleaned_data["creneau"]]


MODALITES = {
    "presentiel": "en personne",
    "telephone": "par téléphone (le conseiller vous appelle)",
    "visio": "en visio (un lien vous sera envoyé)",
}


def quand_creneau(creneau):
    debut = timezone.localtime(creneau.debut)
    heure = f"{debut.hour} h {debut:%M}" if debut.minute else f"{debut.hour} h"
    return f"{formats.date_format(debut, 'l j F')} à {heure}"


def comment_creneau(creneau):
    how = MODALITES.get(creneau.modalite, creneau.get_modalite_display())
    where = f", {creneau.lieu}" if creneau.modalite == "presentiel" and creneau.lieu else ""
    return f"{how}{where}"


def describe_creneau(creneau):
    return f"{quand_creneau(creneau)}, {comment_creneau(creneau)}"


class DateNaissanceForm(DsfrBaseForm):
    date_naissance = forms.DateField(
        label="Votre date de naissance",
        help_text="Par exemple 17/05/2004.",
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d%m%Y"],
        widget=forms.DateInput({"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )


class CodeVerificationForm(DsfrBaseForm):
    code = forms.CharField(
        label="Le code reçu (6 chiffres)",
        min_length=6,
        max_length=6,
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}),
    )
