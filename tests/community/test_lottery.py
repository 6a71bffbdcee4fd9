"""The booking lottery: windows, requests, a weighted draw anyone can replay, once only."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from common.validation import Conflict
from community.bookings.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    BookingWindow,
    Space,
    SpaceKind,
    WindowStatus,
)
from community.bookings.selectors.availability import BlockedReason, space_availability
from community.bookings.services.bookings import booking_create
from community.bookings.services.lottery import (
    booking_request_submit,
    booking_window_draw,
    booking_window_open,
    lottery_replay,
)
from community.bookings.tasks import booking_window_draw_task, booking_windows_draw_due_task
from tests.community.factories import BookingFactory, SpaceFactory, close_space, local
from tests.factories import HouseholdFactory, ProjectFactory, make_manager

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def project():
    return ProjectFactory()  # Europe/Madrid


@pytest.fixture
def room(project):
    """A guest room booked by the night: up to three nights, on the hour."""
    space = SpaceFactory(
        project=project,
        name="Guest room",
        kind=SpaceKind.GUEST_ROOM,
        capacity=2,
        min_duration_minutes=60,
        max_duration_minutes=3 * 24 * 60,
        slot_minutes=60,
        advance_days=60,
    )
    return Space.objects.select_related("project__city").get(pk=space.pk)


@pytest.fixture
def manager(project):
    return make_manager(project)


def christmas(space):
    """Three contested stays: Christmas, Boxing Day, New Year."""
    return [
        (local(space, 2026, 12, 24, 15, 0), local(space, 2026, 12, 26, 11, 0)),
        (local(space, 2026, 12, 26, 15, 0), local(space, 2026, 12, 28, 11, 0)),
        (local(space, 2026, 12, 31, 15, 0), local(space, 2027, 1, 2, 11, 0)),
    ]


def opened(space):
    return local(space, 2026, 12, 1, 9, 0)


def closes(space):
    return local(space, 2026, 12, 10, 12, 0)


def after_close(space):
    return closes(space) + dt.timedelta(minutes=5)


@pytest.fixture
def window(room, manager):
    return booking_window_open(
        space=room,
        title="Christmas in the guest room",
        slots=christmas(room),
        closes_at=closes(room),
        created_by=manager,
        now=opened(room),
    )


def households(project, *labels):
    return [HouseholdFactory(project=project, unit_label=label) for label in labels]


def used(space, household, hours: int, *, on: tuple[int, int, int] = (2026, 6, 3), **fields):
    """A past booking of the space, from 08:00 on the day: use the lottery's weights count."""
    start = local(space, *on, 8, 0)
    return BookingFactory(
        space=space, household=household, start=start, end=start + hours * HOUR, **fields
    )


def request(window, household, *indexes, now=None):
    return booking_request_submit(
        window=window,
        household=household,
        slot_indexes=list(indexes),
        requested_by=None,
        now=now or opened(window.space),
    )


def published_weights(window) -> dict[int, float]:
    return {int(key): value["weight"] for key, value in window.result["weights"].items()}


# --- Opening a window -----------------------------------------------------------------------


def test_a_manager_opens_a_window_over_contested_slots(window, room, manager):
    window.refresh_from_db()
    assert window.status == WindowStatus.OPEN
    assert window.created_by == manager
    assert window.closes_at == closes(room)
    assert [
        (dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"]))
        for s in window.slots
    ] == christmas(room)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda room, slots: slots + [slots[0]], "slots", "overlap"),
        (
            lambda room, slots: [(slots[0][0], slots[0][0] + 4 * DAY)],
            "slots",
            "longest booking",
        ),
        (lambda room, slots: [(slots[0][0] + HOUR / 2, slots[0][1])], "slots", "grid"),
        (lambda room, slots: [], "slots", "at least one slot"),
        (
            lambda room, slots: [(slots[0][0] + 80 * DAY, slots[0][1] + 80 * DAY)],
            "slots",
            "days ahead",
        ),
    ],
)
def test_a_window_refuses_slots_the_space_cannot_take(room, manager, change, field, message):
    with pytest.raises(ValidationError) as refused:
        booking_window_open(
            space=room,
            title="Christmas",
            slots=change(room, christmas(room)),
            closes_at=closes(room),
            created_by=manager,
            now=opened(room),
        )
    assert message in " ".join(refused.value.message_dict[field])
    assert not BookingWindow.objects.exists()


