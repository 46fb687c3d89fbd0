import base64
import hmac
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

_SALT = "sas.espace_jeune.lien"
_SIGNATURE_LENGTH = 12  # 60 bits: short enough for one SMS, far too many to guess behind a rate limit.
_SALT_CODE = "sas.espace_jeune.code_verification"
# A verification code is typed on the phone it was sent to, within minutes.
CODE_VALIDITE = timedelta(minutes=10)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _signature(pk):
    digest = salted_hmac(_SALT, str(pk), algorithm="sha256").digest()
    return base64.b32encode(digest).decode().lower()[:_SIGNATURE_LENGTH]


def _base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


class LienJeuneQuerySet(models.QuerySet):
    def valides(self, at=None):
        return self.filter(expires_at__gt=at or timezone.now(), revoked_at__isnull=True)


class LienJeune(models.Model):
    """The young person's personal link: signed (HMAC of its id), expiring, revocable, no account needed.

    The same short token is the code printed on a letter."""

    parcours = models.ForeignKey("parcours.Parcours", on_delete=models.CASCADE, related_name="liens")
    created_at = models.DateTimeField("créé le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    # When the last 6-digit verification code was asked for. The code itself is stored nowhere: it is derived from
    # this moment with the secret key, so the sender can write it and staff reading the database cannot.
    code_demande_le = models.DateTimeField("code de vérification demandé le", null=True, blank=True, editable=False)

    objects = LienJeuneQuerySet.as_manager()

    class Meta:
        verbose_name = "lien personnel du jeune"
        verbose_name_plural = "liens personnels des jeunes"

    def __str__(self):
        return f"Lien de {self.parcours_id} jusqu'au {self.expires_at:%d/%m/%Y}"

    @property
    def token(self):
        return f"{_base36(self.pk)}-{_signature(self.pk)}"

    @property
    def url(self):
        return settings.SAS_SITE_URL + reverse("espace_jeune:page", args=[self.token])

    @classmethod
    def creer(cls, parcours, *, at=None):
        """A link for a new message: the current one if it stays valid at least a week, else a new one."""
        at = at or timezone.now()
        current = cls.objects.valides(at + timedelta(days=7)).filter(parcours=parcours).order_by("-expires_at")
        return current.first() or cls.objects.create(
            parcours=parcours, created_at=at, expires_at=at + timedelta(days=settings.SAS_LIEN_JEUNE_JOURS)
        )

    @staticmethod
    def identifiant(token):
        """The id of the link a token names, right or wrong signature (None when it names none): wrong tokens are
        counted against the link they aim at."""
        ident, _, _signature = (token or "").strip().lower().partition("-")
        try:
            return int(ident, 36)
        except ValueError:
            return None

    @classmethod
    def trouver(cls, token, at=None):
        """The valid link this token names, or None (bad signature, unknown, expired or revoked)."""
        pk, signature = cls.identifiant(token), (token or "").strip().lower().partition("-")[2]
        if pk is None:
            return None
        if not hmac.compare_digest(signature.encode(), _signature(pk).encode()):
            return None
        return cls.objects.valides(at).select_related("parcours__jeune").filter(pk=pk).first()

    def code_verification(self):
        """The 6-digit code last sent for this link ("" if none was asked for)."""
        if self.code_demande_le is None:
            return ""
        # In microseconds since the epoch: the same whatever time zone the moment was read in.
        moment = (self.code_demande_le - _EPOCH) // timedelta(microseconds=1)
        digest = salted_hmac(_SALT_CODE, f"{self.pk}:{moment}", algorithm="sha256")
        return f"{int.from_bytes(digest.digest()[:8], 'big') % 1_000_000:06d}"

    def nouveau_code(self, at=None):
        """A new code for this link (the previous one stops working); returns it to be sent."""
        self.code_demande_le = at or timezone.now()
        self.save(update_fields=["code_demande_le"])
        return self.code_verification()

    def code_valable(self, code, at=None):
        if self.code_demande_le is None or (at or timezone.now()) > self.code_demande_le + CODE_VALIDITE:
            return False
        return hmac.compare_digest((code or "").strip().encode(), self.code_verification().encode())

    def revoquer(self, at=None):
        if self.revoked_at is None:
            self.revoked_at = at or timezone.now()
            self.save(update_fields=["revoked_at"])


def pk_du_code(token):
    """The id of the link a code names when its signature is right, else None: a mistyped code names nobody rather
    than someone else."""
    pk = LienJeune.identifiant(token)
    signature = (token or "").strip().lower().partition("-")[2]
    if pk is None or not hmac.compare_digest(signature.encode(), _signature(pk).encode()):
        return None
    return pk
