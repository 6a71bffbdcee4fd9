"""Writes to meetings and decision classes: validated inside, one transaction each (STYLE.md).

The bylaws (issue 4): each project defines decision classes, each with its voting method,
electorate, quorum, pass threshold, how abstentions count, a minimum notice and a review
interval. Shares are exact fractions (numerator / denominator), so that "two thirds" is 2/3.

Meetings: a kind, a time, a place or a link, an agenda, an attendance register (present,
represented by a proxy, absent) and minutes written after the meeting has started and published
once. Every household hears of a new meeting (an invitation with its calendar entry) and of its
published minutes, each e-mail exactly once: the meeting row is locked while sending and the
time of sending is recorded in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, ProtectedError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from common.outbox import queue_after_commit
from common.validation import Conflict, save_validated
from governance.calendars import meeting_calendar
from governance.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    DecisionClass,
    Meeting,
    VotingMethod,
)
from governance.selectors.meetings import chair_candidate_list, meeting_recipients
from members.models import HousingProject, Resident, User

logger = logging.getLogger(__name__)

DECISION_CLASS_EDITABLE = (
    "name",
    "description",
    "method",
    "electorate",
    "quorum_numerator",
    "quorum_denominator",
    "threshold_numerator",
    "threshold_denominator",
    "threshold_inclusive",
    "abstentions_count_for_quorum",
    "min_notice_days",
    "review_months",
    "secret",
)
MEETING_EDITABLE = ("kind", "title", "start", "end", "place", "link", "chair")
REVIEW_MONTHS_MAX = 120
# Positions are small integers; reordering parks every item above this offset for a moment.
MAX_AGENDA_ITEMS = 200
_PARKING_OFFSET = 10_000


# --- Decision classes ---------------------------------------------------------------------------


def _check_decision_class(decision_class: DecisionClass) -> None:
    """Every rule of a decision class, all errors at once, each on its field."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    dc = decision_class
    if dc.quorum_denominator is not None and dc.quorum_denominator < 1:
        refuse("quorum_denominator", _("The denominator must be at least 1."))
    elif (
        dc.quorum_numerator is not None
        and dc.quorum_denominator is not None
        and not 0 <= dc.quorum_numerator <= dc.quorum_denominator
    ):
        refuse("quorum_numerator", _("The quorum must be a share between 0 and 1."))
    if dc.threshold_denominator is not None and dc.threshold_denominator < 1:
        refuse("threshold_denominator", _("The denominator must be at least 1."))
    elif dc.threshold_numerator is not None and dc.threshold_denominator is not None:
        if dc.threshold_numerator < 1:
            refuse("threshold_numerator", _("The pass threshold must be above 0."))
        elif dc.threshold_numerator > dc.threshold_denominator:
            refuse("threshold_numerator", _("The pass threshold cannot be more than 1."))
    if dc.method == VotingMethod.CONSENT and dc.secret:
        # Consent works through reasoned objections, answered and amended in the open.
        refuse("secret", _("A consent decision cannot be taken by secret ballot."))
    if dc.review_months is not None and not 1 <= dc.review_months <= REVIEW_MONTHS_MAX:
        refuse(
            "review_months",
            _("Review a decision within 1 to %(most)s months.") % {"most": REVIEW_MONTHS_MAX},
        )
    if errors:
        raise ValidationError(errors)