def test_a_window_refuses_a_slot_over_a_closure_or_outside_opening_hours(room, manager):
    close_space(room, local(room, 2026, 12, 27, 0, 0), local(room, 2026, 12, 27, 12, 0), "Paint")
    with pytest.raises(ValidationError) as refused:
        booking_window_open(
            space=room,
            title="Christmas",
            slots=christmas(room),
            closes_at=closes(room),
            created_by=manager,
            now=opened(room),
        )
    assert refused.value.message_dict["slots"] == ["Slot 2: The space is closed then: Paint"]


def test_slots_must_leave_the_buffer_between_them(project, manager):
    space = SpaceFactory(project=project, buffer_minutes=60, max_duration_minutes=600)
    first = local(space, 2026, 12, 20, 10, 0)
    with pytest.raises(ValidationError, match="overlap"):
        booking_window_open(
            space=space,
            title="Workshop days",
            slots=[(first, first + 2 * HOUR), (first + 2.5 * HOUR, first + 4 * HOUR)],
            closes_at=closes(space),
            created_by=manager,
            now=opened(space),
        )


@pytest.mark.parametrize(
    "closes_at",
    [
        lambda room: opened(room) - HOUR,  # in the past
        lambda room: local(room, 2026, 12, 24, 16, 0),  # after the first slot starts
    ],
)
def test_requests_close_in_the_future_before_the_first_slot(room, manager, closes_at):
    with pytest.raises(ValidationError) as refused:
        booking_window_open(
            space=room,
            title="Christmas",
            slots=christmas(room),
            closes_at=closes_at(room),
            created_by=manager,
            now=opened(room),
        )
    assert "closes_at" in refused.value.message_dict


# --- Requests ---------------------------------------------------------------------------------


def test_a_household_requests_slots_and_a_second_request_replaces_the_first(window, project):
    [household] = households(project, "1A")
    request(window, household, 2, 0)
    second = request(window, household, 1)
    assert BookingRequest.objects.filter(window=window, household=household).count() == 1
    second.refresh_from_db()
    assert second.slot_indexes == [1]


def test_one_request_per_household_is_held_by_the_database(window, project):
    [household] = households(project, "1A")
    request(window, household, 0)
    duplicate = BookingRequest(window=window, household=household, slot_indexes=[1])
    with pytest.raises(ValidationError) as refused:
        duplicate.full_clean()
    assert "household" in refused.value.message_dict


@pytest.mark.parametrize("indexes", [[3], [-1], [0, 0], [], ["0"], [True]])
def test_a_bad_slot_index_is_refused(window, project, indexes):
    [household] = households(project, "1A")
    with pytest.raises(ValidationError) as refused:
        request(window, household, *indexes)
    assert "slot_indexes" in refused.value.message_dict
    assert not BookingRequest.objects.exists()


def test_a_request_after_the_close_is_a_conflict(window, project, room):
    [household] = households(project, "1A")
    with pytest.raises(Conflict):
        request(window, household, 0, now=closes(room))
    with pytest.raises(Conflict):
        request(window, household, 0, now=opened(room) - HOUR)  # before it opens
    assert not BookingRequest.objects.exists()


def test_a_request_after_the_draw_is_a_conflict(window, project, room):
    early, late = households(project, "1A", "1B")
    request(window, early, 0)
    booking_window_draw(window=window, now=after_close(room), seed="s")
    # Even with a clock that claims the window is still open.
    with pytest.raises(Conflict):
        request(window, late, 0, now=opened(room))


def test_a_household_of_another_project_cannot_request(window):
    stranger = HouseholdFactory()
    with pytest.raises(ValidationError) as refused:
        request(window, stranger, 0)
    assert "household" in refused.value.message_dict


# --- The draw -----------------------------------------------------------------------------------


