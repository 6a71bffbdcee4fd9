"""The benchmark's data set, generated small into the test database: a coherent network whose
manifest's users can sign in and act (bench/generate, bench/world.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from rest_framework.test import APIClient

from bench.world import BENCH_PASSWORD, BENCH_TOTP_SECRET, Sizes, World
from community.bookings.models import Booking, Space, SpaceOpeningHours
from community.money.models import Charge, ChargeRun, Payment
from community.money.services.charges import charges_run
from community.monitoring.models import IndicatorSnapshot
from governance.models import Decision, Participation, Proposal, ProposalStatus, SecretChoice
from members.models import City, Household, HousingProject, Resident
from tests.factories import totp_code

pytestmark = pytest.mark.django_db

SCALE = 0.007  # two projects of two cities


@pytest.fixture
def world() -> World:
    return World(Sizes.at(SCALE), seed=7, log=lambda line: None).build()


def test_the_generated_network_is_coherent_and_its_manifest_signs_in(world):
    sizes = world.sizes
    assert (sizes.cities, sizes.projects) == (2, 2)

    # The counts follow the scale.
    assert City.objects.count() == sizes.cities
    assert HousingProject.objects.count() == sizes.projects
    assert Household.objects.count() == sizes.households
    per_household = Resident.objects.count() / sizes.households
    assert 1.8 < per_household < 2.7
    assert Space.objects.count() == sizes.spaces
    assert SpaceOpeningHours.objects.count() == 7 * sizes.spaces
    assert 0.8 * sizes.bookings < Booking.objects.count() <= 1.05 * sizes.bookings
    assert Proposal.objects.count() == sizes.proposals
    assert 0.7 * sizes.ballots < Participation.objects.count() < 1.2 * sizes.ballots
    assert world.counts["bookings"] == Booking.objects.count()

    # No two blocking bookings of a unit overlap (what the exclusion constraint guards).
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM community_booking a JOIN community_booking b
               ON a.space_id = b.space_id AND a.unit = b.unit AND a.id < b.id
               AND tstzrange(a.start, a.blocked_until) && tstzrange(b.start, b.blocked_until)
               WHERE a.status IN ('pending', 'confirmed')
               AND b.status IN ('pending', 'confirmed')"""
        )
        assert cursor.fetchone()[0] == 0
    assert Booking.objects.filter(start__lt=world.now).exists()
    assert Booking.objects.filter(start__gt=world.now).exists()

    # Every closed vote is in the register; each project has one open, half voted.
    closed = Proposal.objects.filter(status=ProposalStatus.CLOSED)
    assert closed.count() == sizes.proposals - sizes.projects
    assert Decision.objects.filter(proposal__in=closed).count() == closed.count()
    assert not closed.filter(decision__isnull=True).exists()
    assert Proposal.objects.filter(status=ProposalStatus.OPEN).count() == sizes.projects
    methods = {"yes_no", "approval", "ranked", "consent"}
    assert set(closed.values_list("rules__method", flat=True)) == methods
    assert closed.filter(rules__secret=True).exists()
    # A secret ballot's choices are apart from who voted, as the close leaves them.
    secret = closed.filter(rules__secret=True)
    assert SecretChoice.objects.filter(proposal__in=secret).count() == (
        Participation.objects.filter(proposal__in=secret).count()
    )
    assert not Participation.objects.filter(proposal__in=secret, choice__isnull=False).exists()

    # Every month of two years charged once per household, by a run per project and month.
    assert ChargeRun.objects.count() == sizes.projects * sizes.months
    assert ChargeRun.objects.filter(triggered_by__isnull=False).count() == sizes.projects * 2
    twice = Charge.objects.values("household", "month").annotate(n=Count("pk")).filter(n__gt=1)
    assert not twice.exists()
    assert Charge.objects.values("month").distinct().count() == sizes.months
    charged = Charge.objects.filter(amount_cents__gt=0).count()
    assert 0.75 * charged < Payment.objects.count() < charged

    # A month charged in bulk is charged exactly as the charge run charges it.
    run = ChargeRun.objects.filter(triggered_by__isnull=True).order_by("month").last()
    in_bulk = {
        c.household_id: (c.amount_cents, c.breakdown) for c in Charge.objects.filter(run=run)
    }
    totals = (run.household_count, run.total_cents, run.shortfall_cents, run.surplus_cents)
    Charge.objects.filter(run=run).delete()
    run.delete()
    again = charges_run(project=run.project, month=run.month)
    assert {
        c.household_id: (c.amount_cents, c.breakdown) for c in Charge.objects.filter(run=again)
    } == in_bulk
    assert (again.household_count, again.total_cents, again.shortfall_cents) == totals[:3]
    assert again.surplus_cents == totals[3]

    # The nightly indicators exist for every city.
    assert set(IndicatorSnapshot.objects.values_list("city", flat=True)) == set(
        City.objects.values_list("pk", flat=True)
    )

    manifest = world.manifest()
    residents = manifest["residents"]
    assert len({r["project_id"] for r in residents}) == len(residents) == sizes.projects
    for resident in residents:
        token = {"HTTP_AUTHORIZATION": f"Token {resident['token']}"}
        me = APIClient().get("/api/v1/me/", **token)
        assert me.status_code == 200
        assert me.json()["email"] == resident["email"]
        signed_in = APIClient().post(
            "/api/v1/auth/token/",
            {"email": resident["email"], "password": resident["password"]},
            format="json",
        )
        assert signed_in.status_code == 200
        assert signed_in.json()["token"] == resident["token"]
        assert (
            Resident.objects.get(pk=resident["resident_id"]).household_id
            == (resident["household_id"])
        )
        # Their vote is still to cast, and casting it works.
        (proposal,) = resident["open_proposals"]
        choice = {"yes_no": "yes"}.get(proposal["method"], proposal["options"][:1])
        vote = APIClient().post(
            f"/api/v1/proposals/{proposal['id']}/vote/", {"choice": choice}, format="json", **token
        )
        assert vote.status_code in (200, 201), vote.content
        assert vote.json()["changed"] is False
        assert resident["decided_proposal_ids"]
        for decided in resident["decided_proposal_ids"]:
            results = APIClient().get(f"/api/v1/proposals/{decided}/results/", **token)
            assert results.status_code == 200
        spaces = APIClient().get("/api/v1/spaces/", **token).json()
        assert {space["id"] for space in spaces["results"]} == set(resident["space_ids"])

    for staff in (*manifest["managers"], *manifest["officers"]):
        assert staff["password"] == BENCH_PASSWORD
        assert staff["totp_secret"] == BENCH_TOTP_SECRET
        me = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {staff['token']}")
        assert me.status_code == 200
        assert me.json()["email"] == staff["email"]
    manager = manifest["managers"][0]
    signed_in = APIClient().post(
        "/api/v1/auth/token/",
        {
            "email": manager["email"],
            "password": manager["password"],
            "code": totp_code(manager["totp_secret"]),
        },
        format="json",
    )
    assert signed_in.status_code == 200


def test_generating_refuses_a_database_that_holds_other_data():
    from bench.generate import Refused, check_empty

    check_empty()  # an empty database is fine
    City.objects.create(name="Utrecht", slug="utrecht", country_code="NL")
    with pytest.raises(Refused, match="already holds data"):
        check_empty()
