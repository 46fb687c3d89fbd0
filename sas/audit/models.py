from django.db import models

from .contexte import contexte_courant


class Action(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    LISTE = "liste", "Consultation d'une liste"
    CREATION = "creation", "Création"
    MODIFICATION = "modification", "Modification"
    TRANSITION = "transition", "Changement de statut"
    EXPORT = "export", "Export"


class AppendOnly(models.Model):
    """A trace written once, never changed nor deleted one by one: the audit log and the event logs that the
    indicators are computed from."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"Un enregistrement de « {self._meta.verbose_name} » ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"Un enregistrement de « {self._meta.verbose_name} » ne se supprime pas.")


class AuditEntry(AppendOnly):
    """Who read or changed which young person's record, and when. Append-only."""

    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    actor = models.ForeignKey("organisations.User", verbose_name="auteur", on_delete=models.PROTECT, null=True)
    action = models.CharField("action", max_length=20, choices=Action.choices)
    # Plain ids, not foreign keys: the trace must outlive the record it describes.
    jeune_ids = models.JSONField("jeunes concernés", default=list)
    object_type = models.CharField("objet", max_length=50)
    object_id = models.CharField("identifiant", max_length=64, blank=True)
    detail = models.JSONField("détail", default=dict, blank=True)
    # Keyed hashes (see contexte.empreinte): empty for what a task or a command wrote.
    ip_empreinte = models.CharField("empreinte de l'adresse IP", max_length=64, blank=True)
    session_empreinte = models.CharField("empreinte de la session", max_length=64, blank=True)

    class Meta:
        verbose_name = "entrée du journal d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor} {self.get_action_display()} {self.object_type}"


def record(actor, action, obj, jeune_ids, **detail):
    entry = audit_entry(actor, action, obj, jeune_ids, **detail)
    entry.save()
    return entry


def audit_entry(actor, action, obj, jeune_ids, **detail):
    """The unsaved entry `record()` writes, for callers that write many at once (bulk_create). Inside a request it
    carries the signed-in user (when the caller passed none), the address and the session."""
    utilisateur, ip, session = contexte_courant()
    return AuditEntry(
        actor=actor if actor and actor.is_authenticated else utilisateur,
        ip_empreinte=ip,
        session_empreinte=session,
        action=action,
        jeune_ids=sorted(jeune_ids),
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else str(obj),
        object_id=str(getattr(obj, "pk", "") or ""),
        detail=detail,
    )
