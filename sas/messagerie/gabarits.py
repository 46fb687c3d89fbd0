"""Message templates, in plain French.

Each has an SMS text (one segment once rendered: see tests), an e-mail subject and a text used for the e-mail and the
letter. Every message names the counsellor and, for the first contacts, the prescriber: a young person answers a
person they can place, not an unknown number."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import capfirst

from . import gsm7

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class Gabarit:
    sms: str
    sujet: str
    texte: str
    # Answers something the young person did (booked a slot): not counted in the caps.
    attendu: bool = False
    # The young person is waiting for it on their screen (a verification code): sent at once, even in quiet hours.
    immediat: bool = False
    # Sent as the link stops working (the file is erased): naming it would open nothing.
    sans_lien: bool = False
    # The SMS segments it may take: one, unless it carries a counsellor's own words.
    segments: int = 1


_FIN = "\n\nÀ bientôt,\n{signature_fin}"

GABARITS = {
    "premier_contact": Gabarit(
        sms="{prenom}, ici {signature}. {Prescripteur} nous a parlé de vous. On en parle ? {lien}",
        sujet="{Signature} vous contacte de la part de {prescripteur}",
        texte="Bonjour {prenom},\n\n{presentation} Nous avons eu vos coordonnées par {prescripteur}, qui pense que"
        " nous pouvons vous aider : trouver une formation, un emploi, un logement, ou simplement faire le point avec"
        " quelqu'un.\n\nSur votre page personnelle, vous pouvez choisir un rendez-vous, nous dire quand vous"
        " joindre, ou nous dire non :\n{lien}" + _FIN,
    ),
    "relance": Gabarit(
        sms="{prenom}, ici {signature}, de la part de {prescripteur}. Un RDV ou un moment pour vous appeler ? {lien}",
        sujet="{Signature} attend de vos nouvelles",
        texte="Bonjour {prenom},\n\nNous vous avons écrit il y a quelques jours de la part de {prescripteur}. Vous"
        " n'êtes obligé·e à rien : dites-nous simplement si vous voulez en parler, et quand.\n\nChoisir un"
        " rendez-vous ou un moment pour être appelé·e :\n{lien}" + _FIN,
    ),
    "dernier_message": Gabarit(
        sms="{prenom}, dernier message de {signature}. {Prescripteur} et nous restons là si besoin : {lien}",
        sujet="Dernier message de {signature}",
        texte="Bonjour {prenom},\n\nC'est notre dernier message. Nous ne vous écrirons plus, mais {prescripteur} et"
        " nous restons là : si un jour vous voulez de l'aide, votre page reste ouverte :\n{lien}" + _FIN,
    ),
    "rdv_confirme": Gabarit(
        sms="RDV confirmé avec {signature} le {quand}, {ou}. Détails ou changement : {lien}",
        sujet="Votre rendez-vous du {quand} est confirmé",
        texte="Bonjour {prenom},\n\nVotre rendez-vous avec {signature} est confirmé :\n{rdv_detail}\n\nPour voir"
        " les détails, changer ou annuler :\n{lien}" + _FIN,
        attendu=True,
    ),
    "rappel_veille": Gabarit(
        sms="Rappel : RDV avec {signature} le {quand}, {ou}. Un souci ? {lien}",
        sujet="Rappel : rendez-vous le {quand}",
        texte="Bonjour {prenom},\n\nPetit rappel de votre rendez-vous avec {signature} :\n{rdv_detail}\n\nUn"
        " empêchement ? Dites-le ici, nous trouverons un autre moment :\n{lien}" + _FIN,
        attendu=True,
    ),
    "rappel_2h": Gabarit(
        sms="Rappel : RDV aujourd'hui à {heure} avec {signature}, {ou}. Un souci ? {lien}",
        sujet="Rappel : rendez-vous aujourd'hui à {heure}",
        texte="Bonjour {prenom},\n\nVotre rendez-vous avec {signature} a lieu aujourd'hui :\n{rdv_detail}\n\nUn"
        " empêchement ? Dites-le ici :\n{lien}" + _FIN,
        attendu=True,
    ),
    "rdv_annule": Gabarit(
        sms="{prenom}, votre RDV du {quand} avec {signature} est annulé. Un autre moment : {lien}",
        sujet="Votre rendez-vous du {quand} est annulé",
        texte="Bonjour {prenom},\n\nVotre rendez-vous avec {signature} est annulé :\n{rdv_detail}\n\nNous sommes"
        " désolés. Choisissez un autre moment sur votre page, ou écrivez-nous :\n{lien}" + _FIN,
        attendu=True,
    ),
    "rdv_manque": Gabarit(
        sms="{prenom}, RDV manqué ? Pas grave ! {signature} vous propose d'en choisir un autre : {lien}",
        sujet="On ne s'est pas vus : choisissez un autre rendez-vous",
        texte="Bonjour {prenom},\n\nNous ne nous sommes pas vus au rendez-vous. Ce n'est pas grave : cela arrive."
        " Choisissez un autre moment qui vous convient mieux :\n{lien}" + _FIN,
    ),
    # A counsellor's answer in the conversation, in their own words (sas.aiguillage.conversation.repondre).
    "reponse_conseiller": Gabarit(
        sms="{prenom}, {signature} vous répond : {reponse} Pour nous écrire : {lien}",
        sujet="{Signature} vous répond",
        texte="Bonjour {prenom},\n\n{Signature} vous répond :\n\n{reponse}\n\nPour nous écrire, passez par votre"
        " page :\n{lien}" + _FIN,
        attendu=True,
        segments=3,
    ),
    "plan_action": Gabarit(
        sms="{prenom}, votre plan d'action avec {signature} est en ligne : {lien}",
        sujet="Votre plan d'action",
        texte="Bonjour {prenom},\n\nVoici ce que nous avons décidé ensemble :\n\n{resume}\n\nVous le retrouvez"
        " aussi sur votre page, où vous pouvez ajouter vos remarques :\n{lien}" + _FIN,
        attendu=True,
    ),
    # The hand-off: each step of the referral is told to the young person (they answer something they chose).
    "orientation_proposee": Gabarit(
        sms="{prenom}, {signature} vous propose des structures pour la suite. Choisissez : {lien}",
        sujet="Choisissez la structure qui vous accompagnera",
        texte="Bonjour {prenom},\n\nComme convenu, voici les structures qui peuvent vous aider. Pour chacune, nous"
        " expliquons pourquoi nous vous la proposons. C'est vous qui choisissez, et vous dites ce que vous acceptez"
        " de leur transmettre :\n{lien}" + _FIN,
        attendu=True,
    ),
    "orientation_envoyee": Gabarit(
        sms="{prenom}, votre demande est transmise à {structure}. {Signature} suit la suite : {lien}",
        sujet="Votre demande est transmise à {structure}",
        texte="Bonjour {prenom},\n\nNous avons transmis votre demande à {structure}, avec les informations que"
        " vous avez acceptées. Ils vont vous répondre ; nous vous dirons ce qu'il en est à chaque étape.\n\nVotre"
        " page :\n{lien}" + _FIN,
        attendu=True,
    ),
    "orientation_acceptee": Gabarit(
        sms="Bonne nouvelle {prenom} : {structure} accepte de vous accompagner. {Signature} : {lien}",
        sujet="{structure} accepte de vous accompagner",
        texte="Bonjour {prenom},\n\nBonne nouvelle : {structure} accepte de vous accompagner. Ils vont vous"
        " proposer un premier rendez-vous.\n\nVotre page :\n{lien}" + _FIN,
        attendu=True,
    ),
    "orientation_rdv": Gabarit(
        sms="RDV avec {structure} le {quand}. Un souci ? Dites-le à {signature} : {lien}",
        sujet="Votre premier rendez-vous avec {structure}",
        texte="Bonjour {prenom},\n\nVotre premier rendez-vous avec {structure} est fixé le {quand}.\n\nUn"
        " empêchement ? Dites-le nous, nous préviendrons la structure :\n{lien}" + _FIN,
        attendu=True,
    ),
    "orientation_fermee": Gabarit(
        sms="{prenom}, {structure} ne peut pas donner suite. {Signature} vous propose autre chose : {lien}",
        sujet="{structure} ne peut pas donner suite",
        texte="Bonjour {prenom},\n\n{structure} ne peut pas donner suite à votre demande. Ce n'est pas de votre"
        " faute, et vous n'êtes pas seul·e : votre conseiller vous propose une autre solution très vite.\n\nVotre"
        " page :\n{lien}" + _FIN,
        attendu=True,
    ),
    # Follow-up after take-up (points d'étape): three one-tap questions on their page.
    "point_etape": Gabarit(
        sms="{prenom}, tout va bien avec {structure} ? 3 questions, 1 minute. {Signature} : {lien}",
        sujet="Ça se passe bien avec {structure} ?",
        texte="Bonjour {prenom},\n\nVous êtes accompagné·e par {structure} depuis quelque temps. Est-ce que ça se"
        " passe bien ? Trois questions, une minute, une réponse en un clic :\n{lien}\n\nSi quelque chose ne va"
        " pas, dites-le : nous cherchons une autre solution avec vous." + _FIN,
    ),
    "point_etape_relance": Gabarit(
        sms="{prenom}, petit rappel de {signature} : tout va bien avec {structure} ? 1 minute : {lien}",
        sujet="Rappel : tout va bien avec {structure} ?",
        texte="Bonjour {prenom},\n\nNous n'avons pas encore de vos nouvelles. Est-ce que ça se passe bien avec"
        " {structure} ? Une réponse en un clic :\n{lien}" + _FIN,
    ),
    # Asked for on the young person's page when their birth date is unknown: proves they hold the phone or mailbox.
    "code_verification": Gabarit(
        sms="Code SAS : {code_verification}, valable 10 min. Ne le donnez à personne, y compris à {conseiller}. {lien}",
        sujet="Votre code SAS",
        texte="Bonjour {prenom},\n\nVoici votre code pour ouvrir votre page SAS : {code_verification}\n\nIl est"
        " valable 10 minutes. Ne le donnez à personne, même pas à {conseiller}. Si vous n'avez rien demandé,"
        " ignorez ce message.\n\nVotre page :\n{lien}" + _FIN,
        attendu=True,
        immediat=True,
    ),
    # Sent to a new phone or e-mail the young person typed on their page, before it replaces the one on file.
    "code_coordonnee": Gabarit(
        sms="Code SAS {code_verification} (10 min) pour confirmer ce numéro. Ne le donnez à personne, y compris à"
        " {conseiller}. {lien}",
        sujet="Confirmez votre adresse pour SAS",
        texte="Bonjour {prenom},\n\nVoici votre code pour confirmer cette adresse sur votre page SAS :"
        " {code_verification}\n\nIl est valable 10 minutes. Si vous n'avez rien demandé, ignorez ce message." + _FIN,
        attendu=True,
        immediat=True,
    ),
    # The last message: sent just before the file is anonymised, so without a link (it would open nothing).
    "effacement_fait": Gabarit(
        sms="{prenom}, vos données SAS sont effacées comme demandé. {conseiller} reste là si vous avez besoin.",
        sujet="Vos données SAS sont effacées",
        texte="Bonjour {prenom},\n\nComme vous l'avez demandé, nous avons effacé vos données : votre nom, vos"
        " coordonnées, vos messages et votre entretien. Il ne reste que des chiffres anonymes. Si vous avez besoin"
        " d'aide un jour, vous pouvez nous recontacter." + _FIN,
        attendu=True,
        immediat=True,
        sans_lien=True,
    ),
}

PIED_COURRIEL = "\n\n--\nPour ne plus recevoir de messages de l'équipe SAS : {stop}"
PIED_COURRIER = "\n\nPour ne plus recevoir de messages, dites-le sur votre page ou à votre conseiller."

# Tried in order until the SMS fits one segment: maximum lengths of (prénom, conseiller, prescripteur, structure).
PALIERS_SMS = ((None, None, None, None), (20, 20, 32, 32), (15, 15, 24, 24), (12, 12, 16, 16), (10, 10, 12, 12))


class GabaritInconnu(ValueError):
    pass


def gabarit(nom):
    try:
        return GABARITS[nom]
    except KeyError:
        raise GabaritInconnu(f"Modèle de message inconnu : « {nom} ».") from None


def _couper(valeur, maximum):
    """Shorten to `maximum` characters at a word boundary."""
    if maximum is None or len(valeur) <= maximum:
        return valeur
    coupe = valeur[: maximum + 1]
    limite = max(coupe.rfind(" "), coupe.rfind("-"))
    coupe = coupe[:limite] if limite >= 3 else valeur[:maximum]
    return coupe.rstrip(" -,'")


def _quand(moment):
    local = timezone.localtime(moment)
    return f"{JOURS[local.weekday()]} {local:%d/%m} à {local:%H}h{local:%M}"


def _ou(modalite):
    modalite = (modalite or "").lower()
    if "phone" in modalite:
        return "par téléphone"
    if "visio" in modalite:
        return "en visio"
    return "sur place"


def _valeurs(contexte, limites=PALIERS_SMS[0]):
    """The template variables from the raw context (prenom, conseiller, prescripteur, lien, stop, caller's keys)."""
    max_prenom, max_conseiller, max_prescripteur, max_structure = limites
    prenom = _couper(contexte.get("prenom") or "", max_prenom)
    conseiller = _couper(contexte.get("conseiller") or "", max_conseiller)
    prescripteur = _couper(contexte.get("prescripteur") or "un proche", max_prescripteur)
    signature = f"{conseiller} de l'équipe SAS" if conseiller else "l'équipe SAS"
    valeurs = {
        **contexte,
        "prenom": prenom,
        "conseiller": conseiller or "l'équipe SAS",
        "prescripteur": prescripteur,
        "Prescripteur": capfirst(prescripteur),
        # The receiving structure of a referral.
        "structure": _couper(contexte.get("structure") or "", max_structure),
        "signature": signature,
        "Signature": capfirst(signature),
        "signature_fin": f"{conseiller}, équipe SAS" if conseiller else "L'équipe SAS",
        "presentation": f"Je m'appelle {conseiller} et je travaille dans l'équipe SAS."
        if conseiller
        else "Nous sommes l'équipe SAS.",
    }
    if contexte.get("rdv"):
        local = timezone.localtime(contexte["rdv"])
        lieu = contexte.get("lieu") or ""
        valeurs |= {
            "quand": _quand(contexte["rdv"]),
            "heure": f"{local:%H}h{local:%M}",
            "ou": _ou(contexte.get("modalite")),
            "rdv_detail": "\n".join(
                part
                for part in [f"le {_quand(contexte['rdv'])}", capfirst(contexte.get("modalite") or ""), lieu]
                if part
            ),
        }
    return valeurs


def _remplir(texte, valeurs, nom):
    try:
        return texte.format_map(valeurs)
    except KeyError as error:
        raise ValueError(f"Le modèle « {nom} » a besoin de « {error.args[0]} » dans son contexte.") from None


def rendre_sms(nom, contexte):
    """The SMS text, in GSM-7 where it can be, shortened until it fits one segment when the names are long."""
    modele = gabarit(nom)
    for limites in PALIERS_SMS:
        texte = gsm7.vers_gsm7(_remplir(modele.sms, _valeurs(contexte, limites), nom))
        if gsm7.segments(texte) <= modele.segments:
            break
    return texte


def rendre_courriel(nom, contexte):
    """(subject, body) of the e-mail."""
    modele, valeurs = gabarit(nom), _valeurs(contexte)
    return _remplir(modele.sujet, valeurs, nom), _remplir(modele.texte + PIED_COURRIEL, valeurs, nom)


def rendre_courrier(nom, contexte):
    """(title, body) of the letter: the e-mail's text, with the address to type and the short code for the link."""
    valeurs = _valeurs(contexte)
    valeurs["lien"] = f"{contexte['adresse_code']}\navec votre code personnel : {contexte['code']}"
    modele = gabarit(nom)
    return _remplir(modele.sujet, valeurs, nom), _remplir(modele.texte + PIED_COURRIER, valeurs, nom)


@dataclass(frozen=True)
class CourrielPro:
    """An e-mail to a professional (a receiving structure, a prescriber): no STOP footer, no caps."""

    sujet: str
    texte: str


_TEXTE_ORIENTATION = (
    "Bonjour,\n\nL'équipe SAS vous adresse {prenom} pour « {service} ».\n"
    "Ce jeune a accepté que ses informations vous soient transmises.\n\n"
    "Pour voir l'orientation et répondre (accepter, refuser, fixer le premier rendez-vous) :\n"
    "{lien}\n\n"
    "Ce lien personnel ouvre cette orientation seulement ; ne le transférez pas. Sans réponse sous 15 jours, "
    "l'orientation expire et le jeune est orienté ailleurs.\n\nL'équipe SAS"
)

_TEXTE_POINT_ETAPE = (
    "Bonjour,\n\nVous avez pris en charge {prenom}, orienté·e par l'équipe SAS, le {debut}. {mois} mois plus"
    " tard, où en est son accompagnement ? Une réponse en un clic (toujours accompagné·e, accompagnement arrêté,"
    " ou sortie vers un emploi, une formation…) :\n{lien}\n\n"
    "Ce lien personnel ouvre ce point d'étape seulement ; ne le transférez pas.\n\nL'équipe SAS"
)

COURRIELS_PROS = {
    # The structure's magic link: {lien} holds the mask, the token is put in only when the e-mail leaves.
    "structure_orientation": CourrielPro(
        sujet="Nouvelle orientation SAS : {prenom} attend votre réponse", texte=_TEXTE_ORIENTATION
    ),
    "structure_relance": CourrielPro(
        sujet="Relance : {prenom} attend votre réponse depuis le {envoyee_le}", texte=_TEXTE_ORIENTATION
    ),
    # What the structure is told: which referral, never who.
    "structure_annulation": CourrielPro(
        sujet="Orientation SAS annulée",
        texte="Bonjour,\n\nUne orientation qui vous avait été adressée le {envoyee_le} pour « {service} » a été"
        " annulée à la demande de la personne. Ses informations ne vous sont plus accessibles et le lien reçu pour"
        " cette orientation ne fonctionne plus. Si vous en aviez noté, merci de les effacer.\n\nL'équipe SAS",
    ),
    # A professional's password reset: {lien} holds the mask, the reset token is made only when the e-mail leaves.
    "reinitialisation_mot_de_passe": CourrielPro(
        sujet="SAS : choisir un nouveau mot de passe",
        texte="Bonjour,\n\nVous avez demandé à choisir un nouveau mot de passe pour votre compte SAS. Ouvrez ce lien"
        " pour le faire :\n\n{lien}\n\nIl ne sert qu'une fois et expire dans 2 heures. Si vous n'avez rien demandé,"
        " ignorez ce message : votre mot de passe ne change pas.\n\nL'équipe SAS",
    ),
    # A join request from ProConnect, decided by the territory's SAS team or the organisation's administrator.
    "demande_acces_acceptee": CourrielPro(
        sujet="SAS : votre demande d'accès est acceptée",
        texte="Bonjour,\n\nVotre demande pour rejoindre SAS ({organisation}, {role}) est acceptée. Connectez-vous"
        " avec ProConnect :\n\n{lien}\n\nL'équipe SAS",
    ),
    "demande_acces_refusee": CourrielPro(
        sujet="SAS : votre demande d'accès",
        texte="Bonjour,\n\nVotre demande pour rejoindre SAS ({organisation}) n'a pas été acceptée. Pour en savoir"
        " plus, adressez-vous à l'équipe SAS de votre territoire ({territoire}) ou à votre organisation.\n\n"
        "L'équipe SAS",
    ),
    # The young person wrote (on their page, or by SMS): the counsellor is told where to read it, not what it says.
    "conseiller_message_jeune": CourrielPro(
        sujet="SAS : {prenom} vous a écrit",
        texte="Bonjour {conseiller},\n\n{prenom} vous a écrit. Lisez son message sur la page de son parcours :\n"
        "{lien}\n\nL'équipe SAS",
    ),
    # The young person cancelled an appointment: the counsellor whose slot it was can offer another one.
    "conseiller_rdv_annule": CourrielPro(
        sujet="SAS : {prenom} a annulé son rendez-vous du {quand}",
        texte="Bonjour {conseiller},\n\n{prenom} a annulé son rendez-vous du {quand}. Le créneau est de nouveau"
        " libre. Son parcours :\n{lien}\n\nL'équipe SAS",
    ),
    # A young person used their rights on their page: the counsellor is told what to handle and by when, never the
    # complaint's text nor anything beyond the first name.
    "conseiller_demande_effacement": CourrielPro(
        sujet="SAS : {prenom} demande l'effacement de ses données",
        texte="Bonjour {conseiller},\n\n{prenom} demande l'effacement de ses données SAS. Elle est à traiter"
        " avant le {avant}. Son parcours :\n{lien}\n\nL'équipe SAS",
    ),
    "conseiller_reclamation": CourrielPro(
        sujet="SAS : {prenom} a déposé une réclamation",
        texte="Bonjour {conseiller},\n\n{prenom} a déposé une réclamation sur ses données. Elle attend une réponse"
        " avant le {avant}. Lisez-la et répondez depuis son parcours :\n{lien}\n\nL'équipe SAS",
    ),
    # Follow-up after take-up: the structure's magic link for one check-in ({lien} holds the mask).
    "structure_point_etape": CourrielPro(
        sujet="Point d'étape SAS : où en est {prenom} ?",
        texte=_TEXTE_POINT_ETAPE,
    ),
    "structure_point_etape_relance": CourrielPro(
        sujet="Relance : où en est {prenom} ?",
        texte=_TEXTE_POINT_ETAPE,
    ),
    # The weekly digest: its list is rendered by the prescription app's template.
    "digest_prescripteur": CourrielPro(
        sujet="SAS : {nombre} nouvelle{pluriel} étape{pluriel} pour vos signalements", texte="{contenu}"
    ),
}


def rendre_courriel_pro(nom, contexte):
    """(subject, body) of an e-mail to a professional."""
    try:
        modele = COURRIELS_PROS[nom]
    except KeyError:
        raise GabaritInconnu(f"Modèle de courriel inconnu : « {nom} ».") from None
    return _remplir(modele.sujet, contexte, nom), _remplir(modele.texte, contexte, nom)