def test_weights_are_inverse_to_the_use_of_the_last_twelve_months(window, project, room):
    fresh, regular, old_timer = households(project, "1A", "2B", "3C")
    used(room, regular, 9)
    used(room, regular, 5, status=BookingStatus.CANCELLED)  # not used: does not count
    used(room, old_timer, 40, on=(2025, 12, 1))  # more than a year before the close
    used(SpaceFactory(project=project), fresh, 3)  # another space
    for household in (fresh, regular, old_timer):
        request(window, household, 0)

    window = booking_window_draw(window=window, now=after_close(room), seed="weights")

    weights = window.result["weights"]
    assert weights[str(fresh.pk)] == {"unit": "1A", "hours_12m": 0.0, "weight": 1.0}
    assert weights[str(regular.pk)] == {"unit": "2B", "hours_12m": 9.0, "weight": 0.1}
    assert weights[str(old_timer.pk)]["weight"] == 1.0


def test_the_draw_is_published_and_replays_from_its_seed_and_weights(window, project, room):
    ada, bo, cy, di = households(project, "1A", "2B", "3C", "4D")
    used(room, bo, 3)
    used(room, cy, 1, on=(2026, 7, 3))
    request(window, ada, 0, 1)
    request(window, bo, 0)
    request(window, cy, 1, 0, 2)
    request(window, di, 2)

    window = booking_window_draw(window=window, now=after_close(room))
    window.refresh_from_db()

    result = window.result
    assert window.status == WindowStatus.DRAWN
    assert window.drawn_at == after_close(room)
    assert len(window.seed) == 32 and result["seed"] == window.seed
    assert result["algorithm"] == "efraimidis-spirakis"
    assert sorted(result["order"]) == sorted([ada.pk, bo.pk, cy.pk, di.pk])
    # Anyone can re-derive the order from what is published.
    assert lottery_replay(seed=result["seed"], weights=published_weights(window)) == result["order"]
    # Every slot went to someone who asked for it, and each winner holds a real booking.
    allocation = {int(index): winner for index, winner in result["allocation"].items()}
    assert set(allocation) == {0, 1, 2}
    slots = christmas(room)
    for index, winner in allocation.items():
        assert winner is not None
        booking = Booking.objects.get(space=room, start=slots[index][0])
        assert booking.household_id == winner
        assert booking.end == slots[index][1]
        assert booking.status == BookingStatus.CONFIRMED
        assert booking.note == "lottery: Christmas in the guest room"
    assert Booking.objects.filter(note__startswith="lottery").count() == 3


def test_the_same_seed_gives_the_same_allocation_on_a_fresh_copy(window, project, room, manager):
    ada, bo, cy = households(project, "1A", "2B", "3C")
    used(room, ada, 2)
    for household in (ada, bo, cy):
        request(window, household, 0, 1, 2)
    first = booking_window_draw(window=window, now=after_close(room), seed="c0ffee")

    # The same window again, as if nothing had been drawn: the lottery's bookings withdrawn.
    Booking.objects.filter(note__startswith="lottery").update(status=BookingStatus.CANCELLED)
    copy = booking_window_open(
        space=room,
        title="Christmas, again",
        slots=christmas(room),
        closes_at=closes(room),
        created_by=manager,
        now=opened(room),
    )
    for household in (ada, bo, cy):
        request(copy, household, 0, 1, 2)
    second = booking_window_draw(window=copy, now=after_close(room), seed="c0ffee")

    assert second.result["order"] == first.result["order"]
    assert second.result["weights"] == first.result["weights"]
    assert second.result["allocation"] == first.result["allocation"]


def test_the_household_with_weight_one_wins_far_more_often_than_weight_a_tenth():
    light, heavy = 7, 3  # the heavy user has the lower id, and draws first
    wins = sum(
        lottery_replay(seed=f"seed-{n}", weights={heavy: 0.1, light: 1.0})[0] == light
        for n in range(100)
    )
    # Expected 1 / 1.1 ≈ 91 of 100.
    assert wins >= 75


