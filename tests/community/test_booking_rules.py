"""Each rule of a space, accepted and refused on the right field; buffers, units, fees, and the
database's own guard against double booking."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from community.bookings.models import Booking, BookingStatus, SpaceKind
from community.bookings.services.bookings import SlotTaken, booking_create, check_booking_rules
from tests.community.factories import BookingFactory, SpaceFactory, close_space, local, open_daily
from tests.factories import (
    HouseholdFactory,
    IncomeDeclarationFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Monday 2 June 2025, 08:00 in Madrid (the factories' city).
NOW = dt.datetime(2025, 6, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def space():
    space = SpaceFactory()
    open_daily(space)  # 08:00–22:00 every day
    return space


@pytest.fixture
def household(space):
    return HouseholdFactory(project=space.project)


def june(space, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return local(space, 2025, 6, day, hour, minute)


def book(space, household, start, end, **kwargs) -> Booking:
    kwargs.setdefault("now", NOW)
    return booking_create(
        space=space, household=household, start=start, end=end, booked_by=None, **kwargs
    )


def refusal(space, household, start, end, **kwargs) -> dict[str, list[str]]:
    """The field errors of a refused booking; nothing is written."""
    before = Booking.objects.count()
    with pytest.raises(ValidationError) as exc_info:
        book(space, household, start, end, **kwargs)
    assert Booking.objects.count() == before
    return exc_info.value.message_dict


def test_a_booking_within_the_rules_is_confirmed(space, household):
    user = UserFactory()
    booking = booking_create(
        space=space,
        household=household,
        start=june(space, 4, 10),
        end=june(space, 4, 12),
        booked_by=user,
        attendees=6,
        note="Birthday",
        now=NOW,
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.start == dt.datetime(2025, 6, 4, 8, 0, tzinfo=dt.UTC)  # stored in UTC
    assert booking.blocked_until == booking.end
    assert (booking.unit, booking.attendees, booking.booked_by) == (1, 6, user)


def test_end_before_start_is_refused_on_end(space, household):
    errors = refusal(space, household, june(space, 4, 12), june(space, 4, 10))
    assert list(errors) == ["end"]


def test_zero_length_is_refused_on_end(space, household):
    errors = refusal(space, household, june(space, 4, 10), june(space, 4, 10))
    assert list(errors) == ["end"]


def test_times_without_a_zone_are_refused(space, household):
    errors = refusal(space, household, dt.datetime(2025, 6, 4, 10), dt.datetime(2025, 6, 4, 11))  # noqa: DTZ001
    assert list(errors) == ["start"]


@pytest.mark.parametrize(
    ("start", "end"),
    [((7, 0), (8, 30)), ((21, 30), (22, 30)), ((7, 30), (8, 0))],
    ids=["opens-later", "closes-earlier", "before-opening"],
)
def test_outside_opening_hours_is_refused_on_start(space, household, start, end):
    errors = refusal(space, household, june(space, 4, *start), june(space, 4, *end))
    assert errors == {"start": ["The space is not open for all of this period."]}


def test_the_whole_opening_hours_are_bookable(space, household):
    space.max_duration_minutes = 14 * 60
    space.save()
    booking = book(space, household, june(space, 4, 8), june(space, 4, 22))
    assert booking.duration_minutes == 14 * 60


def test_a_day_the_space_is_not_open_is_refused(household):
    space = SpaceFactory(project=household.project)
    open_daily(space, weekdays=range(5))  # closed at weekends
    errors = refusal(space, household, june(space, 7, 10), june(space, 7, 11))  # a Saturday
    assert list(errors) == ["start"]
    assert book(space, household, june(space, 6, 10), june(space, 6, 11))  # the Friday


def test_a_closure_is_refused_with_its_reason(space, household):
    close_space(space, june(space, 4, 11), june(space, 4, 15), reason="Floor sanding")
    errors = refusal(space, household, june(space, 4, 10), june(space, 4, 12))
    assert errors == {"start": ["The space is closed then: Floor sanding"]}
    # Right up to the closure is fine (half-open periods).
    assert book(space, household, june(space, 4, 10), june(space, 4, 11))


def test_the_past_is_refused_on_start(space, household):
    later = NOW + dt.timedelta(minutes=1)
    errors = refusal(space, household, june(space, 2, 8), june(space, 2, 9), now=later)
    assert errors == {"start": ["The booking cannot start in the past."]}
    assert book(space, household, june(space, 2, 8), june(space, 2, 9), now=NOW)  # right now


def test_beyond_the_advance_window_is_refused_on_start(space, household):
    space.advance_days = 10
    space.save()
    errors = refusal(space, household, june(space, 12, 10), june(space, 12, 11))
    assert errors == {"start": ["Bookings open 10 days ahead at most."]}
    assert book(space, household, june(space, 12, 8), june(space, 12, 9))  # exactly 10 days


@pytest.mark.parametrize(
    ("minutes", "accepted"), [(15, False), (30, True), (240, True), (255, False)]
)
def test_duration_limits_are_on_end(space, household, minutes, accepted):
    start = june(space, 4, 9)
    end = start + dt.timedelta(minutes=minutes)
    if accepted:
        assert book(space, household, start, end).duration_minutes == minutes
    else:
        assert list(refusal(space, household, start, end)) == ["end"]


def test_weekly_quota_counts_the_household_bookings_of_the_local_week(space, household):
    space.quota_week_minutes = 120
    space.save()
    book(space, household, june(space, 2, 10), june(space, 2, 11))  # Monday
    book(space, household, june(space, 8, 21), june(space, 8, 22))  # Sunday, same week
    errors = refusal(space, household, june(space, 5, 10), june(space, 5, 10, 30))
    assert errors == {"end": ["Over your household's quota for this week: 0 of 120 minutes left."]}
    # The next Monday starts a new week; a neighbour has a quota of its own.
    assert book(space, household, june(space, 9, 10), june(space, 9, 12))
    assert book(
        space, HouseholdFactory(project=space.project), june(space, 5, 10), june(space, 5, 11)
    )


def test_cancelled_bookings_do_not_count_towards_the_quota(space, household):
    space.quota_week_minutes = 60
    space.save()
    BookingFactory(
        space=space,
        household=household,
        start=june(space, 3, 10),
        status=BookingStatus.CANCELLED,
    )
    assert book(space, household, june(space, 4, 10), june(space, 4, 11))


def test_monthly_quota_is_refused_on_end(space, household):
    space.quota_month_minutes = 180
    space.save()
    book(space, household, june(space, 3, 10), june(space, 3, 12))
    errors = refusal(space, household, june(space, 20, 10), june(space, 20, 12))
    assert errors == {
        "end": ["Over your household's quota for this month: 60 of 180 minutes left."]
    }
    assert book(space, household, june(space, 20, 10), june(space, 20, 11))  # what is left
    assert book(space, household, local(space, 2025, 7, 1, 10), local(space, 2025, 7, 1, 12))


def test_over_capacity_is_refused_on_attendees(space, household):
    errors = refusal(space, household, june(space, 4, 10), june(space, 4, 11), attendees=11)
    assert errors == {"attendees": ["This space holds 10 people at most."]}
    assert book(space, household, june(space, 4, 10), june(space, 4, 11), attendees=10)


def test_off_the_grid_is_refused_on_its_field(space, household):
    assert list(refusal(space, household, june(space, 4, 10, 5), june(space, 4, 11))) == ["start"]
    assert list(refusal(space, household, june(space, 4, 10), june(space, 4, 11, 10))) == ["end"]
    seconds = june(space, 4, 10) + dt.timedelta(seconds=30)
    assert list(refusal(space, household, seconds, june(space, 4, 11))) == ["start"]
    assert book(space, household, june(space, 4, 10, 15), june(space, 4, 11, 45))


def test_an_inactive_space_is_refused_on_space(space, household):
    space.is_active = False
    space.save()
    errors = refusal(space, household, june(space, 4, 10), june(space, 4, 11))
    assert errors == {"space": ["This space cannot be booked at the moment."]}


def test_a_household_of_another_project_is_refused_on_household(space):
    stranger = HouseholdFactory()
    errors = refusal(space, stranger, june(space, 4, 10), june(space, 4, 11))
    assert errors == {"household": ["This household does not live in this project."]}


def test_a_moved_out_household_is_refused_on_household(space):
    leaving = HouseholdFactory(project=space.project, move_out=dt.date(2025, 6, 3))
    errors = refusal(space, leaving, june(space, 4, 10), june(space, 4, 11))
    assert errors == {"household": ["This household has moved out."]}
    assert book(space, leaving, june(space, 3, 10), june(space, 3, 11))  # its last day


def test_check_booking_rules_alone_ignores_the_slot(space, household):
    BookingFactory(space=space, start=june(space, 4, 10), end=june(space, 4, 11))
    check_booking_rules(
        space=space, household=household, start=june(space, 4, 10), end=june(space, 4, 11), now=NOW
    )


# --- Slots, buffers and units ----------------------------------------------------------------


def test_back_to_back_bookings_fit_without_a_buffer(space, household):
    neighbour = HouseholdFactory(project=space.project)
    first = book(space, household, june(space, 4, 10), june(space, 4, 11))
    second = book(space, neighbour, june(space, 4, 11), june(space, 4, 12))
    third = book(space, neighbour, june(space, 4, 9), june(space, 4, 10))
    assert {first.status, second.status, third.status} == {BookingStatus.CONFIRMED}


def test_an_overlapping_booking_is_taken_with_the_next_free_periods(space, household):
    book(space, household, june(space, 4, 10), june(space, 4, 12))
    neighbour = HouseholdFactory(project=space.project)
    with pytest.raises(SlotTaken) as exc_info:
        book(space, neighbour, june(space, 4, 11), june(space, 4, 13))
    assert exc_info.value.next_free[0] == (june(space, 4, 12), june(space, 4, 22))
    assert exc_info.value.details["next_free"][0]["start"] == "2025-06-04T10:00:00+00:00"


def test_the_buffer_keeps_time_free_after_each_booking(space, household):
    space.buffer_minutes = 30
    space.save()
    neighbour = HouseholdFactory(project=space.project)
    first = book(space, household, june(space, 4, 10), june(space, 4, 11))
    assert first.blocked_until == june(space, 4, 11, 30)
    for start in ((11, 0), (11, 15)):  # within the buffer
        with pytest.raises(SlotTaken) as exc_info:
            book(space, neighbour, june(space, 4, *start), june(space, 4, 12))
        assert exc_info.value.next_free[0][0] == june(space, 4, 11, 30)
    # Before the booking, the new booking's own buffer must end by 10:00.
    with pytest.raises(SlotTaken):
        book(space, neighbour, june(space, 4, 9), june(space, 4, 9, 45))
    assert book(space, neighbour, june(space, 4, 8, 30), june(space, 4, 9, 30))
    assert book(space, neighbour, june(space, 4, 11, 30), june(space, 4, 12, 30))


def test_three_washing_machines_take_three_bookings_of_one_slot():
    space = SpaceFactory(kind=SpaceKind.LAUNDRY, units=3, capacity=1, min_duration_minutes=60)
    open_daily(space, "07:00", "21:00")
    households = HouseholdFactory.create_batch(4, project=space.project)
    start, end = june(space, 4, 18), june(space, 4, 20)
    units = [book(space, household, start, end).unit for household in households[:3]]
    assert sorted(units) == [1, 2, 3]
    with pytest.raises(SlotTaken) as exc_info:
        book(space, households[3], start, end)
    assert exc_info.value.next_free[0] == (june(space, 4, 20), june(space, 4, 21))
    # Another slot of the same day still has all three machines.
    assert book(space, households[3], june(space, 4, 8), june(space, 4, 9)).unit == 1


def test_a_cancelled_booking_does_not_take_the_slot(space, household):
    BookingFactory(
        space=space,
        start=june(space, 4, 10),
        end=june(space, 4, 11),
        status=BookingStatus.CANCELLED,
    )
    assert book(space, household, june(space, 4, 10), june(space, 4, 11)).unit == 1


# --- Fees ------------------------------------------------------------------------------------


@pytest.fixture
def paid_space(space):
    space.fee_per_hour_cents = 1000
    space.save()
    project = space.project
    project.booking_fee_reduction_threshold_cents = 100_000  # equivalised, per month
    project.booking_fee_reduction_percent = 50
    project.save()
    return space


def test_the_fee_is_by_the_hour(paid_space, household):
    IncomeDeclarationFactory(household=household, disposable_monthly_cents=120_000)
    ResidentFactory(household=household, birth_year=1980)
    booking = book(paid_space, household, june(paid_space, 4, 10), june(paid_space, 4, 12, 30))
    assert (booking.fee_cents, booking.fee_reduced) == (2500, False)


def test_a_household_below_the_threshold_pays_the_reduced_fee(paid_space):
    # 150 000 for two adults and two children: 150 000 / 2.1 = 71 429 equivalised, below.
    household = HouseholdFactory(project=paid_space.project)
    for birth_year in (1980, 1982, 2015, 2018):
        ResidentFactory(household=household, birth_year=birth_year)
    IncomeDeclarationFactory(household=household, disposable_monthly_cents=150_000)
    booking = book(paid_space, household, june(paid_space, 4, 10), june(paid_space, 4, 12))
    assert (booking.fee_cents, booking.fee_reduced) == (1000, True)


def test_without_an_income_declaration_the_full_fee_applies(paid_space, household):
    booking = book(paid_space, household, june(paid_space, 4, 10), june(paid_space, 4, 12))
    assert (booking.fee_cents, booking.fee_reduced) == (2000, False)


def test_a_free_space_costs_nothing(space, household):
    booking = book(space, household, june(space, 4, 10), june(space, 4, 12))
    assert (booking.fee_cents, booking.fee_reduced) == (0, False)


# --- The database's own guard ----------------------------------------------------------------


def test_the_database_refuses_an_overlapping_blocking_booking(space, household):
    existing = BookingFactory(space=space, start=june(space, 4, 10), end=june(space, 4, 12))
    overlapping = {
        "space": space,
        "household": household,
        "unit": 1,
        "start": june(space, 4, 11),
        "end": june(space, 4, 13),
        "blocked_until": june(space, 4, 13),
    }
    with pytest.raises(IntegrityError) as exc_info, transaction.atomic():
        Booking.objects.create(**overlapping)
    assert "booking_no_overlap" in str(exc_info.value)
    # Pending bookings block as well.
    existing.status = BookingStatus.PENDING
    existing.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(**overlapping)
    # Another unit, a non-blocking status, or a touching period are allowed.
    Booking.objects.create(**{**overlapping, "unit": 2})
    Booking.objects.create(**{**overlapping, "status": BookingStatus.CANCELLED})
    Booking.objects.create(
        **{
            **overlapping,
            "start": june(space, 4, 12),
            "end": june(space, 4, 13),
            "blocked_until": june(space, 4, 13),
        }
    )


def test_a_check_constraint_refusal_lands_on_its_field_and_the_caller_carries_on(space, household):
    """No rule of the service counts the people attending from one: the database's check does,
    reported on the field like any rule, and the refusal leaves the caller's transaction
    usable (the insert had its own savepoint)."""
    with transaction.atomic():
        errors = refusal(space, household, june(space, 4, 10), june(space, 4, 11), attendees=0)
        assert errors == {"attendees": ["At least one person attends."]}
        assert book(space, household, june(space, 4, 10), june(space, 4, 11)).attendees == 1


def test_a_field_too_long_for_its_column_is_refused_before_the_database(space, household):
    errors = refusal(space, household, june(space, 4, 10), june(space, 4, 11), note="x" * 501)
    assert list(errors) == ["note"]


def test_the_database_guards_the_buffer_too(space, household):
    BookingFactory(
        space=space,
        start=june(space, 4, 10),
        end=june(space, 4, 11),
        blocked_until=june(space, 4, 11, 30),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            space=space,
            household=household,
            start=june(space, 4, 11),
            end=june(space, 4, 12),
            blocked_until=june(space, 4, 12),
        )


# --- The service's own guard, which alone guards the demo's SQLite ---------------------------


@pytest.fixture
def without_the_exclusion_constraint():
    """The booking table as SQLite has it: no exclusion constraint. Dropped inside the test's
    transaction (PostgreSQL's DDL is transactional), so the rollback brings it back."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE community_booking DROP CONSTRAINT booking_no_overlap")


def test_the_service_refuses_an_overlap_by_itself(
    without_the_exclusion_constraint, space, household
):
    book(space, household, june(space, 4, 10), june(space, 4, 12))
    with pytest.raises(SlotTaken):
        book(space, HouseholdFactory(project=space.project), june(space, 4, 11), june(space, 4, 13))
    space.buffer_minutes = 30
    space.save()
    book(space, household, june(space, 4, 14), june(space, 4, 15))
    with pytest.raises(SlotTaken):  # within the buffer after the booking
        book(space, household, june(space, 4, 15, 15), june(space, 4, 16))
    assert Booking.objects.count() == 2


def test_the_service_gives_each_unit_once_by_itself(
    without_the_exclusion_constraint, space, household
):
    space.units = 2
    space.save()
    first = book(space, household, june(space, 4, 10), june(space, 4, 12))
    second = book(space, household, june(space, 4, 11), june(space, 4, 13))
    assert (first.unit, second.unit) == (1, 2)
    with pytest.raises(SlotTaken):
        book(space, household, june(space, 4, 11), june(space, 4, 12))
    assert Booking.objects.count() == 2
