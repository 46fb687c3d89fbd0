from django import forms
from django.contrib.auth.forms import PasswordResetForm

from sas.organisations.models import OrganisationKind, Territory

from . import demandes, services


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code à 6 chiffres",
        help_text="Affiché par votre application d'authentification (par exemple FreeOTP ou Aegis).",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}),
        error_messages={"required": "Saisissez le code à 6 chiffres.", "min_length": "Le code a 6 chiffres."},
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("Le code n'a que des chiffres.")
        return code


class ReinitialisationForm(PasswordResetForm):
    """Django's form, but its e-mail goes through messagerie like every other. Known address or not, the page that
    follows is the same; only local accounts (with a password) get one."""

    email = forms.EmailField(
        label="Adresse électronique de votre compte",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        services.envoyer_reinitialisation(context["user"], to_email)


class DemandeAccesForm(forms.Form):
    """What the professional ProConnect identified adds: the role they ask for and, when SAS does not know their
    organisation's SIRET, that organisation."""

    role = forms.ChoiceField(
        label="Votre rôle dans SAS",
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le rôle que vous demandez."},
    )
    nom_organisation = forms.CharField(
        label="Nom de votre organisation",
        max_length=200,
        error_messages={"required": "Donnez le nom de votre organisation."},
    )
    kind = forms.ChoiceField(
        label="Type d'organisation", error_messages={"required": "Choisissez le type de votre organisation."}
    )
    territory = forms.ModelChoiceField(
        label="Territoire",
        queryset=Territory.objects.order_by("nom"),
        empty_label="Choisissez un territoire",
        help_text="Celui où votre organisation accompagne des jeunes : son équipe SAS examinera votre demande.",
        error_messages={"required": "Choisissez le territoire de votre organisation."},
    )

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.value, role.label) for role in demandes.ROLES_DEMANDABLES]
        self.fields["kind"].choices = [("", "Choisissez un type")] + [
            (kind.value, kind.label) for kind in OrganisationKind if kind != OrganisationKind.OPERATEUR
        ]
        if organisation is not None:
            # Found by its SIRET: nothing to propose.
            for name in ("nom_organisation", "kind", "territory"):
                del self.fields[name]
