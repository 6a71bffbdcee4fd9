"""Bookings' part of a person's data: the household's bookings and waitlist entries in their
export, and the removed resident's name taken out of booking and handover notes
(registered in ``CommunityConfig.ready``, see ``members.personal_data``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from community.bookings.models import Booking, HandoverReport, MaintenanceNote, WaitlistEntry
from members.personal_data import Erased, Subject, export_row, names_scrub


def bookings_export(*, subject: Subject) -> dict[str, Any]:
    """Two queries."""
    if subject.household is None:
        return {"bookings": [], "waitlist_entries": []}
    bookings = Booking.objects.filter(household=subject.household).select_related("space")
    waitlist = WaitlistEntry.objects.filter(household=subject.household).select_related("space")
    return {
        "bookings": [
            {
                "space": booking.space.name,
                **export_row(
                    booking,
                    (
                        "start",
                        "end",
                        "status",
                        "attendees",
                        "note",
                        "fee_cents",
                        "fee_reduced",
                        "created_at",
                        "cancelled_at",
                        "checked_in_at",
                    ),
                ),
            }
            for booking in bookings.order_by("start", "pk")
        ],
        "waitlist_entries": [
            {
                "space": entry.space.name,
                **export_row(entry, ("start", "end", "attendees", "status", "created_at")),
            }
            for entry in waitlist.order_by("start", "pk")
        ],
    }


def bookings_erase(*, erased: Erased) -> None:
    """Notes are free text that may name the person; the bookings themselves stay (they
    belong to the household and count in the usage figures)."""
    project = erased.resident.household.project_id
    in_project = {"space__project_id": project}
    names_in = {
        Booking: (("note", "decision_note"), in_project),
        HandoverReport: (("comment", "verdict_comment"), {"booking__space__project_id": project}),
        MaintenanceNote: (("text",), in_project),
    }
    for model, (fields, rows) in names_in.items():
        names_scrub(model, fields, erased=erased, rows=Q(**rows))