def test_the_lighter_user_wins_the_single_slot_more_often_in_real_draws(project, manager):
    space = SpaceFactory(project=project, max_duration_minutes=600, advance_days=400)
    space = Space.objects.select_related("project__city").get(pk=space.pk)
    light, heavy = households(project, "1A", "2B")
    used(space, heavy, 9)
    slot = (local(space, 2026, 12, 20, 10, 0), local(space, 2026, 12, 20, 12, 0))
    wins = 0
    for n in range(30):
        window = booking_window_open(
            space=space,
            title=f"Draw {n}",
            slots=[slot],
            closes_at=closes(space),
            created_by=manager,
            now=opened(space),
        )
        request(window, light, 0)
        request(window, heavy, 0)
        window = booking_window_draw(window=window, now=after_close(space), seed=f"seed-{n}")
        wins += window.result["allocation"]["0"] == light.pk
        Booking.objects.filter(space=space, start=slot[0]).update(status=BookingStatus.CANCELLED)
    assert wins >= 20  # expected 1 / 1.1 of 30 ≈ 27


def test_rounds_give_everyone_one_slot_before_anyone_gets_a_second(window, project, room):
    ada, bo = households(project, "1A", "2B")
    request(window, ada, 0, 1, 2)
    request(window, bo, 0, 1)
    window = booking_window_draw(window=window, now=after_close(room), seed="rounds")
    first, second = window.result["order"]
    allocation = window.result["allocation"]
    # Round 1: the first drawn takes slot 0, the second its next choice, slot 1.
    # Round 2: only Ada still wants a free slot, whatever her place: slot 2.
    assert allocation == {"0": first, "1": second, "2": ada.pk}
    assert Booking.objects.filter(household=ada, note__startswith="lottery").count() == 2
    # Each request points at the household's first booking.
    for req in BookingRequest.objects.filter(window=window):
        assert req.booking.household_id == req.household_id


def test_a_slot_the_household_cannot_book_goes_to_the_next_one(project, manager):
    space = SpaceFactory(project=project, quota_month_minutes=120, max_duration_minutes=600)
    space = Space.objects.select_related("project__city").get(pk=space.pk)
    greedy, modest = households(project, "1A", "2B")
    # Greedy already holds its December quota.
    BookingFactory(
        space=space,
        household=greedy,
        start=local(space, 2026, 12, 15, 10, 0),
        end=local(space, 2026, 12, 15, 12, 0),
    )
    slot = (local(space, 2026, 12, 20, 10, 0), local(space, 2026, 12, 20, 12, 0))
    window = booking_window_open(
        space=space,
        title="Sunday",
        slots=[slot],
        closes_at=closes(space),
        created_by=manager,
        now=opened(space),
    )
    request(window, greedy, 0)
    request(window, modest, 0)
    window = booking_window_draw(window=window, now=after_close(space), seed="quota")
    assert window.result["allocation"] == {"0": modest.pk}
    skipped = window.result["skipped"]
    if window.result["order"][0] == greedy.pk:
        assert [(s["household"], s["slot"]) for s in skipped] == [(greedy.pk, 0)]
        assert "quota" in skipped[0]["reason"]


def test_a_slot_booked_meanwhile_or_already_started_goes_to_nobody(window, project, room):
    ada, bo = households(project, "1A", "2B")
    request(window, ada, 0, 1)
    request(window, bo, 1, 2)
    slots = christmas(room)
    # Someone booked slot 1 directly while the window was open.
    BookingFactory(space=room, start=slots[1][0], end=slots[1][1])
    # The draw runs late: the Christmas stay has begun.
    late = slots[0][0] + HOUR
    window = booking_window_draw(window=window, now=late, seed="late")
    assert window.result["allocation"] == {"0": None, "1": None, "2": bo.pk}
    assert window.result["lapsed"] == [0]
    assert Booking.objects.filter(note__startswith="lottery").count() == 1


def test_drawing_before_the_close_is_a_conflict(window, room):
    with pytest.raises(Conflict):
        booking_window_draw(window=window, now=closes(room) - HOUR)
    window.refresh_from_db()
    assert window.status == WindowStatus.OPEN


