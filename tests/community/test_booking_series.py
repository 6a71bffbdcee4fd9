"""Recurring bookings: the preview of each date, all-or-nothing and free-only creation, quotas
counted across the series, the limits, and cancelling a series from a date on."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from community.bookings.models import (
    Booking,
    BookingSeries,
    BookingStatus,
    Recurrence,
    WaitlistStatus,
)
from community.bookings.services.bookings import booking_create
from community.bookings.services.series import (
    Refusal,
    SeriesConflict,
    SeriesMode,
    booking_cancel_series_from,
    booking_series_create,
    booking_series_preview,
    series_dates,
)
from community.bookings.services.waitlist import waitlist_join
from tests.community.factories import (
    BookingFactory,
    SpaceFactory,
    close_space,
    local,
    open_daily,
    zone_of,
)
from tests.factories import HouseholdFactory, make_resident_user

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 2, 6, 0, tzinfo=dt.UTC)  # Monday 2 June 2025, 08:00 in Madrid
MONDAYS = [dt.date(2025, 6, day) for day in (2, 9, 16, 23, 30)]


@pytest.fixture
def space():
    space = SpaceFactory()
    open_daily(space)
    return space


@pytest.fixture
def household(space):
    return HouseholdFactory(project=space.project)


@pytest.fixture
def user(household):
    return make_resident_user(household)


def june(space, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return local(space, 2025, 6, day, hour, minute)


def series_args(space, household, occurrences=5, **kwargs):
    """Mondays 19:00–21:00 from 2 June 2025."""
    return {
        "space": space,
        "household": household,
        "start": june(space, 2, 19),
        "end": june(space, 2, 21),
        "recurrence": Recurrence.WEEKLY,
        "occurrences": occurrences,
        "now": NOW,
        **kwargs,
    }


def create(space, household, user, mode, **kwargs):
    return booking_series_create(
        **series_args(space, household, **kwargs), booked_by=user, mode=mode
    )


# --- Preview ---------------------------------------------------------------------------------


def test_the_preview_lists_each_date_free_or_why_not(space, household):
    BookingFactory(space=space, start=june(space, 9, 20), end=june(space, 9, 22))
    close_space(space, june(space, 23, 0), june(space, 24, 0), reason="Painting")

    previews = booking_series_preview(**series_args(space, household))

    assert [p.date for p in previews] == MONDAYS
    assert [p.index for p in previews] == [1, 2, 3, 4, 5]
    assert [p.free for p in previews] == [True, False, True, False, True]
    taken, closed = previews[1], previews[3]
    assert (taken.reason, taken.field, taken.message) == (
        Refusal.SLOT_TAKEN,
        "start",
        "This slot is already booked.",
    )
    assert (closed.reason, closed.field, closed.message) == (
        Refusal.RULE,
        "start",
        "The space is closed then: Painting",
    )
    assert previews[0].start == dt.datetime(2025, 6, 2, 17, 0, tzinfo=dt.UTC)
    assert previews[0].end == dt.datetime(2025, 6, 2, 19, 0, tzinfo=dt.UTC)
    assert previews[1].as_dict()["date"] == "2025-06-09"
    assert not Booking.objects.filter(household=household).exists()  # a preview writes nothing


def test_the_preview_counts_the_quota_across_the_series(space, household):
    space.quota_month_minutes = 6 * 60  # three Monday evenings a month
    space.save()
    previews = booking_series_preview(**series_args(space, household))
    assert [p.free for p in previews] == [True, True, True, False, False]
    assert {(p.reason, p.field) for p in previews[3:]} == {(Refusal.RULE, "end")}
    assert previews[3].message == (
        "Over your household's quota for this month: 0 of 360 minutes left."
    )


# --- Creating --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", SeriesMode.values)
def test_a_free_series_is_booked_in_full(space, household, user, mode):
    series, created, skipped = create(space, household, user, mode)
    assert (series.recurrence, series.occurrences, series.booked_by) == ("weekly", 5, user)
    assert skipped == []
    assert [b.start.astimezone(zone_of(space)).date() for b in created] == MONDAYS
    assert {b.series_id for b in created} == {series.pk}
    assert set(series.bookings.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}


def test_all_or_nothing_writes_nothing_when_a_date_is_taken(space, household, user):
    BookingFactory(space=space, start=june(space, 16, 18), end=june(space, 16, 20))
    close_space(space, june(space, 30, 0), june(space, 30, 23), reason="Holiday")
    before = Booking.objects.count()

    with pytest.raises(SeriesConflict) as exc_info:
        create(space, household, user, SeriesMode.ALL_OR_NOTHING)

    conflict = exc_info.value
    assert conflict.message == "These dates cannot be booked: 06/16/2025, 06/30/2025."
    assert [(c["date"], c["reason"]) for c in conflict.details["conflicts"]] == [
        ("2025-06-16", "slot_taken"),
        ("2025-06-30", "rule"),
    ]
    assert Booking.objects.count() == before
    assert not BookingSeries.objects.exists()


def test_free_only_books_the_free_dates_and_skips_the_others(space, household, user):
    BookingFactory(space=space, start=june(space, 16, 18), end=june(space, 16, 20))
    series, created, skipped = create(space, household, user, SeriesMode.FREE_ONLY)
    assert [b.start.astimezone(zone_of(space)).date() for b in created] == [
        MONDAYS[0],
        MONDAYS[1],
        MONDAYS[3],
        MONDAYS[4],
    ]
    assert [(p.date, p.reason) for p in skipped] == [(MONDAYS[2], Refusal.SLOT_TAKEN)]
    assert series.bookings.count() == 4


def test_quotas_count_across_the_series_when_it_is_booked(space, household, user):
    space.quota_month_minutes = 6 * 60
    space.save()
    with pytest.raises(SeriesConflict):
        create(space, household, user, SeriesMode.ALL_OR_NOTHING)
    _series, created, skipped = create(space, household, user, SeriesMode.FREE_ONLY)
    assert len(created) == 3
    assert [(p.date, p.field) for p in skipped] == [(MONDAYS[3], "end"), (MONDAYS[4], "end")]


def test_a_series_with_no_free_date_books_nothing(space, household, user):
    for day in (2, 9):
        BookingFactory(space=space, start=june(space, day, 19), end=june(space, day, 21))
    with pytest.raises(SeriesConflict):
        create(space, household, user, SeriesMode.FREE_ONLY, occurrences=2)
    assert not BookingSeries.objects.exists()


def test_when_every_date_breaks_the_same_rule_the_request_is_refused_on_its_field(
    space, household, user
):
    with pytest.raises(ValidationError) as exc_info:
        create(
            space,
            household,
            user,
            SeriesMode.FREE_ONLY,
            start=june(space, 2, 19, 5),  # off the 15-minute grid
        )
    assert exc_info.value.message_dict == {"start": ["Bookings start and end on a 15-minute grid."]}


@pytest.mark.parametrize(
    ("recurrence", "occurrences", "accepted"),
    [
        (Recurrence.WEEKLY, 0, False),
        (Recurrence.WEEKLY, 1, True),
        (Recurrence.WEEKLY, 52, True),
        (Recurrence.WEEKLY, 53, False),
        (Recurrence.MONTHLY, 24, True),
        (Recurrence.MONTHLY, 25, False),
        (Recurrence.WEEKLY, None, False),
        (Recurrence.WEEKLY, "3", False),
    ],
)
def test_the_number_of_dates_is_bounded(space, household, recurrence, occurrences, accepted):
    args = series_args(space, household, occurrences=occurrences, recurrence=recurrence)
    if accepted:
        assert len(booking_series_preview(**args)) == occurrences
        return
    with pytest.raises(ValidationError) as exc_info:
        booking_series_preview(**args)
    assert list(exc_info.value.message_dict) == ["occurrences"]


def test_a_missing_number_of_dates_is_required(space, household, user):
    with pytest.raises(ValidationError) as exc_info:
        create(space, household, user, SeriesMode.FREE_ONLY, occurrences=None)
    assert exc_info.value.message_dict == {"occurrences": ["This field is required."]}


@pytest.mark.parametrize("recurrence", [None, "", "daily"])
def test_the_recurrence_is_weekly_or_monthly(space, household, recurrence):
    with pytest.raises(ValidationError) as exc_info:
        booking_series_preview(**series_args(space, household, recurrence=recurrence))
    assert list(exc_info.value.message_dict) == ["recurrence"]


def test_the_mode_is_checked(space, household, user):
    with pytest.raises(ValidationError) as exc_info:
        create(space, household, user, "some")
    assert list(exc_info.value.message_dict) == ["mode"]


def test_a_series_cannot_overlap_itself(household):
    guest_room = SpaceFactory(project=household.project, max_duration_minutes=10 * 24 * 60)
    start = local(guest_room, 2025, 6, 2, 14)
    with pytest.raises(ValidationError) as exc_info:
        booking_series_preview(
            space=guest_room,
            household=household,
            start=start,
            end=start + dt.timedelta(days=8),
            recurrence=Recurrence.WEEKLY,
            occurrences=2,
            now=NOW,
        )
    assert list(exc_info.value.message_dict) == ["end"]


def test_a_monthly_series_on_the_31st_takes_the_last_day_of_shorter_months(space):
    zone = zone_of(space)
    start = dt.datetime(2026, 1, 31, 19, 0, tzinfo=zone)
    dates = series_dates(
        start=start,
        end=start + dt.timedelta(hours=2),
        recurrence=Recurrence.MONTHLY,
        occurrences=5,
        zone=zone,
    )
    assert [day for day, _start, _end in dates] == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 31),
    ]
    # 19:00 local each time, on both sides of the March change (UTC+1, then UTC+2).
    assert [begins.astimezone(zone).hour for _day, begins, _end in dates] == [19] * 5
    assert [begins.hour for _day, begins, _end in dates] == [18, 18, 17, 17, 17]


def test_a_monthly_series_is_booked(space, household, user):
    space.advance_days = 365
    space.save()
    start = local(space, 2025, 7, 31, 19)
    series, created, _ = booking_series_create(
        space=space,
        household=household,
        start=start,
        end=start + dt.timedelta(hours=1),
        recurrence=Recurrence.MONTHLY,
        occurrences=3,
        booked_by=user,
        mode=SeriesMode.ALL_OR_NOTHING,
        now=NOW,
    )
    assert [b.start.astimezone(zone_of(space)).date() for b in created] == [
        dt.date(2025, 7, 31),
        dt.date(2025, 8, 31),
        dt.date(2025, 9, 30),
    ]


# --- Cancelling from a date on ---------------------------------------------------------------


def test_cancelling_a_series_from_a_date_frees_the_later_dates(space, household, user):
    series, created, _ = create(space, household, user, SeriesMode.ALL_OR_NOTHING)
    waiting = HouseholdFactory(project=space.project)
    entry = waitlist_join(
        space=space,
        household=waiting,
        start=created[3].start,
        end=created[3].end,
        requested_by=None,
        now=NOW,
    )

    count = booking_cancel_series_from(
        series=series, from_date=MONDAYS[2], cancelled_by=user, now=NOW
    )

    assert count == 3
    statuses = list(series.bookings.order_by("start").values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "cancelled", "cancelled", "cancelled"]
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.PROMOTED
    # Nothing more to cancel.
    assert (
        booking_cancel_series_from(series=series, from_date=MONDAYS[2], cancelled_by=user, now=NOW)
        == 0
    )


def test_cancelling_a_series_spares_what_has_started_and_respects_the_cut_off(
    space, household, user
):
    space.cancel_cutoff_minutes = 48 * 60
    space.save()
    series, created, _ = create(space, household, user, SeriesMode.ALL_OR_NOTHING)
    # Saturday 14 June, 20:00: 2 and 9 June have passed, 16 June is within the 48 hours.
    now = june(space, 14, 20)
    count = booking_cancel_series_from(
        series=series, from_date=MONDAYS[0], cancelled_by=user, now=now
    )
    assert count == 2  # 23 and 30 June
    assert (
        booking_cancel_series_from(
            series=series, from_date=MONDAYS[0], cancelled_by=None, now=now, by_manager=True
        )
        == 1
    )  # 16 June; 2 and 9 June have passed
    statuses = list(series.bookings.order_by("start").values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "cancelled", "cancelled", "cancelled"]


def test_a_series_booking_is_an_ordinary_booking_for_the_others(space, household, user):
    create(space, household, user, SeriesMode.ALL_OR_NOTHING, occurrences=2)
    neighbour = HouseholdFactory(project=space.project)
    booking = booking_create(
        space=space,
        household=neighbour,
        start=june(space, 9, 17),
        end=june(space, 9, 19),
        booked_by=None,
        now=NOW,
    )
    assert booking.status == BookingStatus.CONFIRMED