def _refuse_unknown(fields: Iterable[str], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({field: _("This field cannot be set here.") for field in unknown})


@transaction.atomic
def decision_class_create(
    *, project: HousingProject, name: str, method: str, electorate: str, **rules: object
) -> DecisionClass:
    """A new kind of decision in the project's bylaws."""
    _refuse_unknown(rules, DECISION_CLASS_EDITABLE)
    decision_class = DecisionClass(
        project=project, name=name, method=method, electorate=electorate, **rules
    )
    _check_decision_class(decision_class)
    return save_validated(decision_class)


@transaction.atomic
def decision_class_update(*, decision_class: DecisionClass, **changes: object) -> DecisionClass:
    """Change a decision class. Votes already opened keep the rules they opened with (a
    proposal copies them when it opens), so this changes only what comes next."""
    _refuse_unknown(changes, DECISION_CLASS_EDITABLE)
    decision_class = DecisionClass.objects.select_for_update().get(pk=decision_class.pk)
    for field, value in changes.items():
        setattr(decision_class, field, value)
    _check_decision_class(decision_class)
    return save_validated(decision_class)


@transaction.atomic
def decision_class_delete(*, decision_class: DecisionClass) -> None:
    """Remove a decision class no proposal has used; one that has been used is history."""
    if decision_class.proposals.exists():
        raise Conflict(_("Proposals were made under this decision class: it cannot be removed."))
    try:
        with transaction.atomic():
            decision_class.delete()
    except ProtectedError as exc:  # a proposal made meanwhile
        raise Conflict(
            _("Proposals were made under this decision class: it cannot be removed.")
        ) from exc


# --- Meetings -----------------------------------------------------------------------------------


def _check_chair(project: HousingProject, chair: User | None) -> None:
    if chair is not None and not chair_candidate_list(project=project).filter(pk=chair.pk).exists():
        raise ValidationError({"chair": _("The chair must be a member of the project.")})


def _queue_invitations(meeting_id: int) -> None:
    queue_after_commit("governance.tasks.meeting_invitations_send_task", meeting_id)


@transaction.atomic
def meeting_create(
    *,
    project: HousingProject,
    kind: str,
    title: str,
    start: dt.datetime,
    end: dt.datetime | None = None,
    place: str = "",
    link: str = "",
    chair: User | None = None,
    invite: bool = True,
    now: dt.datetime | None = None,
) -> Meeting:
    """Call a meeting. Unless ``invite`` is off, every household is invited by e-mail once the
    meeting is saved (a meeting recorded after the fact invites nobody)."""
    _check_chair(project, chair)
    meeting = save_validated(
        Meeting(
            project=project,
            kind=kind,
            title=title,
            start=start,
            end=end,
            place=place,
            link=link,
            chair=chair,
        )
    )
    if invite and meeting.start > (now or timezone.now()):
        _queue_invitations(meeting.pk)
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, **changes: object) -> Meeting:
    _refuse_unknown(changes, MEETING_EDITABLE)
    meeting = Meeting.objects.select_for_update().select_related("project").get(pk=meeting.pk)
    if "chair" in changes:
        _check_chair(meeting.project, changes["chair"])  # type: ignore[arg-type]
    for field, value in changes.items():
        setattr(meeting, field, value)
    return save_validated(meeting)


@transaction.atomic
def meeting_invitations_queue(*, meeting: Meeting, now: dt.datetime | None = None) -> None:
    """The managers' "send the invitations" action, for a meeting created without them."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.invitations_sent_at is not None:
        raise Conflict(_("The invitations to this meeting have been sent already."))
    if meeting.start <= (now or timezone.now()):
        raise Conflict(_("This meeting has started: it is too late to invite to it."))
    _queue_invitations(meeting.pk)


def _local(meeting: Meeting) -> dict[str, str]:
    """The meeting's date and times as the recipient's language writes them, on the project's
    clock (call inside ``translation.override``)."""
    with timezone.override(ZoneInfo(meeting.project.city.time_zone)):
        start = timezone.localtime(meeting.start)
        end = timezone.localtime(meeting.end) if meeting.end else None
        return {
            "date": formats.date_format(start, "DATE_FORMAT"),
            "weekday": formats.date_format(start, "l"),
            "start_time": formats.time_format(start, "TIME_FORMAT"),
            "end_time": formats.time_format(end, "TIME_FORMAT") if end else "",
        }


def _meeting_url(meeting: Meeting) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("meeting_detail", args=[meeting.pk])


def meeting_invitation_message(
    *, meeting: Meeting, agenda: list[AgendaItem], user: User
) -> EmailMessage:
    """The invitation in the recipient's language, with the meeting as a calendar entry."""
    with translation.override(user.language):
        when = _local(meeting)
        context = {
            "meeting": meeting,
            "project": meeting.project,
            "kind": meeting.get_kind_display(),
            "agenda": agenda,
            "user": user,
            "url": _meeting_url(meeting),
            **when,
        }
        subject = _("Invitation: %(title)s, %(date)s at %(time)s") % {
            "title": meeting.title,
            "date": when["date"],
            "time": when["start_time"],
        }
        body = render_to_string("governance/email/meeting_invitation.txt", context)
        calendar = meeting_calendar(meeting=meeting, agenda=agenda, url=context["url"])
    message = EmailMessage(subject, body, None, [user.email])
    message.attach(f"meeting-{meeting.pk}.ics", calendar, "text/calendar")
    return message


