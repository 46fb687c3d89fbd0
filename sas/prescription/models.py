from django.conf import settings
from django.db import models
from django.utils import timezone

from sas.audit.models import AppendOnly


class RencontreMode(models.TextChoices):
    PRESENTIEL = "presentiel", "En présentiel"
    VISIO = "visio", "En visioconférence"
    TELEPHONE = "telephone", "Par téléphone"


class RencontreTripartite(models.Model):
    """A joint meeting (prescriber + aiguilleur + young person) booked before the support ends, so that the
    young person meets their counsellor through someone they already trust."""

    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="rencontres")
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name="prescripteur", on_delete=models.PROTECT, related_name="+"
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    aiguilleur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField("date et heure")
    mode = models.CharField("modalité", max_length=20, choices=RencontreMode.choices)
    lieu = models.CharField("lieu ou lien", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # None until someone says whether it took place: measured against contact rates.
    took_place = models.BooleanField("a eu lieu", null=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)

    class Meta:
        verbose_name = "rencontre tripartite"
        ordering = ["starts_at"]

    def __str__(self):
        return f"Rencontre du {self.starts_at:%d/%m/%Y %H:%M} ({self.get_mode_display()})"


class ImportStatus(models.TextChoices):
    LECTURE = "lecture", "Lecture du fichier"
    REFUSE = "refuse", "Fichier refusé"
    APERCU = "apercu", "Aperçu"
    EN_COURS = "en_cours", "Import en cours"
    TERMINE = "termine", "Terminé"
    ECHEC = "echec", "Échec"


class ImportBatch(models.Model):
    """One batch file sent by a prescriber: its rows, progress and per-row report."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField("fichier", max_length=255)
    sha256 = models.CharField(max_length=64)
    # The file as sent, kept only until the task worker has read it (a file too large to read during the request).
    content = models.BinaryField(default=b"", editable=False)
    # Reading progress: the sheet's rows read, then (once total_rows is known) the rows checked.
    read_rows = models.PositiveIntegerField("lignes lues", default=0)
    # Why the file was refused, in the words shown to the prescriber.
    refus = models.CharField("raison du refus", max_length=500, blank=True)
    # Parsed rows, [{"line": n, "values": {...}}]: all of them until the import ends, then only the rejected ones
    # (for their download).
    rows = models.JSONField(default=list)
    status = models.CharField("état", max_length=20, choices=ImportStatus.choices, default=ImportStatus.APERCU)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    already_imported_count = models.PositiveIntegerField("déjà importés", default=0)
    # [{"line": n, "field": "...", "reason": "..."}]
    errors = models.JSONField(default=list)
    # What was read differently from the file without refusing a row: cells cleaned, columns left aside (line None
    # for the whole file). Same form as the errors.
    warnings = models.JSONField(default=list)
    sheet = models.CharField("feuille", max_length=255, blank=True)
    # The other sheets of the file that name the columns, {name: {"rows": [...], "warnings": [...]}}, for the
    # prescriber to choose one in the preview; emptied when the import starts.
    other_sheets = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "import de fichier"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"


class ImportBatchEvent(AppendOnly):
    """Append-only log of a batch file's status: started, failed, resumed, done."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("de", max_length=20, choices=ImportStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=20, choices=ImportStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    occurred_at = models.DateTimeField("date")

    class Meta:
        verbose_name = "événement d'import de fichier"
        ordering = ["occurred_at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display() or '∅'} → {self.get_to_status_display()}"


class PrescripteurPreferences(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest_hebdo = models.BooleanField("recevoir chaque semaine un résumé par courriel", default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "préférences du prescripteur"

    def __str__(self):
        return f"Préférences de {self.user}"


class Decision(models.TextChoices):
    FUSIONNES = "fusionnes", "Fusionnés"
    SEPARES = "separes", "Gardés séparés"


IDENTIFIANTS = {"telephone": "téléphone", "email": "courriel", "identite": "prénom, nom et date de naissance"}


class DoublonPossibleQuerySet(models.QuerySet):
    def en_attente(self):
        return self.filter(decision="")


class DoublonPossible(models.Model):
    """A signalement that shares one identifier with a young person already followed on the territory, but not
    two: it got its own person and journey (`nouveau`), held until a counsellor of the territory merges it into
    `existant` or keeps them apart. Until then nothing of `existant` changes or shows to the signaller."""

    nouveau = models.OneToOneField("parcours.Parcours", on_delete=models.CASCADE, related_name="doublon_possible")
    existant = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="+")
    # Which identifiers agree (e.g. ["telephone"]), for the counsellor.
    identifiants = models.JSONField("identifiants communs", default=list)
    created_at = models.DateTimeField("détecté le", default=timezone.now)
    decision = models.CharField("décision", max_length=20, choices=Decision.choices, blank=True)
    decide_le = models.DateTimeField("décidé le", null=True, blank=True)
    decide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="décidé par", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = DoublonPossibleQuerySet.as_manager()

    class Meta:
        verbose_name = "doublon possible"
        verbose_name_plural = "doublons possibles"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Doublon possible du parcours {self.nouveau_id} avec le parcours {self.existant_id}"

    @property
    def identifiants_libelles(self):
        return ", ".join(IDENTIFIANTS.get(name, name) for name in self.identifiants)
