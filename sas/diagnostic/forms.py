"""Forms built from the questionnaire definition: one per section (counsellor) and one for the young person."""

import datetime

from django import forms
from dsfr.forms import DsfrBaseForm

from sas.formulaires import texte_libre

from . import definition as qdef

_DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(question):
    return [(o["code"], o["label"]) for o in qdef.options(question)]


def _fields(question):
    """[(name, field)] for one question; frein and classement take several fields."""
    code, label, kind = question["code"], question["label"], question["type"]
    help_text = question.get("help", "")
    if kind == "texte":
        widget = forms.TextInput() if question.get("court") else forms.Textarea(attrs={"rows": 2})
        return [(code, forms.CharField(label=label, help_text=help_text, required=False, widget=widget))]
    if kind in {"choix", "oui_non"}:
        field = forms.ChoiceField(
            label=label, help_text=help_text, required=False, choices=_choices(question), widget=forms.RadioSelect
        )
        return [(code, field)]
    if kind == "choix_multiple":
        field = forms.MultipleChoiceField(
            label=label,
            help_text=help_text,
            required=False,
            choices=_choices(question),
            widget=forms.CheckboxSelectMultiple,
        )
        return [(code, field)]
    if kind == "nombre":
        return [(code, forms.IntegerField(label=label, help_text=help_text, required=False, min_value=0))]
    if kind == "date":
        return [(code, forms.DateField(label=label, help_text=help_text, required=False, widget=_DATE_WIDGET))]
    if kind == "frein":
        level = forms.ChoiceField(
            label=f"{label} : niveau",
            help_text=help_text,
            required=False,
            choices=_choices(question),
            widget=forms.RadioSelect,
        )
        avis = forms.CharField(label=f"{label} : ce qu'en dit le jeune", required=False)
        return [(f"{code}__niveau", level), (f"{code}__avis", avis)]
    # classement: one list per rank, each offering every option.
    choices = [("", "—"), *_choices(question)]
    return [
        (f"{code}__{rank}", forms.ChoiceField(label=f"Priorité n°{rank}", required=False, choices=choices))
        for rank in range(1, question["rangs"] + 1)
    ]


def _initial(question, value):
    code, kind = question["code"], question["type"]
    if qdef.is_empty(value):
        return {}
    if kind == "frein":
        return {f"{code}__niveau": value.get("niveau", ""), f"{code}__avis": value.get("avis_jeune", "")}
    if kind == "classement":
        return {f"{code}__{rank}": option for rank, option in enumerate(value, start=1)}
    return {code: value}


class QuestionsForm(DsfrBaseForm):
    """The questions given, as DSFR fields; `valeurs()` turns the cleaned data back into answers."""

    def __init__(self, *args, questions, reponses, origines=None, **kwargs):
        initial = {}
        for question in questions:
            initial.update(_initial(question, reponses.get(question["code"])))
        super().__init__(*args, initial=initial, **kwargs)
        self.questions = questions
        self.origines = origines or {}
        self.groupes = []
        for question in questions:
            names = []
            for name, field in _fields(question):
                self.fields[name] = field
                names.append(name)
            self.groupes.append({"question": question, "names": names})
        self._dsfr_classes()

    def _dsfr_classes(self):
        from dsfr.utils import dsfr_input_class_attr

        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    @property
    def blocs(self):
        """Bound fields grouped by question (the template wraps a classement in a fieldset)."""
        for groupe in self.groupes:
            question = groupe["question"]
            yield {
                "question": question,
                "fields": [self[name] for name in groupe["names"]],
                "origine": self.origines.get(question["code"], ""),
            }

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            if question["type"] != "classement":
                continue
            ranked = [cleaned.get(f"{question['code']}__{r}") for r in range(1, question["rangs"] + 1)]
            chosen = [code for code in ranked if code]
            if len(chosen) != len(set(chosen)):
                self.add_error(f"{question['code']}__1", "Chaque priorité ne peut être choisie qu'une fois.")
        return cleaned

    def valeurs(self):
        """{question code: answer}, an empty answer where nothing was given (the service removes it)."""
        data, values = self.cleaned_data, {}
        for question in self.questions:
            code, kind = question["code"], question["type"]
            if kind == "frein":
                niveau, avis = data.get(f"{code}__niveau") or "", (data.get(f"{code}__avis") or "").strip()
                values[code] = {"niveau": niveau, "avis_jeune": avis} if niveau or avis else None
            elif kind == "classement":
                ranked = [data.get(f"{code}__{r}") for r in range(1, question["rangs"] + 1)]
                values[code] = [option for option in ranked if option]
            elif kind == "date":
                values[code] = data[code].isoformat() if isinstance(data.get(code), datetime.date) else None
            elif kind == "texte":
                values[code] = (data.get(code) or "").strip()
            else:
                values[code] = data.get(code)
        return values


class PlanForm(DsfrBaseForm):
    besoins_retenus = forms.MultipleChoiceField(
        label="Besoins retenus",
        help_text="Chaque besoin est relié à des thématiques data·inclusion pour chercher la structure adaptée.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    synthese = texte_libre("Votre synthèse de l'entretien", lignes=3)
    objectifs = texte_libre("Objectifs", lignes=3)
    actions = texte_libre(
        "Qui fait quoi",
        lignes=3,
        help_text="Une action par ligne, par exemple : « Le jeune : apporter sa carte Vitale ».",
    )
    prochain_rdv_le = forms.DateTimeField(
        label="Prochain rendez-vous",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    contact_conseiller = forms.CharField(
        label="Votre contact pour le jeune", help_text="Nom, téléphone ou courriel.", max_length=300, required=False
    )

    def __init__(self, *args, besoins, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["besoins_retenus"].choices = [(b.code, b.libelle) for b in besoins]


class ValidationJeuneForm(DsfrBaseForm):
    accord = forms.ChoiceField(
        label="Ce résumé vous convient-il ?",
        choices=[("oui", "Oui, je suis d'accord"), ("non", "Je veux ajouter ou corriger quelque chose")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une réponse."},
    )
    observation = texte_libre(
        "Votre remarque", lignes=3, help_text="Elle sera gardée à côté de ce qu'a écrit votre conseiller."
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("accord") == "non" and not (cleaned.get("observation") or "").strip():
            self.add_error("observation", "Écrivez ce que vous voulez ajouter ou corriger.")
        return cleaned
