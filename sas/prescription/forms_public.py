from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from dsfr.forms import DsfrBaseForm

from sas.communes.forms import CommuneField
from sas.formulaires import texte_libre
from sas.jeunes.models import TrancheAge

from .forms import CHAMP_DU_GROUPE, PhoneField
from .services import SignalementData, normalise_phone


class Qui:
    JEUNE = "jeune"
    PROCHE = "proche"


LIENS = [
    ("parent", "Parent"),
    ("fratrie", "Frère ou sœur"),
    ("ami", "Ami ou amie"),
    ("autre", "Autre proche"),
]
INFORME = [("oui", "Oui"), ("non", "Non"), ("ne_sait_pas", "Je ne sais pas")]
HONEYPOT = "site_web"


PROCHE_ONLY = ("lien", "declarant_nom", "declarant_contact", "jeune_informe")
JEUNE_ONLY = ("accord",)
# The same questions, asked to the young person or about them.
LABELS = {
    Qui.JEUNE: {
        "prenom": "Votre prénom",
        "commune": "Votre commune ou code postal",
        "date_naissance": "Votre date de naissance",
        "tranche_age": "Ou, si vous préférez, votre tranche d'âge",
        "telephone": "Votre téléphone portable",
        "email": "Votre adresse électronique",
        "motif": "Qu'est-ce qui se passe pour vous ?",
    },
    Qui.PROCHE: {
        "prenom": "Prénom du jeune",
        "commune": "Commune où vit le jeune, ou son code postal",
        "date_naissance": "Sa date de naissance",
        "tranche_age": "Ou, si vous ne la connaissez pas, sa tranche d'âge",
        "telephone": "Son téléphone portable",
        "email": "Son adresse électronique",
        "motif": "Que se passe-t-il ?",
    },
}


def _date_input():
    return forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d")


class PublicSignalementForm(DsfrBaseForm):
    """The no-account form: for a young person asking to be contacted, or for a relative worried about them.

    Field order follows the page: who signals, then the young person, then how to reach them."""

    lien = forms.ChoiceField(label="Votre lien avec le jeune", choices=LIENS, widget=forms.RadioSelect)
    declarant_nom = forms.CharField(label="Votre nom", max_length=200, widget=forms.TextInput({"autocomplete": "name"}))
    declarant_contact = forms.CharField(
        label="Votre téléphone ou adresse électronique",
        max_length=200,
        help_text="Seulement si l'équipe a besoin d'une précision : elle ne vous donnera pas de nouvelles du jeune.",
    )
    jeune_informe = forms.ChoiceField(
        label="Le jeune sait-il que vous faites cette demande ?", choices=INFORME, widget=forms.RadioSelect
    )
    prenom = forms.CharField(label="Prénom", max_length=100)
    commune = CommuneField(label="Commune ou code postal")
    date_naissance = forms.DateField(label="Date de naissance", required=False, widget=_date_input())
    tranche_age = forms.ChoiceField(
        label="À défaut, tranche d'âge", choices=[("", "—"), *TrancheAge.choices], required=False
    )
    telephone = PhoneField(
        label="Téléphone portable",
        required=False,
        help_text="Le premier contact se fait par SMS. Par exemple 06 12 34 56 78.",
        template_name=CHAMP_DU_GROUPE,
    )
    email = forms.EmailField(
        label="Adresse électronique",
        required=False,
        help_text="Par exemple nom@exemple.fr.",
        widget=forms.EmailInput({"autocomplete": "email"}),
        template_name=CHAMP_DU_GROUPE,
    )
    motif = texte_libre(
        "Que se passe-t-il ?",
        lignes=4,
        max_length=3000,
        help_text="Quelques mots suffisent : ce qui s'est arrêté, ce qui inquiète, ce qui aiderait.",
    )
    accord = forms.BooleanField(
        label="J'accepte d'être contacté ou contactée par un conseiller de l'équipe SAS",
        help_text="Vous pourrez changer d'avis à tout moment.",
    )
    # Bots fill every field; people never see this one.
    site_web = forms.CharField(
        label="Ne pas remplir ce champ",
        required=False,
        template_name="prescription/public_honeypot_field.html",
        widget=forms.TextInput({"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, qui, **kwargs):
        super().__init__(*args, **kwargs)
        self.qui = qui
        for name in PROCHE_ONLY if qui == Qui.JEUNE else JEUNE_ONLY:
            del self.fields[name]
        for name, label in LABELS[qui].items():
            self.fields[name].label = label
        # DsfrBaseForm has already built the bound fields, which copy the labels.
        self._bound_fields_cache.clear()

    def clean(self):
        data = super().clean()
        reachable = data.get("telephone") or data.get("email")
        if not reachable and not (self.has_error("telephone") or self.has_error("email")):
            # Checked here rather than by signaler(): its message mentions fields this form does not have.
            qui = "vous" if self.qui == Qui.JEUNE else "le"
            self.add_error(
                "telephone",
                f"Indiquez un téléphone ou une adresse électronique : sinon personne ne pourra {qui} joindre.",
            )
        return data

    @property
    def is_bot(self):
        return bool(self.data.get(HONEYPOT, "").strip())

    def clean_declarant_contact(self):
        value = self.cleaned_data["declarant_contact"].strip()
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError as error:
                raise ValidationError("Adresse électronique invalide, par exemple nom@exemple.fr.") from error
            return value.lower()
        try:
            return normalise_phone(value)
        except ValueError as error:
            raise ValidationError("Indiquez un numéro de téléphone ou une adresse électronique valide.") from error

    def signalement_data(self):
        data = self.cleaned_data
        values = {
            "prenom": data["prenom"],
            "commune": data["commune"],
            "date_naissance": data["date_naissance"],
            "tranche_age": data["tranche_age"],
            "telephone": data["telephone"],
            "email": data["email"],
            "motif": data["motif"],
        }
        if self.qui == Qui.JEUNE:
            return SignalementData(**values, jeune_informe=True, jeune_accord=data["accord"])
        return SignalementData(
            **values,
            jeune_informe={"oui": True, "non": False}.get(data["jeune_informe"]),
            declarant_nom=data["declarant_nom"],
            declarant_contact=data["declarant_contact"],
            declarant_lien=dict(LIENS)[data["lien"]],
        )
