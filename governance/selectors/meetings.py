"""Reads of meetings and decision classes, each filtered to what the asking user may see.

Who sees what (issue 4):
- the managers and the residents of a project see its meetings, their agenda, how many were
  present, represented or absent, the published minutes, and the project's decision classes;
- unpublished minutes and the attendance register by name are for the managers and the
  meeting's chair only (residents do not otherwise see their neighbours' names);
- city officers and the members of other projects see none of it: it does not exist for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from governance.models import AgendaItem, Attendance, AttendanceStatus, DecisionClass, Meeting
from members.models import HousingProject, Resident, User
from members.selectors import AnyUser, member_project_list

# Who is on a meeting's attendance register: the adults of the households living there.
REGISTER_ADULT_AGE = 18


def _count_of(queryset: QuerySet) -> Coalesce:
    """A correlated count, so that counting two relations of a meeting does not multiply rows."""
    counted = queryset.order_by().values("meeting").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _with_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    attendance = Attendance.objects.filter(meeting=OuterRef("pk"))
    return meetings.annotate(
        agenda_items_count=_count_of(AgendaItem.objects.filter(meeting=OuterRef("pk"))),
        present_count=_count_of(attendance.filter(status=AttendanceStatus.PRESENT)),
        represented_count=_count_of(attendance.filter(status=AttendanceStatus.REPRESENTED)),
        absent_count=_count_of(attendance.filter(status=AttendanceStatus.ABSENT)),
    )


def _agenda_prefetch() -> Prefetch:
    return Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "pk"))


def meeting_list_for_user(*, user: AnyUser, with_agenda: bool = False) -> QuerySet[Meeting]:
    """The meetings of the user's projects, latest first, with their agenda and attendance
    counts (``agenda_items_count``, ``present_count``, ``represented_count``,
    ``absent_count``); with ``with_agenda`` the agenda items too, in order."""
    meetings = _with_counts(
        Meeting.objects.filter(project__in=member_project_list(user=user).values("pk"))
        .select_related("project__city", "chair")
        .order_by("-start", "-pk")
    )
    if with_agenda:
        meetings = meetings.prefetch_related(_agenda_prefetch())
    return meetings


def meeting_detail(*, user: AnyUser, pk: int) -> Meeting | None:
    """One meeting the user may see, with its agenda items in order and the attendance counts;
    None when it does not exist for them."""
    return meeting_list_for_user(user=user, with_agenda=True).filter(pk=pk).first()


def user_can_run_meeting(*, user: AnyUser, meeting: Meeting) -> bool:
    """The project's managers and the meeting's chair (while a member of the project) keep the
    register and write the minutes."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.has_perm("members.manage_housingproject", meeting.project):
        return True
    return (
        meeting.chair_id == user.pk
        and member_project_list(user=user).filter(pk=meeting.project_id).exists()
    )


def meeting_minutes_visible(*, meeting: Meeting, can_run: bool) -> bool:
    return meeting.minutes_published_at is not None or can_run


def meeting_day(meeting: Meeting) -> dt.date:
    """The meeting's date where the project is."""
    return meeting.start.astimezone(ZoneInfo(meeting.project.city.time_zone)).date()


def _living_on(day: dt.date) -> Q:
    return Q(household__move_in__lte=day) & (
        Q(household__move_out__isnull=True) | Q(household__move_out__gte=day)
    )


@dataclass(frozen=True)
class RegisterRow:
    resident: Resident
    status: str  # an AttendanceStatus, or "" when nothing is recorded yet


def meeting_register(*, meeting: Meeting) -> list[RegisterRow]:
    """The attendance register: every adult of the households living in the project on the
    meeting's day, by unit and name, with what was recorded for them; anyone recorded who has
    left since stays on it. Two queries."""
    day = meeting_day(meeting)
    statuses = dict(Attendance.objects.filter(meeting=meeting).values_list("resident_id", "status"))
    residents = (
        Resident.objects.filter(household__project_id=meeting.project_id)
        .filter(
            (_living_on(day) & Q(birth_year__lte=day.year - REGISTER_ADULT_AGE))
            | Q(pk__in=list(statuses))
        )
        .select_related("household")
        .order_by("household__unit_label", "last_name", "first_name", "pk")
    )
    return [RegisterRow(resident, statuses.get(resident.pk, "")) for resident in residents]


def meeting_recipients(*, meeting: Meeting) -> list[User]:
    """Who hears of a meeting: the active accounts of the residents of every household living in
    the project on the meeting's day, while they hold a role there."""
    day = meeting_day(meeting)
    return list(
        User.objects.filter(
            is_active=True,
            resident__household__project_id=meeting.project_id,
            roles__project_id=meeting.project_id,
            roles__revoked_at__isnull=True,
        )
        .filter(
            Q(resident__household__move_in__lte=day)
            & (
                Q(resident__household__move_out__isnull=True)
                | Q(resident__household__move_out__gte=day)
            )
        )
        .distinct()
        .order_by("pk")
    )


def decision_class_list_for_user(*, user: AnyUser) -> QuerySet[DecisionClass]:
    """The decision classes (the bylaws' voting rules) of the user's projects."""
    return (
        DecisionClass.objects.filter(project__in=member_project_list(user=user).values("pk"))
        .select_related("project")
        .order_by("project_id", "name", "pk")
    )


def chair_candidate_list(*, project: HousingProject) -> QuerySet[User]:
    """Who may chair a meeting of the project: anyone with an open role on it."""
    return (
        User.objects.filter(roles__project=project, roles__revoked_at__isnull=True, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def agenda_item_list_for_user(*, user: AnyUser) -> QuerySet[AgendaItem]:
    """The agenda items of the meetings the user may see."""
    return (
        AgendaItem.objects.filter(meeting__project__in=member_project_list(user=user).values("pk"))
        .select_related("meeting__project")
        .order_by("meeting_id", "position", "pk")
    )


def chair_candidate_list_for_user(*, user: AnyUser) -> QuerySet[User]:
    """Whom the user may name as a chair: members of the projects they take part in (the
    services check the meeting's own project)."""
    return (
        User.objects.filter(
            roles__project__in=member_project_list(user=user).values("pk"),
            roles__revoked_at__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )


__all__ = [
    "RegisterRow",
    "agenda_item_list_for_user",
    "chair_candidate_list",
    "chair_candidate_list_for_user",
    "decision_class_list_for_user",
    "meeting_day",
    "meeting_detail",
    "meeting_list_for_user",
    "meeting_minutes_visible",
    "meeting_recipients",
    "meeting_register",
    "member_project_list",
    "user_can_run_meeting",
]
