"""Request and response bodies of the prescribers' API (field names in French, as the prescribers read them)."""

import datetime
import uuid
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StringConstraints

from sas.jeunes.models import TrancheAge
from sas.parcours.models import Canal
from sas.permissions.suivi import LIBELLES

# PostgreSQL refuses NUL characters in text: rejecting them here keeps them a 422, not a 500.
NO_NUL = r"^[^\x00]*$"


def text(max_length=None):
    return Annotated[str, StringConstraints(max_length=max_length, pattern=NO_NUL)]


class StrictSchema(Schema):
    # An unknown field is most likely a typo: refusing it means nothing is silently lost.
    model_config = ConfigDict(extra="forbid")


class JeuneIn(StrictSchema):
    prenom: text(100) = Field(description="Prénom du jeune (obligatoire).")
    nom: text(100) = Field("", description="Nom de famille.")
    date_naissance: datetime.date | None = Field(
        None, description="Date de naissance (AAAA-MM-JJ) : le jeune doit avoir de 15 à 29 ans."
    )
    tranche_age: Literal[("",) + tuple(TrancheAge.values)] = Field(
        "", description="Tranche d'âge, à défaut de date de naissance."
    )
    telephone: text(40) = Field("", description="Téléphone, au format français ou international.")
    email: text(254) = Field("", description="Adresse électronique.")
    adresse: text(1000) = Field("", description="Adresse postale.")
    joignable_via_prescripteur: bool = Field(False, description="Le jeune peut être joint par votre intermédiaire.")
    commune_insee: Annotated[str, StringConstraints(pattern=r"^[0-9][0-9AB][0-9]{3}$")] = Field(
        description="Code INSEE de la commune de résidence (5 caractères, par exemple 69123)."
    )


class ContexteIn(StrictSchema):
    fin_accompagnement_le: datetime.date | None = Field(
        None, description="Date de fin de l'accompagnement actuel (passée ou à venir)."
    )
    motif: text(5000) = Field("", description="Motif de fin d'accompagnement.")
    deja_essaye: text(5000) = Field("", description="Ce qui a déjà été tenté.")
    freins_connus: text(5000) = Field("", description="Freins connus.")
    canal_prefere: Literal[("",) + tuple(Canal.values)] = Field("", description="Canal préféré pour joindre le jeune.")
    moment_prefere: text(200) = Field("", description="Meilleur moment pour le joindre.")
    langues: text(200) = Field("", description="Langues parlées.")
    jeune_informe: bool | None = Field(None, description="Le jeune est informé du signalement.")
    jeune_accord: bool = Field(False, description="Le jeune est d'accord pour être recontacté par l'équipe SAS.")


class SignalementIn(StrictSchema):
    jeune: JeuneIn
    contexte: ContexteIn = Field(default_factory=ContexteIn)


class Etape(Schema):
    code: str = Field(description="Code stable de l'étape du parcours (par exemple « a_contacter »).")
    libelle: str = Field(description="Libellé de l'étape, en français.")


class SignalementCree(Schema):
    id: uuid.UUID = Field(description="Identifiant du parcours du jeune, pour en suivre l'étape.")
    signalement_id: int = Field(description="Identifiant de ce signalement.")
    etape: Etape


class EtapeDatee(Schema):
    code: Literal[tuple(LIBELLES)] = Field(description="Code stable de l'étape.")
    libelle: Literal[tuple(LIBELLES.values())] = Field(
        description="Libellé de l'étape ; une sortie du parcours est dite sans son motif."
    )
    le: datetime.datetime = Field(description="Date à laquelle le parcours a atteint cette étape.")


class SuiviOut(Schema):
    id: uuid.UUID = Field(description="Identifiant du parcours.")
    etape: Etape
    etape_depuis: datetime.datetime = Field(description="Date à laquelle le parcours a atteint cette étape.")
    signale_le: datetime.datetime = Field(description="Date de votre premier signalement de ce jeune.")
    etapes: list[EtapeDatee] = Field(
        description="Les étapes atteintes depuis que votre signalement est rattaché au parcours, de la plus "
        "ancienne à la plus récente (la dernière est « etape »)."
    )
    structure_accueil: str | None = Field(
        description="Nom de la structure qui accompagne le jeune, seulement s'il a accepté que vous en soyez "
        "informé ; null sinon."
    )


class SuiviPage(Schema):
    total: int = Field(description="Nombre total de parcours signalés par votre structure.")
    limit: int
    offset: int
    resultats: list[SuiviOut] = Field(description="Du plus récent au plus ancien signalement.")


class Champ(Schema):
    chemin: str = Field(description="Chemin du champ en erreur, par exemple « jeune.date_naissance ».")
    message: str


class ErreurDetail(Schema):
    code: str = Field(description="Code stable de l'erreur, par exemple « jeton_invalide » ou « donnees_invalides ».")
    message: str = Field(description="Explication en français.")
    champs: list[Champ] = Field(default_factory=list, description="Champs en erreur (erreurs de validation).")


class Erreur(Schema):
    erreur: ErreurDetail
