"""A Redis outage delays work and never loses it: the change that calls for an e-mail commits
and its page answers, the task waits in the outbox, and is queued once Redis is back. Run
against a real Redis server of the test's own, stopped and started again."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from common.models import OutboxTask
from common.outbox import HAND_OVER_GRACE, outbox_send_unsent
from members.models import Invitation
from members.services import invitation_create
from tests.factories import HouseholdFactory, make_manager

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_invitation_made_while_redis_is_down_is_sent_once_it_is_back(broker):
    household = HouseholdFactory(unit_label="3C")
    manager = make_manager(household.project)
    page = Client()
    page.force_login(manager)

    invitation_create(household=household, email="first@example.org", invited_by=manager)
    assert broker.queued_tasks() == ["members.tasks.invitation_send_task"]
    assert not OutboxTask.objects.filter(sent_at__isnull=True).exists()

    broker.stop()
    started = time.monotonic()
    answer = page.post(
        f"/households/{household.pk}/invite/", {"email": "second@example.org", "language": "en"}
    )
    assert answer.status_code == 302, answer.content  # the page answers, promptly
    assert time.monotonic() - started < 5
    invitation = Invitation.objects.get(email="second@example.org")
    waiting = OutboxTask.objects.get(sent_at__isnull=True)
    assert waiting.arguments == [invitation.pk]

    assert outbox_send_unsent(now=waiting.created_at + HAND_OVER_GRACE) == 0  # still down
    broker.start()
    assert outbox_send_unsent(now=waiting.created_at + HAND_OVER_GRACE) == 1
    assert broker.queued_tasks() == ["members.tasks.invitation_send_task"]  # a new server
    assert not OutboxTask.objects.filter(sent_at__isnull=True).exists()
    assert outbox_send_unsent(now=waiting.created_at + HAND_OVER_GRACE) == 0  # sent once


def test_a_change_rolled_back_queues_nothing(broker):
    household = HouseholdFactory(unit_label="4D")
    manager = make_manager(household.project)
    page = Client()
    page.force_login(manager)
    refused = page.post(f"/households/{household.pk}/invite/", {"email": "not-an-email"})
    assert refused.status_code == 200
    assert not OutboxTask.objects.exists()
    assert broker.queued_tasks() == []
