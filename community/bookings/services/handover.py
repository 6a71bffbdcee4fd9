"""Handover of a space between households, and the maintenance notes it can raise.

The leaving household ticks the space's checklist when it is done; the household of the next
confirmed booking of the same unit confirms it or disputes it once it gets there. A dispute opens
a maintenance note for the project's managers, with what was not done and what was said.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from common.validation import Conflict
from community.bookings.models import (
    Booking,
    BookingStatus,
    HandoverReport,
    HandoverVerdict,
    MaintenanceNote,
)
from community.bookings.schedule import project_zone
from community.bookings.selectors.handover import handover_next_booking
from community.bookings.services.checkin import CHECKIN_OPENS_BEFORE, user_is_household_member
from members.models import User
from members.selectors import user_can_manage_project


def _check_checklist(*, items: list[str], checklist: object) -> dict[str, bool]:
    if not isinstance(checklist, dict) or not all(
        isinstance(value, bool) for value in checklist.values()
    ):
        raise ValidationError({"checklist": _("Answer each checklist item with yes or no.")})
    missing = [item for item in items if item not in checklist]
    unknown = sorted(str(key) for key in checklist if key not in items)
    if missing:
        raise ValidationError(
            {"checklist": _("Answer every item: %(items)s.") % {"items": ", ".join(missing)}}
        )
    if unknown:
        raise ValidationError(
            {
                "checklist": _("These are not on the space's checklist: %(items)s.")
                % {"items": ", ".join(unknown)}
            }
        )
    return {item: checklist[item] for item in items}


@transaction.atomic
def handover_submit(
    *,
    booking: Booking,
    checklist: dict[str, bool],
    comment: str,
    submitted_by: User,
    now: dt.datetime | None = None,
) -> HandoverReport:
    """The leaving household's report: every item of the space's checklist, done or not."""
    now = now or timezone.now()
    if not user_is_household_member(user=submitted_by, household_id=booking.household_id):
        raise PermissionDenied(_("Only the household that booked can hand the space over."))
    # Locking the booking makes a second, simultaneous submission wait and then see the first.
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("space").get(pk=booking.pk)
    )
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict(_("Only a confirmed booking can be handed over."))
    if HandoverReport.objects.filter(booking=booking).exists():
        raise Conflict(_("This booking has been handed over already."))
    if now < booking.start:
        raise ValidationError(
            {"start": _("The space can be handed over once the booking started.")}
        )
    report = HandoverReport(
        booking=booking,
        checklist=_check_checklist(
            items=list(booking.space.handover_checklist), checklist=checklist
        ),
        comment=(comment or "").strip(),
        submitted_by=submitted_by,
        submitted_at=now,
    )
    report.full_clean(exclude=["submitted_by", "verdict_booking"])
    report.save()
    return report


def _maintenance_text(*, report: HandoverReport, next_booking: Booking, comment: str) -> str:
    booking = report.booking
    space = booking.space
    # The note is stored once and read by every manager: write it in the city's language.
    with translation.override(space.project.city.default_language):
        start = booking.start.astimezone(project_zone(space))
        lines = [
            _(
                "Handover of %(space)s after the booking of unit %(unit)s on %(date)s "
                "disputed by unit %(next)s."
            )
            % {
                "space": space.name,
                "unit": booking.household.unit_label,
                "date": formats.date_format(start, "DATETIME_FORMAT"),
                "next": next_booking.household.unit_label,
            }
        ]
        not_done = [item for item, done in report.checklist.items() if not done]
        if not_done:
            lines.append(_("Marked not done: %(items)s") % {"items": "; ".join(not_done)})
        if report.comment:
            lines.append(
                _("Leaving household's comment: %(comment)s") % {"comment": report.comment}
            )
        if comment:
            lines.append(_("Next household's comment: %(comment)s") % {"comment": comment})
        return "\n".join(lines)


@transaction.atomic
def handover_review(
    *,
    report: HandoverReport,
    verdict: str,
    reviewer: User,
    comment: str = "",
    now: dt.datetime | None = None,
) -> HandoverReport:
    """The next household confirms the space was left as listed, or disputes it.

    A dispute must say what is wrong, and opens a maintenance note for the managers.
    """
    now = now or timezone.now()
    comment = (comment or "").strip()
    report = (
        HandoverReport.objects.select_for_update(of=("self",))
        .select_related("booking__space__project__city", "booking__household")
        .get(pk=report.pk)
    )
    next_booking = handover_next_booking(booking=report.booking)
    if next_booking is None or not user_is_household_member(
        user=reviewer, household_id=next_booking.household_id
    ):
        raise PermissionDenied(
            _("Only the household of the next booking can review this handover.")
        )
    if report.verdict:
        raise Conflict(_("This handover has been reviewed already."))
    if verdict not in HandoverVerdict.values:
        raise ValidationError({"verdict": _("Confirm or dispute the handover.")})
    if now < next_booking.start - CHECKIN_OPENS_BEFORE:
        raise ValidationError(
            {"verdict": _("You can review the handover when your booking is about to start.")}
        )
    if verdict == HandoverVerdict.DISPUTED and not comment:
        raise ValidationError({"comment": _("Say what was not as listed.")})
    report.verdict = verdict
    report.verdict_booking = next_booking
    report.verdict_comment = comment
    report.verdict_at = now
    report.save(update_fields=["verdict", "verdict_booking", "verdict_comment", "verdict_at"])
    if verdict == HandoverVerdict.DISPUTED:
        MaintenanceNote.objects.create(
            space=report.booking.space,
            handover=report,
            text=_maintenance_text(report=report, next_booking=next_booking, comment=comment),
            created_at=now,
        )
    return report


@transaction.atomic
def maintenance_note_resolve(
    *, note: MaintenanceNote, resolved_by: User, now: dt.datetime | None = None
) -> MaintenanceNote:
    """A manager of the project marks the note as dealt with; resolving twice keeps the first."""
    note = (
        MaintenanceNote.objects.select_for_update(of=("self",))
        .select_related("space__project")
        .get(pk=note.pk)
    )
    if not user_can_manage_project(user=resolved_by, project=note.space.project):
        raise PermissionDenied(_("Only the project's managers can resolve maintenance notes."))
    if note.resolved_at is None:
        note.resolved_at = now or timezone.now()
        note.resolved_by = resolved_by
        note.save(update_fields=["resolved_at", "resolved_by"])
    return note


__all__ = [
    "handover_review",
    "handover_submit",
    "maintenance_note_resolve",
]
