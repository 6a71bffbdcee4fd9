"""The world the permission matrix asks about: two cities (``tests.conftest.Side``), a user of
every role, and one object of every kind a URL names, all in project A of city A (the target).

"Another project" is the other project of city A: a resident or a manager there shares the city
with the target, which is the closer call; "another city" is city B.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone

from community.bookings.models import Booking, MaintenanceNote
from community.bookings.services.handover import handover_review, handover_submit
from community.money.models import Budget, Charge
from governance.models import VotingMethod
from governance.services.ballots import round_entry_add
from governance.services.proposals import proposal_close
from governance.services.proxies import proxy_grant
from members.models import City, User
from members.services import invitation_create
from tests.api.factories import Bookable, charge_june, day_at, make_goal
from tests.community.factories import (
    JUNE,
    BookingFactory,
    BookingSeriesFactory,
)
from tests.conftest import Side
from tests.factories import UserFactory, make_manager, make_observer, make_resident_user
from tests.governance.factories import (
    DecisionClassFactory,
    MeetingFactory,
    open_proposal,
    with_agenda,
)
from tests.permission_matrix.routes import Route

# The roles, in the order of the matrix's columns.
ROLES = (
    "anonymous",
    "other_resident",
    "resident",
    "representative",
    "other_manager",
    "manager",
    "other_officer",
    "officer",
    "observer",
    "admin",
)

HOUR = dt.timedelta(hours=1)


class World:
    """Everything the matrix's requests name. Build it once per module: about a second."""

    def __init__(self) -> None:
        a, b = Side("alpha"), Side("beta")
        self.a, self.b = a, b
        # The users first: a proposal's electorate is frozen when it opens.
        self.neighbour_user = make_resident_user(a.neighbour)
        self.users: dict[str, User | None] = {
            "anonymous": None,
            "other_resident": make_resident_user(a.other_household),
            "resident": make_resident_user(a.household, representative=False),
            "representative": a.resident_user,
            "other_manager": make_manager(a.other_project),
            "manager": a.manager,
            "other_officer": b.officer,
            "officer": a.officer,
            "observer": make_observer(),
            "admin": UserFactory(is_staff=True, is_superuser=True),
        }
        self._bookings(a)
        self._governance(a)
        charged = charge_june(a)
        self.scheme, self.charge_run, self.payment = charged.scheme, charged.run, charged.payment
        self.budget = Budget.objects.get(project=a.project, month=JUNE)
        self.charge = Charge.objects.get(run=charged.run, household=a.household)
        self.goal = make_goal(a)
        self.invitation = invitation_create(
            household=a.household, email="guest@alpha.example", invited_by=a.manager
        )

    def _bookings(self, a: Side) -> None:
        bookable = Bookable(a)
        space = self.space = bookable.space
        space.handover_checklist = ["Lights off"]
        space.save(update_fields=["handover_checklist"])
        self.booking, self.pending = bookable.booking, bookable.pending
        self.closure, self.waitlist_entry = bookable.closure, bookable.entry
        self.window = bookable.window
        now = timezone.now().replace(microsecond=0)
        # Running now: it can be checked into and handed over.
        self.running = BookingFactory(
            space=space, household=a.household, start=now - HOUR / 2, end=now + HOUR / 2
        )
        # Handed over, and the neighbours' booking after it: their review is open.
        self.ended = self._handed_over(a, now - 8 * HOUR)
        self.report = self.ended.handover
        # Handed over and disputed: a maintenance note for the managers.
        disputed = self._handed_over(a, now - 12 * HOUR)
        handover_review(
            report=disputed.handover,
            verdict="disputed",
            reviewer=self.neighbour_user,
            comment="The lights were on.",
            now=now - 11 * HOUR,
        )
        self.note = MaintenanceNote.objects.get(handover=disputed.handover)
        series = BookingSeriesFactory(space=space, household=a.household, occurrences=2)
        self.series_booking = BookingFactory(
            space=space, household=a.household, start=day_at(space, 7, 10), series=series
        )
        BookingFactory(
            space=space, household=a.household, start=day_at(space, 14, 10), series=series
        )
        self.series = series

    def _handed_over(self, a: Side, start: dt.datetime) -> Booking:
        """Household 1A's hour from ``start``, handed over, and the neighbours' hour after it."""
        booking = BookingFactory(space=self.space, household=a.household, start=start)
        BookingFactory(space=self.space, household=a.neighbour, start=start + HOUR)
        handover_submit(
            booking=booking,
            checklist={"Lights off": True},
            comment="",
            submitted_by=a.resident_user,
            now=start + HOUR / 2,
        )
        return booking

    def _governance(self, a: Side) -> None:
        self.meeting = with_agenda(MeetingFactory(project=a.project), "Budget", "Garden")
        self.agenda_item = self.meeting.agenda_items.order_by("pk").first()
        self.decision_class = DecisionClassFactory(project=a.project)
        self.proposal = open_proposal(project=a.project)
        self.consent = open_proposal(project=a.project, method=VotingMethod.CONSENT)
        self.round_entry = round_entry_add(
            proposal=self.consent, user=a.resident_user, text="Which green?"
        )
        self.proxy = proxy_grant(
            grantor=self.neighbour_user.resident, holder=a.resident, proposal=self.proposal
        )
        self.closed = open_proposal(project=a.project)
        self.decision = proposal_close(proposal=self.closed, now=self.closed.closes_at)

    # --- What a URL's parameters name ---------------------------------------------------------

    def objects(self) -> dict[str, Model]:
        """The target object of each kind, by the name a URL gives its collection."""
        a = self.a
        return {
            "cities": a.city,
            "projects": a.project,
            "households": a.household,
            "residents": a.resident,
            "income": a.income,
            "income-declarations": a.income,
            "invitations": self.invitation,
            "spaces": self.space,
            "closures": self.closure,
            "bookings": self.booking,
            "waitlist": self.waitlist_entry,
            "booking-series": self.series,
            "booking-windows": self.window,
            "handovers": self.report,
            "maintenance": self.note,
            "maintenance-notes": self.note,
            "goals": self.goal,
            "pilot-goals": self.goal,
            "meetings": self.meeting,
            "agenda-items": self.agenda_item,
            "decision-classes": self.decision_class,
            "proposals": self.proposal,
            "round-entries": self.round_entry,
            "proxies": self.proxy,
            "decisions": self.decision,
            "budgets": self.budget,
            "schemes": self.scheme,
            "charges": self.charge,
            "charge-runs": self.charge_run,
            "payments": self.payment,
        }

    def url_values(self, route: Route, target: str = "") -> dict[str, object]:
        """A value for each parameter of the route: the target object of the collection the URL
        names before it, or the world's object ``target`` for the route's main one."""
        objects = self.objects()
        tokens = {
            "invitations": self.invitation.token,
            "space": self.space.feed_token,
            "household": self.a.household.feed_token,
        }
        values: dict[str, object] = {}
        for name, segment, regex in route.parameters():
            if route.area == "admin":
                values[name] = self._admin_value(route, name, regex)
            elif name in ("key", "uidb36"):  # allauth's e-mail and password links
                values[name] = "0"
            elif route.area == "accounts" and segment not in objects:
                values[name] = 0  # allauth's own objects (a security key): a made-up one
            elif name == "token":
                values[name] = tokens[segment]
            elif name in ("year", "month"):
                values[name] = getattr(JUNE, name)
            elif name in ("pk", "project_pk", "household_pk") and target:
                values[name] = getattr(self, target).pk
            else:
                values[name] = objects[segment].pk
        return values

    def _admin_value(self, route: Route, name: str, regex: str) -> object:
        if name == "app_label":
            return regex.split("|")[0]
        if name == "content_type_id":
            return ContentType.objects.get_for_model(City).pk
        segments = route.pattern.split("/")
        if len(segments) > 3 and segments[0] == "admin" and segments[1] != "r":
            model = apps.get_model(segments[1], segments[2])
            first = model._default_manager.order_by("pk").first()
            return first.pk if first is not None else 0
        return self.a.city.pk
