"""Demo bylaws, meetings and votes for ``seed_demo``: each project's decision classes, two past
general assemblies with their agenda, attendance, published minutes and decided votes, one
assembly to come, and one open vote of each method before it.

Everything goes through the services (so the demo obeys the same rules as the pages) with the
e-mails off. Its content is in the city's language (``demo.texts``). A second run adds nothing:
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

from demo.texts import local
from governance.models import (
    AttendanceStatus,
    Electorate,
    Meeting,
    MeetingKind,
    Proposal,
    VotingMethod,
)
from governance.rules import ADULT_AGE
from governance.selectors.meetings import meeting_register
from governance.services.ballots import ballot_cast_paper
from governance.services.meetings import (
    agenda_item_add,
    attendance_record,
    decision_class_create,
    meeting_create,
    minutes_publish,
)
from governance.services.proposals import (
    consent_phase_advance,
    proposal_close,
    proposal_create,
    proposal_open,
)
from members.models import HousingProject, Resident, User


@dataclass(frozen=True)
class ClassPlan:
    name: Promise
    description: Promise
    method: str
    electorate: str
    rules: dict


CLASS_PLANS = (
    ClassPlan(
        local("Everyday"),
        local("Day-to-day matters: a simple majority of the households voting."),
        VotingMethod.YES_NO,
        Electorate.HOUSEHOLD,
        {"threshold_numerator": 1, "threshold_denominator": 2, "min_notice_days": 3},
    ),
    ClassPlan(
        local("Budget over threshold"),
        local("Spending above the managers' limit: two thirds of the votes, half of the "
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
        local("Admitting a household"),
        local("A new household joins unless a reasoned objection stands."),
        VotingMethod.CONSENT,
        Electorate.HOUSEHOLD,
        {"quorum_numerator": 1, "quorum_denominator": 2, "min_notice_days": 14},
    ),
    ClassPlan(
        local("Changing the bylaws"),
        local("The bylaws, the contributions and the house rules: two thirds of the adults, by "
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
        local("Choosing among options"),
        local("Approval voting: each household approves every option it can live with."),
        VotingMethod.APPROVAL,
        Electorate.HOUSEHOLD,
        {"min_notice_days": 7},
    ),
    ClassPlan(
        local("Ranked choice"),
        local("Instant run-off: each adult ranks the options."),
        VotingMethod.RANKED,
        Electorate.ADULT,
        {"min_notice_days": 7},
    ),
)  # fmt: skip

# (title, what the minutes say of it)
PAST_AGENDAS: tuple[tuple[tuple[Promise, Promise], ...], ...] = (
    (
        (local("Approval of the last minutes"), local("Approved without changes.")),
        (local("Annual accounts"), local("Presented by the managers; questions answered.")),
        (
            local("Budget for the coming year"),
            local("Discussed; the maintenance reserve is raised."),
        ),
        (local("Any other business"), local("The garden group asks for volunteers.")),
    ),
    (
        (local("Approval of the last minutes"), local("Approved without changes.")),
        (local("Common room rules"), local("Quiet hours from 22:00 are kept.")),
        (local("Energy savings in the laundry"), local("A working group will report back.")),
        (local("Any other business"), local("Nothing further.")),
    ),
)
COMING_AGENDA: tuple[Promise, ...] = (
    local("Approval of the last minutes"),
    local("Contribution scheme for next year"),
    local("Report of the energy working group"),
    local("Any other business"),
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


@dataclass(frozen=True)
class VotePlan:
    """A demo vote: its class (by position in CLASS_PLANS), title, text, options, and how the
    households lean (weights of each answer, in the method's terms)."""

    class_index: int
    title: Promise
    text: Promise
    options: tuple[Promise, ...] = ()
    lean: tuple[int, ...] = ()


# On the two past assemblies, in order; closed with their decisions.
PAST_VOTES: tuple[tuple[VotePlan, ...], ...] = (
    (
        VotePlan(
            1,
            local("Raise the maintenance reserve"),
            local(
                "Raise the maintenance reserve by 5% so that the roof can be redone "
                "in four years without a loan."
            ),
            lean=(70, 20, 10),
        ),
        VotePlan(
            4,
            local("Plan for the shared garden"),
            local(
                "Which plantings should the garden group start with? Approve every "
                "option you can live with."
            ),
            (local("Vegetable beds"), local("Fruit trees"), local("Wild flower meadow")),
        ),
        VotePlan(
            2,
            local("Admitting the household of unit 3B"),
            local("A family of three asks to join the project in unit 3B."),
        ),
    ),
    (
        VotePlan(
            0,
            local("Keep quiet hours from 22:00"),
            local(
                "The common room is quiet from 22:00 on weekdays and from midnight on "
                "Fridays and Saturdays."
            ),
            lean=(55, 35, 10),
        ),
        VotePlan(
            5,
            local("A name for the common room"),
            local("Rank the proposed names; the name with a majority after run-off wins."),
            (
                local("The Hearth"),
                local("The Commons"),
                local("The Living Room"),
                local("The Square"),
            ),
        ),
        VotePlan(
            3,
            local("Allow small pets"),
            local("Change the house rules to allow cats and small dogs."),
            lean=(45, 45, 10),
        ),
    ),
)
# Open now, one of each method, before the coming assembly.
OPEN_VOTES: tuple[VotePlan, ...] = (
    VotePlan(0, local("Buy a shared cargo bike"),
             local("Buy an electric cargo bike for everyone, booked like the other spaces."),
             lean=(60, 30, 10)),
    VotePlan(4, local("Date of the summer party"),
             local("Approve every date you could come."),
             (local("First Saturday of July"), local("Second Saturday of July"),
              local("Last Saturday of August"))),
    VotePlan(5, local("Colour of the stairwell"),
             local("Rank the colours from the one you like best."),
             (local("Sand"), local("Sage green"), local("Sky blue"), local("White"))),
    VotePlan(2, local("Admitting the household of unit 5A"),
             local("A couple asks to join the project in unit 5A; questions first, then "
                   "reactions, then consent.")),
    VotePlan(3, local("Allow a second parking space for car sharing"),
             local("Change the rules so that two parking spaces are kept for shared cars."),
             lean=(65, 25, 10)),
)  # fmt: skip
VOTE_DAYS = 10


def ballot_choice(
    plan: VotePlan, method: str, options: list[str], rng: random.Random
) -> str | list[str]:
    """A believable ballot of the method: how the plan says the households lean."""
    if method == VotingMethod.YES_NO:
        return rng.choices(["yes", "no", "abstain"], weights=plan.lean or (60, 30, 10))[0]
    if method == VotingMethod.CONSENT:
        return rng.choices(["consent", "stand_aside"], weights=[85, 15])[0]
    if method == VotingMethod.APPROVAL:
        approved = [option for option in options if rng.random() < 0.5]
        return approved or [rng.choice(options)]
    ranking = options[:]
    rng.shuffle(ranking)
    return ranking[: rng.randint(1, len(ranking))]


def _ballot_residents(proposal: Proposal) -> list[Resident]:
    """One resident per voter: the voter, or the first adult of a voting household."""
    voters = list(proposal.voters.select_related("resident"))
    adults = {}
    for resident in Resident.objects.filter(
        household_id__in=[v.household_id for v in voters if v.resident_id is None],
        birth_year__lte=proposal.opened_at.year - ADULT_AGE,
    ).order_by("pk"):
        adults.setdefault(resident.household_id, resident)
    return [v.resident or adults[v.household_id] for v in voters]


def _vote(
    project: HousingProject,
    plan: VotePlan,
    *,
    meeting: Meeting,
    chair: User,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    turnout: float,
    close: bool,
) -> Proposal:
    decision_class = list(project.decision_classes.order_by("pk"))[plan.class_index]
    notice = dt.timedelta(days=decision_class.min_notice_days)
    options = [str(option) for option in plan.options]
    proposal = proposal_create(
        project=project,
        decision_class=decision_class,
        title=str(plan.title),
        text=str(plan.text),
        opens_at=opens_at,
        closes_at=closes_at,
        author=chair,
        options=options,
        meeting=meeting,
        now=opens_at - notice,
    )
    proposal_open(proposal=proposal, now=opens_at, notify=False)
    proposal.refresh_from_db()
    if decision_class.method == VotingMethod.CONSENT:
        consent_phase_advance(proposal=proposal)
        if not close:
            return proposal  # the open consent round waits in its reactions phase
        consent_phase_advance(proposal=proposal)
        proposal.refresh_from_db()
    # Seeded by the English title: each city's demo votes the same way whatever its language.
    with translation.override("en"):
        rng = random.Random(f"{project.slug}/vote/{plan.title}")  # noqa: S311
    cast_at = opens_at + dt.timedelta(hours=1)
    for resident in _ballot_residents(proposal):
        if rng.random() > turnout or (resident.user_id and not close):
            continue  # the demo's own accounts keep their vote for the visitor
        ballot_cast_paper(
            proposal=proposal,
            recorded_by=chair,
            resident=resident,
            choice=ballot_choice(plan, decision_class.method, options, rng),
            now=cast_at,
        )
    if close:
        proposal_close(proposal=proposal, now=closes_at, notify=False)
    return proposal


def _seed_votes(project: HousingProject, chair: User | None, now: dt.datetime) -> int:
    if chair is None or project.proposals.exists():
        return 0
    past = list(project.meetings.filter(start__lt=now).order_by("start"))
    coming = project.meetings.filter(start__gte=now).order_by("start").first()
    created = 0
    for meeting, plans in zip(past, PAST_VOTES, strict=False):
        for plan in plans:
            _vote(project, plan, meeting=meeting, chair=chair, opens_at=meeting.start,
                  closes_at=meeting.end, turnout=0.8, close=True)  # fmt: skip
            created += 1
    opens_at = now - dt.timedelta(hours=2)
    for plan in OPEN_VOTES:
        _vote(
            project,
            plan,
            meeting=coming,
            chair=chair,
            opens_at=opens_at,
            closes_at=opens_at + dt.timedelta(days=VOTE_DAYS),
            turnout=0.4,
            close=False,
        )
        created += 1
    return created


def seed_project_governance(
    *, project: HousingProject, chair: User | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """The project's decision classes and assemblies; returns how many of each were created."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(project.city.time_zone)).date()
    with translation.override(project.city.default_language):
        classes = _seed_classes(project)
        meetings = _seed_past(project, chair, today, now) + _seed_coming(project, chair, today, now)
        proposals = _seed_votes(project, chair, now)
    return {"decision classes": classes, "meetings": meetings, "proposals": proposals}


__all__ = ["seed_project_governance"]
