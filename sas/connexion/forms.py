from django import forms
from django.contrib.auth.forms import PasswordResetForm

from . import services


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