def meeting_invitations_send(*, meeting: Meeting, now: dt.datetime | None = None) -> int:
    """Invite every household's residents with an account, each in their language; once.

    Returns how many e-mails went out: 0 when they were sent already (a retried or duplicated
    task) or when the meeting has started meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("project__city")
            .get(pk=meeting.pk)
        )
        if meeting.invitations_sent_at is not None or meeting.start <= now:
            return 0
        agenda = list(meeting.agenda_items.order_by("position", "pk"))
        messages = [
            meeting_invitation_message(meeting=meeting, agenda=agenda, user=user)
            for user in meeting_recipients(meeting=meeting)
        ]
        with get_connection() as connection:
            sent = connection.send_messages(messages) if messages else 0
        meeting.invitations_sent_at = now
        meeting.save(update_fields=["invitations_sent_at"])
        return sent or 0


# --- Agenda -------------------------------------------------------------------------------------


def _lock_meeting(meeting: Meeting) -> Meeting:
    """Agenda writes of one meeting take turns: each renumbers the positions."""
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def _apply_order(meeting: Meeting, ordered_ids: list[int]) -> None:
    """Number the items 1, 2, 3… in the given order, in two steps: PostgreSQL checks a
    (non-deferrable) unique constraint row by row, so swapping two positions in place would
    collide half-way."""
    items = AgendaItem.objects.filter(meeting=meeting)
    items.update(position=F("position") + _PARKING_OFFSET)
    AgendaItem.objects.bulk_update(
        [AgendaItem(pk=pk, position=index) for index, pk in enumerate(ordered_ids, start=1)],
        ["position"],
    )


def _current_order(meeting: Meeting) -> list[int]:
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )


def _check_item_text(title: str) -> None:
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the agenda item a title.")})


@transaction.atomic
def agenda_item_add(
    *, meeting: Meeting, title: str, description: str = "", position: int | None = None
) -> AgendaItem:
    """Add an item to the agenda, at the end or at ``position`` (1 is first; the items from
    there on move down one)."""
    meeting = _lock_meeting(meeting)
    _check_item_text(title)
    order = _current_order(meeting)
    if len(order) >= MAX_AGENDA_ITEMS:
        raise ValidationError(
            {"title": _("An agenda has %(most)s items at most.") % {"most": MAX_AGENDA_ITEMS}}
        )
    if position is None:
        position = len(order) + 1
    if not 1 <= position <= len(order) + 1:
        raise ValidationError(
            {"position": _("Choose a position from 1 to %(last)s.") % {"last": len(order) + 1}}
        )
    # Saved out of the way first (above the parked positions), then numbered with the rest.
    item = AgendaItem(
        meeting=meeting, position=_PARKING_OFFSET * 2, title=title, description=description
    )
    item.full_clean(exclude=["meeting"])
    item.save()
    order.insert(position - 1, item.pk)
    _apply_order(meeting, order)
    item.position = position
    return item


@transaction.atomic
def agenda_item_update(
    *,
    item: AgendaItem,
    title: str | None = None,
    description: str | None = None,
    position: int | None = None,
) -> AgendaItem:
    """Change an item's text, or move it to ``position``."""
    _lock_meeting(item.meeting)
    item = AgendaItem.objects.get(pk=item.pk)
    if title is not None:
        _check_item_text(title)
        item.title = title
    if description is not None:
        item.description = description
    item.full_clean(exclude=["meeting", "position"])
    item.save(update_fields=["title", "description"])
    if position is not None:
        order = _current_order(item.meeting)
        if not 1 <= position <= len(order):
            raise ValidationError(
                {"position": _("Choose a position from 1 to %(last)s.") % {"last": len(order)}}
            )
        order.remove(item.pk)
        order.insert(position - 1, item.pk)
        _apply_order(item.meeting, order)
        item.position = position
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem) -> None:
    """Take an item off the agenda; the ones after it move up. A proposal that was on it stays,
    without an agenda item."""
    meeting = _lock_meeting(item.meeting)
    AgendaItem.objects.filter(pk=item.pk).delete()
    _apply_order(meeting, _current_order(meeting))


@transaction.atomic
def agenda_reorder(*, meeting: Meeting, item_ids: list[int]) -> list[AgendaItem]:
    """Put the whole agenda in a new order: ``item_ids`` lists every item once, first first."""
    meeting = _lock_meeting(meeting)
    current = _current_order(meeting)
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(current):
        raise ValidationError(
            {"items": _("List every item of this meeting's agenda exactly once.")}
        )
    _apply_order(meeting, list(item_ids))
    return list(AgendaItem.objects.filter(meeting=meeting).order_by("position"))


