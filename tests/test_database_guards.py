"""The database itself refuses a second row where an invariant allows one: the services' locks
and checks come first, so only a direct insert shows that the last word is the database's.
Each test writes a valid row through the service, then a copy of it straight to the table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from common.validation import violated_constraint
from community.money.models import Charge, ChargeRun
from community.money.services.charges import charges_run
from governance.models import Participation
from governance.services.ballots import ballot_cast
from tests.community.factories import (
    BookingFactory,
    SpaceFactory,
    adopted_scheme,
    open_daily,
    set_budget,
)
from tests.factories import HouseholdFactory, make_resident_user
from tests.governance.factories import open_proposal

pytestmark = pytest.mark.django_db

JUNE = dt.date(2025, 6, 1)


def refused_copy(row) -> str | None:
    """Insert a copy of ``row`` as a new row, bypassing every check but the database's; the
    name of the constraint that refused it."""
    row.pk = None
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        type(row).objects.bulk_create([row])
    return violated_constraint(refused.value)


def test_a_second_participation_of_one_voter_is_refused(side_a):
    voter = make_resident_user(HouseholdFactory(project=side_a.project))
    proposal = open_proposal(project=side_a.project)
    ballot_cast(proposal=proposal, user=voter, choice="yes")
    assert refused_copy(Participation.objects.get(proposal=proposal)) == "one_vote_per_voter"


def test_a_second_charge_of_a_household_for_a_month_is_refused(side_a):
    set_budget(side_a.project, JUNE)
    adopted_scheme(side_a.project)
    charges_run(project=side_a.project, month=JUNE)
    charge = Charge.objects.filter(household=side_a.household, month=JUNE).get()
    assert refused_copy(charge) == "charge_one_per_household_and_month"
    assert refused_copy(ChargeRun.objects.get()) == "charge_run_one_per_project_and_month"


def test_an_overlapping_booking_of_the_same_unit_is_refused(side_a):
    space = SpaceFactory(project=side_a.project)
    open_daily(space, "00:00", "24:00")
    start = dt.datetime(2030, 3, 4, 10, tzinfo=dt.UTC)
    booking = BookingFactory(
        space=space, household=side_a.household, start=start, end=start + dt.timedelta(hours=2)
    )
    for field in ("start", "end", "blocked_until"):  # an hour later: overlaps its second hour
        setattr(booking, field, getattr(booking, field) + dt.timedelta(hours=1))
    assert refused_copy(booking) == "booking_no_overlap"
