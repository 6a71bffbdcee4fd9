"""Governance's part of a person's data (registered in ``GovernanceConfig.ready``, see
``members.personal_data``).

The export lists the household's participations with their choice on open ballots; of a
secret ballot only that the household took part, with no choice and no time, since nothing
may link a voter to a secret choice (``governance.models.SecretChoice``). Erasure keeps every
voter, participation, proxy and attendance row (the counts and decisions rest on them; the
resident row they point to is anonymised by members) and takes the person's name out of the
free text others wrote: minutes, agenda descriptions, objections and consent rounds.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from governance.models import (
    AgendaItem,
    Attendance,
    Meeting,
    Objection,
    Participation,
    Proxy,
    RoundEntry,
)
from members.personal_data import Erased, Subject, export_row, export_value, names_scrub


def governance_export(*, subject: Subject) -> dict[str, Any]:
    """Three queries."""
    if subject.household is None:
        return {"participations": [], "proxies": [], "meeting_attendance": []}
    residents = subject.resident_ids
    names = {resident.pk: resident.full_name for resident in subject.residents}
    participations = (
        Participation.objects.filter(voter__household=subject.household)
        .filter(Q(voter__resident__isnull=True) | Q(voter__resident__in=residents))
        .select_related("proposal__decision_class", "voter")
        .order_by("proposal__opens_at", "pk")
    )
    proxies = (
        Proxy.objects.filter(Q(grantor__in=residents) | Q(holder__in=residents))
        .select_related("grantor", "holder", "meeting", "proposal")
        .order_by("created_at", "pk")
    )
    attendance = (
        Attendance.objects.filter(resident__in=residents)
        .select_related("meeting")
        .order_by("meeting__start", "pk")
    )
    return {
        "participations": [_participation(row, names) for row in participations],
        "proxies": [
            {
                "from": str(proxy.grantor),
                "to": str(proxy.holder),
                "meeting": proxy.meeting.title if proxy.meeting else None,
                "proposal": proxy.proposal.title if proxy.proposal else None,
                **export_row(proxy, ("created_at", "revoked_at")),
            }
            for proxy in proxies
        ],
        "meeting_attendance": [
            {
                "meeting": row.meeting.title,
                "start": export_value(row.meeting.start),
                "resident": names.get(row.resident_id),
                "status": row.status,
            }
            for row in attendance
        ],
    }


def _participation(participation: Participation, names: dict[int, str]) -> dict[str, Any]:
    proposal = participation.proposal
    row: dict[str, Any] = {
        "proposal": proposal.title,
        "resident": names.get(participation.voter.resident_id),
        "secret": proposal.decision_class.secret,
    }
    if proposal.decision_class.secret:
        return row
    return {
        **row,
        **export_row(participation, ("cast_at", "on_paper", "choice")),
        "via_proxy": participation.via_proxy_id is not None,
    }


def governance_erase(*, erased: Erased) -> None:
    project = erased.resident.household.project_id
    scrubs = (
        (Meeting, ("minutes",), Q(project_id=project)),
        (AgendaItem, ("description",), Q(meeting__project_id=project)),
        (Objection, ("reason",), Q(proposal__project_id=project)),
        (RoundEntry, ("text", "answer"), Q(proposal__project_id=project)),
    )
    for model, fields, rows in scrubs:
        names_scrub(model, fields, erased=erased, rows=rows)
