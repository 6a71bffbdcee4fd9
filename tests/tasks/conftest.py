import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from config.celery import app

_markers_run: set[str] = set()


@app.task(name="tests.tasks.marker")
def marker_task(token: str) -> None:
    _markers_run.add(token)


@pytest.fixture
def celery_worker():
    """A real Celery worker, in a thread of this process, consuming from the real Redis broker."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.task_always_eager = previous


def wait_for(condition, timeout: float = 30.0) -> bool:
    """Whether ``condition()`` comes true within ``timeout`` seconds, asked every 0.1 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def worker_drained(timeout: float = 30.0) -> bool:
    """Whether every task queued so far has run: a marker task is queued now, and the solo
    worker runs tasks in the order they were queued, so once the marker has run, so have they
    (and any task they queued before it)."""
    token = uuid4().hex
    marker_task.delay(token)
    return wait_for(lambda: token in _markers_run, timeout)


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

    def idle(self) -> bool:
        """Whether no task waits in the queue and none is out with a worker unacknowledged."""
        client = redis.Redis(port=self.port)
        return client.llen("celery") == 0 and client.hlen("unacked") == 0

    def queued_tasks(self) -> list[str]:
        messages = redis.Redis(port=self.port).lrange("celery", 0, -1)
        return [json.loads(message)["headers"]["task"] for message in messages]


@pytest.fixture
def broker(monkeypatch) -> Iterator[RedisServer]:
    """Celery publishing to a Redis of the test's own, for real (not eagerly)."""
    server = RedisServer()
    server.start()
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{server.port}/0")
    monkeypatch.setattr(app, "_pool", None)  # connections are made for this broker
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    yield server
    server.stop()
    app._pool = None
