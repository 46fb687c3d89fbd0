import uuid

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe
from dsfr.forms import DsfrBaseForm

from sas.formulaires import recherche_jeune, texte_libre
from sas.jeunes.models import Sexe, TrancheAge
from sas.organisations.models import OrganisationKind
from sas.parcours.status import Status

from .conversation import LONGUEUR_MAX_REPONSE
from .groupes import GROUPES
from .models import CanalContact, NatureTache, ResultatContact

SANS_CONSEILLER = "aucun"
SANS_ORGANISATION = "proche"
PRESCRIBER_KINDS = [
    OrganisationKind.ASE,
    OrganisationKind.SPIP,
    OrganisationKind.MISSION_LOCALE,
    OrganisationKind.ECOLE,
    OrganisationKind.ASSOCIATION,
]


def _attrs(attrs):
    """What django/forms/widgets/attrs.html writes: True as a bare name, False left out."""
    return "".join(
        f" {escape(name)}" if v is True else f' {escape(name)}="{escape(v)}"'
        for name, v in attrs.items()
        if v is not False
    )


class OptionsSelect(forms.Select):
    """A select whose options are written in Python, as Django's templates would: the queue's filters offer a hundred
    options (communes, counsellors) on every page, and a template included per option cost more than the page's rows
    (format_html an option still cost a third of the page's form). Flat choices only (no optgroup)."""

    template_name = "aiguillage/widgets/select.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = (option for _, group, _ in context["widget"]["optgroups"] for option in group)
        # Every name, value and label is escaped here and in _attrs.
        context["widget"]["options_html"] = mark_safe(  # noqa: S308
            "".join(
                f'\n  <option value="{escape(o["value"])}"{_attrs(o["attrs"])}>{escape(o["label"])}</option>\n'
                for o in options
            )
        )
        return context


class FiltreFileForm(DsfrBaseForm):
    """The queue's filters (GET); every field is optional."""

    q = recherche_jeune(
        "Prénom ou nom, téléphone, adresse électronique ou code du courrier (par exemple 1a-abcdefghijkl)."
    )
    # The tab shown; kept when the filters are sent again.
    groupe = forms.ChoiceField(
        required=False, widget=forms.HiddenInput, choices=[("", ""), *((g.cle, g.libelle) for g in GROUPES)]
    )
    statut = forms.ChoiceField(
        label="Statut", required=False, widget=OptionsSelect, choices=[("", "Tous les statuts"), *Status.choices]
    )
    prescripteur = forms.ChoiceField(
        label="Signalé par",
        required=False,
        widget=OptionsSelect,
        choices=[("", "Tous les prescripteurs")]
        + [(k.value, k.label) for k in PRESCRIBER_KINDS]
        + [(SANS_ORGANISATION, "Un proche ou le jeune lui-même")],
    )
    age = forms.ChoiceField(
        label="Âge", required=False, widget=OptionsSelect, choices=[("", "Tous les âges"), *TrancheAge.choices]
    )
    commune = forms.ChoiceField(label="Commune", required=False, widget=OptionsSelect)
    conseiller = forms.ChoiceField(label="Conseiller", required=False, widget=OptionsSelect)
    en_retard = forms.BooleanField(label="Seulement les parcours en retard sur un objectif", required=False)
    reportes = forms.BooleanField(label="Seulement les recontacts reportés à une date future", required=False)
    demandes = forms.BooleanField(
        label="Seulement les demandes d'effacement et les réclamations sans réponse", required=False
    )

    def __init__(self, *args, communes, conseillers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "Toutes les communes")] + [(c.pk, c.nom) for c in communes]
        self.fields["conseiller"].choices = [("", "Tous"), (SANS_CONSEILLER, "Sans conseiller")] + [
            (str(user.pk), str(user)) for user in conseillers
        ]

    def filtres(self):
        return {key: value for key, value in self.cleaned_data.items() if value} if self.is_valid() else {}


class ContactForm(DsfrBaseForm):
    canal = forms.ChoiceField(label="Moyen", choices=CanalContact.choices)
    resultat = forms.ChoiceField(label="Résultat", choices=ResultatContact.choices)
    note = texte_libre("Note", lignes=2, max_length=2000, help_text="Visible de l'équipe SAS seulement.")


class ReponseForm(DsfrBaseForm):
    texte = forms.CharField(
        label="Votre réponse",
        max_length=LONGUEUR_MAX_REPONSE,
        error_messages={"required": "Écrivez votre réponse avant de l'envoyer."},
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"{LONGUEUR_MAX_REPONSE} caractères au plus. Elle part par SMS ou par courriel, comme le jeune"
        " préfère, signée de votre prénom.",
    )


class TacheFaiteForm(DsfrBaseForm):
    resultat = forms.ChoiceField(label="Résultat", choices=ResultatContact.choices)
    note = texte_libre("Note", lignes=2, max_length=2000)


class NouvelleTacheForm(DsfrBaseForm):
    nature = forms.ChoiceField(label="Nature", choices=NatureTache.choices)
    echeance = forms.DateField(label="À faire avant le", widget=forms.DateInput(attrs={"type": "date"}))
    motif = forms.CharField(label="Motif", max_length=300)


class ReportForm(DsfrBaseForm):
    jusqu_au = forms.DateField(
        label="Recontacter à partir du", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class StatistiquesForm(DsfrBaseForm):
    """Sex and QPV residence, only as the young person said them: they feed the pilots' breakdowns, never a
    decision about the person."""

    sexe = forms.ChoiceField(label="Sexe", required=False, choices=[("", "Non renseigné"), *Sexe.choices])
    qpv = forms.NullBooleanField(
        label="Habite un quartier prioritaire de la ville (QPV)",
        required=False,
        widget=forms.NullBooleanSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qpv"].widget.choices = [("unknown", "Non renseigné"), ("true", "Oui"), ("false", "Non")]


class AffectationForm(DsfrBaseForm):
    conseiller = forms.ModelChoiceField(label="Conseiller", queryset=None, required=False, empty_label="Personne")

    def __init__(self, *args, equipe, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conseiller"].queryset = equipe


class ParcoursCochesField(forms.Field):
    """The uuids of the journeys ticked in a list, as a set."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": "Cochez au moins un parcours.", "invalid": "Parcours inconnu."}

    def to_python(self, value):
        try:
            return {uuid.UUID(item) for item in value or []}
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        if not value and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class AttributionLotForm(DsfrBaseForm):
    """The queue's bulk assignment: the ticked journeys go to one counsellor of the user's teams, or to nobody."""

    parcours = ParcoursCochesField(label="Parcours")
    conseiller = forms.ChoiceField(label="Attribuer les parcours cochés à")

    def __init__(self, *args, conseillers, **kwargs):
        super().__init__(*args, **kwargs)
        self.conseillers = {str(user.pk): user for user in conseillers}
        self.fields["conseiller"].choices = [
            ("", "Choisir un conseiller"),
            *((pk, str(user)) for pk, user in self.conseillers.items()),
            (SANS_CONSEILLER, "Personne (retirer le conseiller)"),
        ]

    def clean_conseiller(self):
        value = self.cleaned_data["conseiller"]
        return None if value == SANS_CONSEILLER else self.conseillers[value]


class EcarterForm(DsfrBaseForm):
    motif = forms.CharField(
        label="Motif",
        max_length=300,
        help_text="Par exemple : signalement fantaisiste, jeune hors du territoire.",
    )
