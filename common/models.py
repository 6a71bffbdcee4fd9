"""The tables of the ground floor: the outbox of work to queue (common.outbox) and the audit log
(common.audit)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxTask(models.Model):
    """A Celery task to queue, recorded in the transaction of the change that calls for it: if
    the broker is down when that transaction commits, the row stays unsent and a periodic task
    queues it once the broker is back. Nothing is lost, and nothing is queued for a change that
    was rolled back."""

    task = models.CharField(max_length=200)
    arguments = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.arguments)}"


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: an audit trail is only ever added to. (The database
    refuses them too for the audit log: see ``AuditEvent``.)"""

    def update(self, **kwargs: object) -> int:
        raise TypeError("An audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("An audit trail is append-only.")


class AuditAction(models.TextChoices):
    """What an audit event records, by a stable machine name (clients and reports keep it)."""

    ROLE_GRANTED = "role.granted", _("Role granted")
    ROLE_REVOKED = "role.revoked", _("Role revoked")
    INCOME_VIEWED = "income.viewed", _("Income viewed")
    INCOME_CREATED = "income.created", _("Income declared")
    INCOME_VERIFIED = "income.verified", _("Income verified")
    INCOME_CHANGED = "income.changed", _("Income changed")
    SCHEME_ADOPTED = "scheme.adopted", _("Contribution scheme adopted")
    CHARGES_RUN = "charges.run", _("Charges run")
    PROPOSAL_OPENED = "proposal.opened", _("Vote opened")
    PROPOSAL_CLOSED = "proposal.closed", _("Vote closed")
    RESIDENT_ERASED = "resident.erased", _("Resident removed")
    PERSONAL_DATA_EXPORTED = "personal_data.exported", _("Personal data exported")
    STATEMENT_EXPORTED = "statement.exported", _("Statement exported")


# What the actor label says when nobody acted: the scheduler or a decision did.
SYSTEM_ACTOR_LABEL = "system"


class AuditEvent(models.Model):
    """One act the data-protection officer asked to be accountable for: who, what, when, where.

    Written only through ``common.audit`` (``audit_record``, ``audit_record_many``), in the
    transaction of the act itself: an act rolled back leaves no event. Append-only in the
    database: a trigger (migration ``common.0002``) refuses UPDATE, DELETE and TRUNCATE, with
    one exception: deleting a user account empties ``actor`` (``SET_NULL``) and nothing else.

    What it holds, and why:
    - ``actor_label`` is the e-mail address of the account that acted, copied at the time, so
      that staff (managers, platform admins) stay accountable for what they did after their
      account changes or goes. Acts a person does on their own data (exporting it) are labelled
      with the account's number instead: the log then holds no resident's address, and erasing
      a resident (``members.services.resident_erase``, which anonymises the account) needs no
      rewrite of the log. A former manager erased as a resident keeps their staff acts' labels:
      those are what the log is for. Nobody acting (the scheduler, a decision): "system".
    - ``project_id`` and ``city_id`` are plain ids, not foreign keys: this is the lowest layer,
      which knows no project, and a log must not lose or block anything when a project goes.
      ``city_id`` is set for what concerns a city as a whole (an officer's role).
    - ``target_type`` and ``target_id`` name the object acted on (``members.household``, 12).
    - ``detail`` holds ids, kinds, months and statuses: never a name, an income amount or a
      vote's choice, so that the log does not leak what it guards.
    """

    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("who"), max_length=254)
    action = models.CharField(_("what"), max_length=32, choices=AuditAction.choices)
    project_id = models.BigIntegerField(_("project"), null=True, blank=True)
    city_id = models.BigIntegerField(_("city"), null=True, blank=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.BigIntegerField(_("object"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["project_id", "at"], name="audit_event_project_at_idx"),
            models.Index(fields=["at"], name="audit_event_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="audit_event_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} · {self.actor_label} · {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise TypeError("An audit event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object):
        raise TypeError("An audit event cannot be deleted.")

    @property
    def target_label(self) -> str:
        """The kind of object acted on, in the reader's language, and its number."""
        if not self.target_type:
            return ""
        try:
            kind = apps.get_model(self.target_type)._meta.verbose_name
        except (LookupError, ValueError):
            kind = self.target_type
        return f"{kind} #{self.target_id}" if self.target_id is not None else str(kind)
