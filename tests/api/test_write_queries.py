"""Booking a slot and casting a vote through the API in a small, fixed number of SQL statements.

Counted as a client sends them: the token's lookup, the permission checks, the savepoints of
ATOMIC_REQUESTS (on in production too) and of the services, the row locks and the writes.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.tokens import token_issue
from governance.models import VotingMethod
from governance.services.proposals import consent_phase_advance
from tests.api.factories import day_at
from tests.community.factories import SpaceFactory, open_daily
from tests.governance.factories import open_proposal

pytestmark = pytest.mark.django_db

# Booking: 34 statements once (the space and its opening hours read for the input, then again
# under the lock; full_clean's two foreign-key checks and five check constraints, each in a
# savepoint of its own; three savepoint pairs). Now 12: the request's savepoint, the token,
# the resident's household in the space's project (which shows they may see it), the lock,
# the opening hours, closures, quota use and blocking bookings, and the insert in its savepoint.
BOOKING_CREATE_CEILING = 12
# A vote: 13 once (14 by secret ballot). Now 9: the request's savepoint, the token, the
# proposal as the user sees it, then read again under FOR SHARE, the resident, the voter under
# FOR UPDATE, their earlier ballot, the insert (a secret ballot's sealed copy: 10).
VOTE_CEILING = 10


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
    return client


def test_a_resident_books_a_slot_in_at_most_twelve_statements(
    side_a, django_assert_max_num_queries
):
    space = SpaceFactory(project=side_a.project, quota_week_minutes=600)
    open_daily(space, "08:00", "22:00")
    client = token_client(side_a.resident_user)
    start = day_at(space, 2, 10)
    body = {"space": space.pk, "start": start.isoformat(), "end": day_at(space, 2, 11).isoformat()}
    client.post("/api/v1/bookings/", {**body, "start": day_at(space, 3, 10).isoformat()})

    with django_assert_max_num_queries(BOOKING_CREATE_CEILING):
        response = client.post("/api/v1/bookings/", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "confirmed"


@pytest.mark.parametrize(
    ("rules", "choice"),
    [
        ({}, "yes"),
        ({"secret": True}, "yes"),
        ({"method": VotingMethod.APPROVAL, "options": ("Red", "Green")}, ["Green"]),
        ({"method": VotingMethod.RANKED, "options": ("A", "B", "C")}, ["B", "A", "C"]),
        ({"method": VotingMethod.CONSENT}, "consent"),
    ],
    ids=["yes_no", "secret", "approval", "ranked", "consent"],
)
def test_a_resident_votes_in_at_most_ten_statements(
    side_a, rules, choice, django_assert_max_num_queries
):
    proposal = open_proposal(project=side_a.project, **rules)
    if rules.get("method") == VotingMethod.CONSENT:
        consent_phase_advance(proposal=proposal)
        consent_phase_advance(proposal=proposal)
    client = token_client(side_a.resident_user)
    client.get(f"/api/v1/proposals/{proposal.pk}/")  # warm per-process caches (content types)

    with django_assert_max_num_queries(VOTE_CEILING):
        response = client.post(
            f"/api/v1/proposals/{proposal.pk}/vote/", {"choice": choice}, format="json"
        )

    assert response.status_code == 201, response.json()
    assert (response.json()["receipt"] is not None) == bool(rules.get("secret"))
