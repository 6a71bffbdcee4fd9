"""Demo bylaws and meetings for ``seed_demo``: each project's decision classes, two past general
assemblies with their agenda, attendance and published minutes, and one assembly to come.

Everything goes through the services (so the demo obeys the same rules as the pages) with the
e-mails off. Fixed strings are translated into the city's language. A second run adds nothing:
the classes are written when the project has none, the past assemblies when it has no past
meeting, the coming one when it has none ahead; the dates follow the current month, so the
demo always has a meeting to come.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from community.models import HousingProject
from governance.models import (
    AttendanceStatus,
    Electorate,
    Meeting,
    MeetingKind,
    VotingMethod,
)
from governance.selectors.meetings import meeting_register
from governance.services.meetings import (
    agenda_item_add,
    attendance_record,
    decision_class_create,
    meeting_create,
    minutes_publish,
)
from members.models import User


@dataclass(frozen=True)
class ClassPlan:
    name: Promise
    description: Promise
    method: str
    electorate: str
    rules: dict


CLASS_PLANS = (
    ClassPlan(
        _lazy("Everyday"),
        _lazy("Day-to-day matters: a simple majority of the households voting."),
        VotingMethod.YES_NO,
        Electorate.HOUSEHOLD,
        {"threshold_numerator": 1, "threshold_denominator": 2, "min_notice_days": 3},
    ),
    ClassPlan(
        _lazy("Budget over threshold"),
        _lazy("Spending above the managers' limit: two thirds of the votes, half of the "
              "households taking part."),
        VotingMethod.YES_NO,
        Electorate.HOUSEHOLD,
        {
            "quorum_numerator": 1,
            "quorum_denominator": 2,
            "threshold_numerator": 2,
            "threshold_denominator": 3,
            "threshold_inclusive": True,
            "min_notice_days": 14,
            "review_months": 12,
        },
    ),
    ClassPlan(
        _lazy("Admitting a household"),
        _lazy("A new household joins unless a reasoned objection stands."),
        VotingMethod.CONSENT,
        Electorate.HOUSEHOLD,
        {"quorum_numerator": 1, "quorum_denominator": 2, "min_notice_days": 14},
    ),
    ClassPlan(
        _lazy("Changing the bylaws"),
        _lazy("The bylaws, the contributions and the house rules: two thirds of the adults, by "
              "secret ballot, two thirds taking part."),
        VotingMethod.YES_NO,
        Electorate.ADULT,
        {
            "quorum_numerator": 2,
            "quorum_denominator": 3,
            "threshold_numerator": 2,
            "threshold_denominator": 3,
            "threshold_inclusive": True,
            "secret": True,
            "min_notice_days": 28,
            "review_months": 24,
        },
    ),
    ClassPlan(
        _lazy("Choosing among options"),
        _lazy("Approval voting: each household approves every option it can live with."),
        VotingMethod.APPROVAL,
        Electorate.HOUSEHOLD,
        {"min_notice_days": 7},
    ),
    ClassPlan(
        _lazy("Ranked choice"),
        _lazy("Instant run-off: each adult ranks the options."),
        VotingMethod.RANKED,
        Electorate.ADULT,
        {"min_notice_days": 7},
    ),
)  # fmt: skip

# (title, what the minutes say of it)
PAST_AGENDAS: tuple[tuple[tuple[Promise, Promise], ...], ...] = (
    (
        (_lazy("Approval of the last minutes"), _lazy("Approved without changes.")),
        (_lazy("Annual accounts"), _lazy("Presented by the managers; questions answered.")),
        (
            _lazy("Budget for the coming year"),
            _lazy("Discussed; the maintenance reserve is raised."),
        ),
        (_lazy("Any other business"), _lazy("The garden group asks for volunteers.")),
    ),
    (
        (_lazy("Approval of the last minutes"), _lazy("Approved without changes.")),
        (_lazy("Common room rules"), _lazy("Quiet hours from 22:00 are kept.")),
        (_lazy("Energy savings in the laundry"), _lazy("A working group will report back.")),
        (_lazy("Any other business"), _lazy("Nothing further.")),
    ),
)
COMING_AGENDA: tuple[Promise, ...] = (
    _lazy("Approval of the last minutes"),
    _lazy("Contribution scheme for next year"),
    _lazy("Report of the energy working group"),
    _lazy("Any other business"),
)
ASSEMBLY_HOURS = 2


def _first_saturday(year: int, month: int, zone: ZoneInfo) -> dt.datetime:
    """10:30 on the first Saturday of the month, where the project is."""
    day = dt.date(year, month, 1)
    day += dt.timedelta(days=(5 - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(10, 30), tzinfo=zone)


def _month(today: dt.date, offset: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + offset
    return index // 12, index % 12 + 1


def _seed_classes(project: HousingProject) -> int:
    if project.decision_classes.exists():
        return 0
    for plan in CLASS_PLANS:
        decision_class_create(
            project=project,
            name=str(plan.name),
            description=str(plan.description),
            method=plan.method,
            electorate=plan.electorate,
            **plan.rules,
        )
    return len(CLASS_PLANS)


def _assembly(
    project: HousingProject, start: dt.datetime, chair: User | None, title: str
) -> Meeting:
    return meeting_create(
        project=project,
        kind=MeetingKind.GENERAL_ASSEMBLY,
        title=title,
        start=start,
        end=start + dt.timedelta(hours=ASSEMBLY_HOURS),
        place=_("Common room"),
        chair=chair,
        invite=False,  # the demo sends no e-mail; managers can send them from the page
    )


def _minutes(meeting: Meeting, agenda: tuple[tuple[Promise, Promise], ...], counts: dict) -> str:
    with timezone.override(ZoneInfo(meeting.project.city.time_zone)):
        date = formats.date_format(timezone.localtime(meeting.start), "DATE_FORMAT")
    lines = [
        _("Minutes of the general assembly of %(project)s, %(date)s.")
        % {"project": meeting.project.name, "date": date},
        _("Present: %(present)s · represented by a proxy: %(represented)s · absent: %(absent)s.")
        % counts,
        "",
    ]
    lines += [
        f"{position}. {title}: {note}" for position, (title, note) in enumerate(agenda, start=1)
    ]
    return "\n".join(lines)


def _seed_past(
    project: HousingProject, chair: User | None, today: dt.date, now: dt.datetime
) -> int:
    if project.meetings.filter(start__lt=now).exists():
        return 0
    zone = ZoneInfo(project.city.time_zone)
    for offset, agenda in zip((-6, -2), PAST_AGENDAS, strict=True):
        start = _first_saturday(*_month(today, offset), zone)
        meeting = _assembly(project, start, chair, _("General assembly"))
        for title, _note in agenda:
            agenda_item_add(meeting=meeting, title=str(title))
        rng = random.Random(f"{project.slug}/assembly/{start.date().isoformat()}")  # noqa: S311
        entries = [
            (
                row.resident.pk,
                rng.choices(
                    [
                        AttendanceStatus.PRESENT,
                        AttendanceStatus.REPRESENTED,
                        AttendanceStatus.ABSENT,
                    ],
                    weights=[60, 15, 25],
                )[0],
            )
            for row in meeting_register(meeting=meeting)
        ]
        attendance_record(meeting=meeting, entries=entries)
        counts = {status: 0 for status in AttendanceStatus.values}
        for _resident, status in entries:
            counts[status] += 1
        minutes_publish(
            meeting=meeting,
            minutes=_minutes(meeting, agenda, counts),
            notify=False,
            now=meeting.end + dt.timedelta(days=3),
        )
    return len(PAST_AGENDAS)


def _seed_coming(
    project: HousingProject, chair: User | None, today: dt.date, now: dt.datetime
) -> int:
    if project.meetings.filter(start__gte=now).exists():
        return 0
    start = _first_saturday(*_month(today, 1), ZoneInfo(project.city.time_zone))
    meeting = _assembly(project, start, chair, _("General assembly"))
    for title in COMING_AGENDA:
        agenda_item_add(meeting=meeting, title=str(title))
    return 1


def seed_project_governance(
    *, project: HousingProject, chair: User | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """The project's decision classes and assemblies; returns how many of each were created."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(project.city.time_zone)).date()
    with translation.override(project.city.default_language):
        classes = _seed_classes(project)
        meetings = _seed_past(project, chair, today, now) + _seed_coming(project, chair, today, now)
    return {"decision classes": classes, "meetings": meetings}


__all__ = ["seed_project_governance"]