# --- Attendance ---------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, entries: Iterable[tuple[Resident | int, str]]
) -> list[Attendance]:
    """Record (or correct) the register: (resident, status) pairs, each resident at most once.
    Residents already recorded and not named keep their status."""
    pairs = [
        (resident.pk if isinstance(resident, Resident) else resident, status)
        for resident, status in entries
    ]
    resident_ids = [resident_id for resident_id, _status in pairs]
    if len(resident_ids) != len(set(resident_ids)):
        raise ValidationError({"entries": _("Each resident can be recorded only once.")})
    if any(status not in AttendanceStatus.values for _resident, status in pairs):
        raise ValidationError({"entries": _("The status is one of: present, represented, absent.")})
    if not pairs:
        return []
    meeting = _lock_meeting(meeting)
    known = set(
        Resident.objects.filter(
            pk__in=resident_ids, household__project_id=meeting.project_id
        ).values_list("pk", flat=True)
    )
    strangers = [resident_id for resident_id in resident_ids if resident_id not in known]
    if strangers:
        raise ValidationError(
            {
                "entries": _("Not residents of this project: %(ids)s.")
                % {"ids": ", ".join(str(resident_id) for resident_id in strangers)}
            }
        )
    return Attendance.objects.bulk_create(
        [
            Attendance(meeting=meeting, resident_id=resident_id, status=status)
            for resident_id, status in pairs
        ],
        update_conflicts=True,
        unique_fields=["meeting", "resident"],
        update_fields=["status"],
    )


# --- Minutes ------------------------------------------------------------------------------------


def _lock_for_minutes(meeting: Meeting, now: dt.datetime) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.start > now:
        raise ValidationError(
            {"minutes": _("The minutes can be written once the meeting has started.")}
        )
    if meeting.minutes_published_at is not None:
        raise Conflict(_("The minutes are published: they can no longer be changed."))
    return meeting


@transaction.atomic
def minutes_save(*, meeting: Meeting, minutes: str, now: dt.datetime | None = None) -> Meeting:
    """Write or rewrite the minutes, until they are published."""
    meeting = _lock_for_minutes(meeting, now or timezone.now())
    meeting.minutes = minutes
    meeting.full_clean(exclude=["project", "chair"])
    meeting.save(update_fields=["minutes"])
    return meeting


@transaction.atomic
def minutes_publish(
    *,
    meeting: Meeting,
    minutes: str | None = None,
    notify: bool = True,
    now: dt.datetime | None = None,
) -> Meeting:
    """Publish the minutes (saving ``minutes`` first, when given): once, after which they are
    the record. Every household is told by e-mail unless ``notify`` is off."""
    now = now or timezone.now()
    meeting = _lock_for_minutes(meeting, now)
    if minutes is not None:
        meeting.minutes = minutes
    if not meeting.minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes before publishing them.")})
    meeting.minutes_published_at = now
    if not notify:
        meeting.minutes_notified_at = now  # nobody is to be told, now or on a retry
    meeting.full_clean(exclude=["project", "chair"])
    meeting.save(update_fields=["minutes", "minutes_published_at", "minutes_notified_at"])
    if notify:
        queue_after_commit("governance.tasks.meeting_minutes_notify_task", meeting.pk)
    return meeting


def meeting_minutes_message(*, meeting: Meeting, user: User) -> EmailMessage:
    with translation.override(user.language):
        when = _local(meeting)
        context = {
            "meeting": meeting,
            "project": meeting.project,
            "user": user,
            "url": _meeting_url(meeting),
            **when,
        }
        subject = _("Minutes published: %(title)s, %(date)s") % {
            "title": meeting.title,
            "date": when["date"],
        }
        body = render_to_string("governance/email/minutes_published.txt", context)
    return EmailMessage(subject, body, None, [user.email])


def meeting_minutes_notify(*, meeting_id: int) -> int:
    """Tell every household that the minutes are out; once. Returns how many e-mails went out."""
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("project__city")
            .get(pk=meeting_id)
        )
        if meeting.minutes_published_at is None or meeting.minutes_notified_at is not None:
            return 0
        messages = [
            meeting_minutes_message(meeting=meeting, user=user)
            for user in meeting_recipients(meeting=meeting)
        ]
        with get_connection() as connection:
            sent = connection.send_messages(messages) if messages else 0
        meeting.minutes_notified_at = timezone.now()
        meeting.save(update_fields=["minutes_notified_at"])
        return sent or 0


__all__ = [
    "agenda_item_add",
    "agenda_item_remove",
    "agenda_item_update",
    "agenda_reorder",
    "attendance_record",
    "decision_class_create",
    "decision_class_delete",
    "decision_class_update",
    "meeting_create",
    "meeting_invitation_message",
    "meeting_invitations_queue",
    "meeting_invitations_send",
    "meeting_minutes_notify",
    "meeting_update",
    "minutes_publish",
    "minutes_save",
]
