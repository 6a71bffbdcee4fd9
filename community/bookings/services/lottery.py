"""Contested slots allocated by a published, weighted lottery (DESIGN.md §3, BookingWindow).

A manager opens a window over some slots of a space; households request slots, by preference,
until it closes; then the draw orders the households at random, each weighted inversely to its
use of the space over the last twelve months, and books the slots in that order. The seed, the
weights, the order and the allocation are published, and ``lottery_replay`` re-derives the order
from the seed and the weights, so that any resident can check the draw.

Order — the Efraimidis–Spirakis weighted random permutation (P. S. Efraimidis and P. G.
Spirakis, "Weighted random sampling with a reservoir", Information Processing Letters 97(5),
2006): for each household, in ascending order of its id, draw u from ``random.Random(seed)``;
its key is u ** (1 / w); households are ordered by key, largest first. A household's chance to
come first is its weight over the sum of the weights. w = 1 / (1 + h), h = the hours it used
the space over the twelve months before the window closed (``household_used_minutes``).

Allocation — rounds. In each round the households are walked in lottery order and each takes
the first slot of its list (its order of preference) that is still free; one slot per household
per round. Rounds go on while a round gives out a slot. So everyone who listed a free slot gets
one before anyone gets a second, and listing a slot means being ready to take it. A slot that
``booking_create`` refuses for a household (over its quota, say) is skipped for that household
only; a slot that was booked directly meanwhile, or that has already started when the draw
runs, goes to nobody.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.validation import Conflict, save_validated
from community.bookings.models import (
    BookingRequest,
    BookingWindow,
    Space,
    SpaceClosure,
    WindowStatus,
)
from community.bookings.selectors.availability import check_space_timing, space_opening_rows
from community.bookings.selectors.usage import household_used_minutes
from community.bookings.services.bookings import SlotTaken, booking_create
from members.models import Household, User

ALGORITHM = "efraimidis-spirakis"
USAGE_MONTHS = 12


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def _check_window_slots(
    space: Space, slots: list[tuple[dt.datetime, dt.datetime]], closes_at: dt.datetime
) -> None:
    """Each slot bookable under the space's rules when the requests close, and no two slots
    overlapping (with the space's buffer after each); the error names the slot."""
    first = min(start for start, _end in slots)
    last = max(end for _start, end in slots)
    rows = space_opening_rows(space=space)
    closures = list(
        SpaceClosure.objects.filter(space=space, start__lt=last, end__gt=first).values_list(
            "start", "end", "reason"
        )
    )
    for number, (start, end) in enumerate(slots, start=1):
        try:
            # The draw books the slots as of closes_at: the advance window counts from then.
            check_space_timing(
                space=space,
                start=start,
                end=end,
                now=closes_at,
                opening_rows=rows,
                closures=closures,
            )
        except ValidationError as exc:
            raise ValidationError(
                {
                    "slots": _("Slot %(number)s: %(reason)s")
                    % {"number": number, "reason": _error_text(exc)}
                }
            ) from exc

    buffer = dt.timedelta(minutes=space.buffer_minutes)
    numbered = sorted(enumerate(slots, start=1), key=lambda item: item[1])
    for (number_a, (_start_a, end_a)), (number_b, (start_b, _end_b)) in zip(
        numbered, numbered[1:], strict=False
    ):
        if end_a + buffer > start_b:
            raise ValidationError(
                {
                    "slots": _("Slots %(a)s and %(b)s overlap.")
                    % {"a": min(number_a, number_b), "b": max(number_a, number_b)}
                }
            )


@transaction.atomic
def booking_window_open(
    *,
    space: Space,
    title: str,
    slots: Sequence[tuple[dt.datetime, dt.datetime]],
    closes_at: dt.datetime,
    created_by: User | None,
    opens_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> BookingWindow:
    """Open a request window over contested slots of a space.

    Each slot must be bookable under the space's rules at the moment the requests close (when
    the draw books it): opening hours, closures, grid, durations, advance window. Slots may not
    overlap each other (with the space's buffer after each), and requests close in the future,
    before the first slot starts.
    """
    now = now or timezone.now()
    opens_at = opens_at or now
    space = Space.objects.select_related("project__city").get(pk=space.pk)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the window a title.")})
    if not slots:
        raise ValidationError({"slots": _("Give at least one slot.")})
    if timezone.is_naive(closes_at) or any(
        timezone.is_naive(start) or timezone.is_naive(end) for start, end in slots
    ):
        raise ValidationError({"slots": _("Give times with their time zone.")})
    # In UTC, so that durations over a daylight-saving change are real ones.
    slots = [(start.astimezone(dt.UTC), end.astimezone(dt.UTC)) for start, end in slots]
    closes_at = closes_at.astimezone(dt.UTC)
    if closes_at <= now:
        raise ValidationError({"closes_at": _("Requests must close in the future.")})
    if closes_at >= min(start for start, _end in slots):
        raise ValidationError({"closes_at": _("Requests must close before the first slot starts.")})

    _check_window_slots(space, slots, closes_at)

    window = BookingWindow(
        space=space,
        title=title,
        slots=[{"start": start.isoformat(), "end": end.isoformat()} for start, end in slots],
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=created_by,
    )
    return save_validated(window)


@transaction.atomic
def booking_request_submit(
    *,
    window: BookingWindow,
    household: Household,
    slot_indexes: Sequence[int],
    requested_by: User | None,
    now: dt.datetime | None = None,
) -> BookingRequest:
    """A household's request for slots of a window, by preference (indexes into its slots).

    A second request of the same household replaces the first one's preferences. The window's
    row lock orders requests against the draw, so none slips in while the draw runs.
    """
    now = now or timezone.now()
    window = (
        BookingWindow.objects.select_for_update(of=("self",))
        .select_related("space__project__city")
        .get(pk=window.pk)
    )
    if window.status != WindowStatus.OPEN or now >= window.closes_at:
        raise Conflict(_("Requests for this window are closed."))
    if now < window.opens_at:
        raise Conflict(_("Requests for this window are not open yet."))
    space = window.space
    if household.project_id != space.project_id:
        raise ValidationError({"household": _("This household does not live in this project.")})
    today = now.astimezone(ZoneInfo(space.project.city.time_zone)).date()
    if household.move_out is not None and household.move_out < today:
        raise ValidationError({"household": _("This household has moved out.")})

    indexes = list(slot_indexes) if isinstance(slot_indexes, list | tuple) else None
    if not indexes:
        raise ValidationError({"slot_indexes": _("Choose at least one slot.")})
    if any(isinstance(i, bool) or not isinstance(i, int) for i in indexes):
        raise ValidationError({"slot_indexes": _("Choose slots by their number.")})
    if any(not 0 <= i < len(window.slots) for i in indexes):
        raise ValidationError({"slot_indexes": _("This window has no such slot.")})
    if len(set(indexes)) != len(indexes):
        raise ValidationError({"slot_indexes": _("Choose each slot once.")})

    request = BookingRequest.objects.filter(window=window, household=household).first()
    if request is not None:
        request.slot_indexes = indexes
        request.requested_by = requested_by
        request.save(update_fields=["slot_indexes", "requested_by"])
        return request
    return save_validated(
        BookingRequest(
            window=window,
            household=household,
            requested_by=requested_by,
            slot_indexes=indexes,
            created_at=now,
        )
    )


def lottery_replay(*, seed: str, weights: Mapping[int, float]) -> list[int]:
    """The lottery order of the households, from the published seed and weights.

    For each household in ascending order of id, u = the next ``random.Random(seed).random()``;
    key = u ** (1 / w); the order is by key, largest first. The keys are compared as
    ln(u) / w, which orders them the same way without u ** (1 / w) rounding to 0.0 for heavy
    users. Keys may be given as strings (as they come back from the published JSON).
    """
    by_id = {int(household_id): float(weight) for household_id, weight in weights.items()}
    if any(not weight > 0 for weight in by_id.values()):
        raise ValueError("Every weight must be positive.")
    # Reproducibility is the point here; the seed itself comes from ``secrets``.
    generator = random.Random(seed)  # noqa: S311
    keys = []
    for household_id in sorted(by_id):
        u = generator.random()
        keys.append((math.log(u) / by_id[household_id] if u > 0 else -math.inf, household_id))
    keys.sort(key=lambda item: (-item[0], item[1]))
    return [household_id for _key, household_id in keys]


def _year_before(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    local = moment.astimezone(zone)
    try:
        earlier = local.replace(year=local.year - 1)
    except ValueError:  # 29 February
        earlier = local.replace(year=local.year - 1, day=28)
    return earlier.astimezone(dt.UTC)


def booking_window_draw(
    *, window: BookingWindow, now: dt.datetime | None = None, seed: str | None = None
) -> BookingWindow:
    """Draw the window's lottery and book the slots; once only.

    Runs under the window's row lock: a second draw, in parallel or later, finds it drawn and
    returns it unchanged.
    """
    now = now or timezone.now()
    with transaction.atomic():
        window = BookingWindow.objects.select_for_update().get(pk=window.pk)
        if window.status == WindowStatus.DRAWN:
            return window
        if window.status != WindowStatus.OPEN:
            raise Conflict(_("This window was cancelled."))
        if now < window.closes_at:
            raise Conflict(_("Requests are still open; the draw comes after they close."))

        space = Space.objects.select_related("project__city").get(pk=window.space_id)
        zone = ZoneInfo(space.project.city.time_zone)
        slots = window.slot_periods()
        requests = {
            request.household_id: request
            for request in window.requests.select_related("household", "requested_by").order_by(
                "household_id"
            )
        }
        usage_start = _year_before(window.closes_at, zone)
        used = household_used_minutes(
            space=space, start=usage_start, end=window.closes_at, household_ids=list(requests)
        )
        weights: dict[int, dict] = {}
        for household_id, request in requests.items():
            hours = used.get(household_id, 0) / 60
            weights[household_id] = {
                "unit": request.household.unit_label,
                "hours_12m": hours,
                "weight": 1 / (1 + hours),
            }
        seed = seed or secrets.token_hex(16)
        order = lottery_replay(
            seed=seed, weights={household_id: w["weight"] for household_id, w in weights.items()}
        )

        allocation, skipped, lapsed = _allocate(
            window=window, space=space, slots=slots, requests=requests, order=order, now=now
        )

        window.seed = seed
        window.drawn_at = now
        window.status = WindowStatus.DRAWN
        window.result = {
            "seed": seed,
            "algorithm": ALGORITHM,
            "key": "u ** (1 / w); u from random.Random(seed), one per household by ascending id",
            "usage_period": {
                "start": usage_start.isoformat(),
                "end": window.closes_at.astimezone(dt.UTC).isoformat(),
            },
            # JSON keys are strings: household ids and slot indexes are written as such.
            "weights": {str(household_id): w for household_id, w in weights.items()},
            "order": order,
            "allocation": {str(index): allocation[index] for index in range(len(slots))},
            "skipped": skipped,
            "lapsed": lapsed,
        }
        window.save(update_fields=["seed", "drawn_at", "status", "result"])
    return window


def _allocate(
    *,
    window: BookingWindow,
    space: Space,
    slots: list[tuple[dt.datetime, dt.datetime]],
    requests: dict[int, BookingRequest],
    order: list[int],
    now: dt.datetime,
) -> tuple[dict[int, int | None], list[dict], list[int]]:
    """Book the slots in rounds (see the module's docstring); returns the allocation, the
    (household, slot) pairs skipped with the reason, and the slots that had started."""
    allocation: dict[int, int | None] = dict.fromkeys(range(len(slots)))
    lapsed = [index for index, (start, _end) in enumerate(slots) if start <= now]
    free = set(range(len(slots))) - set(lapsed)
    refused: set[tuple[int, int]] = set()
    skipped: list[dict] = []
    with translation.override(space.project.city.default_language):
        note = _("lottery: %(title)s") % {"title": window.title}
    won_first: dict[int, int] = {}

    progress = True
    while progress and free:
        progress = False
        for household_id in order:
            request = requests[household_id]
            for index in request.slot_indexes:
                if index not in free or (household_id, index) in refused:
                    continue
                start, end = slots[index]
                try:
                    # As of closes_at: the slot was checked against the rules for that moment,
                    # and the draw may run a little later.
                    booking = booking_create(
                        space=space,
                        household=request.household,
                        start=start,
                        end=end,
                        booked_by=request.requested_by,
                        note=note,
                        now=window.closes_at,
                        lottery_window=window,
                    )
                except SlotTaken:
                    free.discard(index)
                    skipped.append({"slot": index, "household": household_id, "reason": "taken"})
                    continue
                except ValidationError as exc:
                    refused.add((household_id, index))
                    skipped.append(
                        {"slot": index, "household": household_id, "reason": _error_text(exc)}
                    )
                    continue
                allocation[index] = household_id
                free.discard(index)
                won_first.setdefault(household_id, booking.pk)
                progress = True
                break

    for household_id, booking_id in won_first.items():
        requests[household_id].booking_id = booking_id
    BookingRequest.objects.bulk_update(
        [requests[household_id] for household_id in won_first], ["booking"]
    )
    return allocation, skipped, lapsed
