"""A Redis outage delays work and never loses it: the change that calls for an e-mail commits
and its page answers, the task waits in the outbox, and is queued once Redis is back. Run
against a real Redis server of the test's own, stopped and started again."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.test import Client

from common.models import OutboxTask
from common.outbox import HAND_OVER_GRACE, outbox_send_unsent
from config.celery import app as celery_app
from members.models import Invitation
from members.services import invitation_create
from tests.factories import HouseholdFactory, make_manager

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, to stop and start at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the Redis server, on our port
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queued_tasks(self) -> list[str]:
        messages = redis.Redis(port=self.port).lrange("celery", 0, -1)
        return [json.loads(message)["headers"]["task"] for message in messages]


@pytest.fixture
def broker(monkeypatch) -> Iterator[RedisServer]:
    """Celery publishing to a Redis of the test's own, for real (not eagerly)."""
    server = RedisServer()
    server.start()
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", f"redis://127.0.0.1:{server.port}/0")
    monkeypatch.setattr(celery_app, "_pool", None)  # connections are made for this broker
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield server
    server.stop()
    celery_app._pool = None


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