def test_drawing_twice_books_once(window, project, room):
    ada, bo = households(project, "1A", "2B")
    request(window, ada, 0)
    request(window, bo, 0, 1)
    first = booking_window_draw(window=window, now=after_close(room))
    again = booking_window_draw(window=window, now=after_close(room) + HOUR, seed="other")
    assert again.seed == first.seed
    assert again.result == first.result
    assert again.drawn_at == after_close(room)
    assert Booking.objects.filter(note__startswith="lottery").count() == 2


def test_an_empty_window_draws_to_nobody(window, room):
    window = booking_window_draw(window=window, now=after_close(room), seed="empty")
    assert window.status == WindowStatus.DRAWN
    assert window.result["order"] == []
    assert window.result["allocation"] == {"0": None, "1": None, "2": None}


def test_the_due_task_draws_the_windows_that_have_closed(project, manager):
    space = SpaceFactory(project=project, max_duration_minutes=600)
    real_now = timezone.now()
    start = (real_now + 2 * DAY).replace(minute=0, second=0, microsecond=0)
    due = booking_window_open(
        space=space,
        title="Due",
        slots=[(start, start + 2 * HOUR)],
        closes_at=real_now - HOUR,
        created_by=manager,
        now=real_now - 2 * HOUR,
    )
    later = booking_window_open(
        space=space,
        title="Later",
        slots=[(start + 3 * HOUR, start + 5 * HOUR)],
        closes_at=real_now + HOUR,
        created_by=manager,
        now=real_now,
    )
    [household] = households(project, "1A")
    request(due, household, 0, now=real_now - 90 * dt.timedelta(minutes=1))

    assert booking_windows_draw_due_task() == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == WindowStatus.DRAWN
    assert due.result["allocation"] == {"0": household.pk}
    assert later.status == WindowStatus.OPEN
    # A retried task finds nothing left to draw.
    assert booking_windows_draw_due_task() == 0
    assert booking_window_draw_task(due.pk) is False
    assert Booking.objects.filter(space=space).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_drawing_at_once_book_once(project, manager):
    space = SpaceFactory(project=project, max_duration_minutes=600)
    first = local(space, 2026, 12, 20, 10, 0)
    window = booking_window_open(
        space=space,
        title="Sunday",
        slots=[(first, first + 2 * HOUR), (first + 3 * HOUR, first + 5 * HOUR)],
        closes_at=closes(space),
        created_by=manager,
        now=opened(space),
    )
    for household in households(project, "1A", "2B", "3C"):
        request(window, household, 0, 1)

    barrier = threading.Barrier(2)
    results, errors = [], []

    def draw(seed: str) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(booking_window_draw(window=window, now=after_close(space), seed=seed))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=draw, args=(seed,)) for seed in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 2
    assert results[0].seed == results[1].seed
    assert results[0].result == results[1].result
    window.refresh_from_db()
    assert window.seed == results[0].seed
    assert Booking.objects.filter(space=space, status=BookingStatus.CONFIRMED).count() == 2


def test_the_slots_of_an_open_window_go_by_lottery_not_first_come(window, room, project):
    (first, second) = households(project, "L1", "L2")
    start, end = christmas(room)[0]
    with pytest.raises(ValidationError) as refused:
        booking_create(
            space=room, household=first, start=start, end=end, booked_by=None, now=opened(room)
        )
    assert "Christmas in the guest room" in refused.value.message_dict["start"][0]

    # Outside the contested slots, the room books as usual.
    free_start = local(room, 2026, 12, 20, 15, 0)
    booking_create(
        space=room,
        household=first,
        start=free_start,
        end=free_start + dt.timedelta(days=1),
        booked_by=None,
        now=opened(room),
    )

    # The draw itself books the window's slots.
    request(window, second, 0)
    drawn = booking_window_draw(window=window, now=after_close(room), seed="fixed")
    assert drawn.result["allocation"]["0"] == second.pk


def test_availability_shows_the_slots_of_an_open_window_as_held_by_lottery(window, room):
    start, end = christmas(room)[0]
    availability = space_availability(
        space=room, start=start - dt.timedelta(days=1), end=end, now=opened(room)
    )
    held = [i for i in availability.intervals if i.blocked_reason == BlockedReason.LOTTERY]
    assert [(i.start, i.end) for i in held] == [(start, end)]
