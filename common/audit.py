"""The one writer of the audit log (``common.models.AuditEvent``): every service records through
it, inside the transaction of its act, so that an act rolled back leaves no event.

Only ids, kinds, months and statuses go into ``detail``: never a name, an income amount or a
vote's choice (the log must not leak what it guards)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from common.models import SYSTEM_ACTOR_LABEL, AuditAction, AuditEvent

# Acts a person does on their own data: labelled by account number, not e-mail, so that the
# log holds no resident's address and erasing them needs no rewrite (see AuditEvent).
OWN_DATA_ACTIONS = frozenset({AuditAction.PERSONAL_DATA_EXPORTED})


def _actor_fields(actor: Any, action: str) -> dict[str, Any]:
    if actor is None or not actor.is_authenticated:
        return {"actor": None, "actor_label": SYSTEM_ACTOR_LABEL}
    if action in OWN_DATA_ACTIONS:
        return {"actor": actor, "actor_label": f"#{actor.pk}"}
    return {"actor": actor, "actor_label": actor.email}


def audit_event(
    *,
    actor: Any,
    action: str,
    project_id: int | None = None,
    city_id: int | None = None,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    at: Any = None,
) -> AuditEvent:
    """An unsaved event, for ``audit_record_many``. ``actor`` is a user, or None for the
    scheduler and decisions ("system"); ``target`` the object acted on."""
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    return AuditEvent(
        at=at or timezone.now(),
        action=action,
        project_id=project_id,
        city_id=city_id,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        detail=dict(detail or {}),
        **_actor_fields(actor, action),
    )


def audit_record_many(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Append the events in one insert (none: no query)."""
    events = list(events)
    return AuditEvent.objects.bulk_create(events) if events else []


def audit_record(
    *,
    actor: Any,
    action: str,
    project_id: int | None = None,
    city_id: int | None = None,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event: who (``actor``, None for "system"), what, where, on what."""
    [event] = audit_record_many(
        [
            audit_event(
                actor=actor,
                action=action,
                project_id=project_id,
                city_id=city_id,
                target=target,
                detail=detail,
            )
        ]
    )
    return event
