from django import forms
from dsfr.forms import DsfrBaseForm

from sas.formulaires import case_de_confirmation

from .models import CanalCoordonnee

TEXTE_MAX = 2000


class CoordonneeForm(DsfrBaseForm):
    canal = forms.ChoiceField(
        label="Que voulez-vous changer ?", choices=CanalCoordonnee.choices, widget=forms.RadioSelect
    )
    valeur = forms.CharField(
        label="Le nouveau numéro ou la nouvelle adresse",
        max_length=254,
        help_text="Nous y enverrons un code pour vérifier que c'est bien vous.",
    )


class CodeForm(DsfrBaseForm):
    code = forms.CharField(
        label="Le code reçu (6 chiffres)",
        max_length=6,
        min_length=6,
        widget=forms.TextInput({"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"min_length": "Le code a 6 chiffres.", "required": "Tapez le code reçu."},
    )


class EffacementForm(DsfrBaseForm):
    confirmation = case_de_confirmation("Je demande l'effacement de mes données")


class ReclamationForm(DsfrBaseForm):
    texte = forms.CharField(
        label="Votre réclamation",
        max_length=TEXTE_MAX,
        widget=forms.Textarea({"rows": 4}),
        help_text=f"{TEXTE_MAX} caractères au plus.",
        error_messages={"required": "Écrivez votre réclamation."},
    )


class ReponseForm(DsfrBaseForm):
    texte = forms.CharField(
        label="Votre réponse",
        max_length=TEXTE_MAX,
        widget=forms.Textarea({"rows": 4}),
        error_messages={"required": "Écrivez votre réponse."},
    )


class DemandeCourrierForm(DsfrBaseForm):
    confirmation = case_de_confirmation(
        "Le jeune a demandé l'effacement par courrier ou en personne, et son identité a été vérifiée"
    )
