"""The permission matrix: what every role is answered by every page and API operation.

One entry per route name (its pattern when it has none) and method: ten words, one per role, in
the order of the columns below. A word is a status code, "login" (sent to the sign-in page) or
"admin-login" (to the admin's), with "w" when the answer writes (a GET that logs a look at an
income, a POST that does what it says); alternatives are joined by "|". An answer that refuses
must write nothing. A write sends an empty body unless the entry gives one, so an allowed
writer is refused on its fields (400, or the form again) without writing; an operation that
takes no input simply runs, and is undone after the answer.

Options of an entry:
    target  the world's object the route's main parameter names, instead of its collection's
            (``World.objects``), e.g. the pending booking for "approve"
    query   a query string the request needs to get past its input checks
    body    fields sent with a write, each naming a collection whose target's id it carries
    only    the roles asked, when the answer cannot depend on the role

Allauth's pages (/accounts/) and Django's admin (/admin/) are not listed one by one: a rule
(``accounts_rule``, ``admin_rule``) gives each route's row, and every route is asked all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.permission_matrix.routes import Route
from tests.permission_matrix.world import ROLES


@dataclass(frozen=True)
class Entry:
    answers: tuple[str, ...]
    target: str = ""
    query: str = ""
    body: dict[str, str] = field(default_factory=dict)
    only: tuple[str, ...] = ROLES

    def expected(self, role: str) -> str:
        return self.answers[ROLES.index(role)]


def E(answers: str, **options) -> Entry:  # noqa: N802 - read as a table's cell, not a call
    words = tuple(answers.split())
    assert len(words) == len(ROLES), f"{answers!r}: one word per role, {len(ROLES)} in all"
    return Entry(words, **options)


# --- Rows many routes share ------------------------------------------------------------------
# Columns: anonymous, other_resident, resident, representative, other_manager, manager,
#          other_officer, officer, observer, admin.

# Pages: for the project's residents and managers; its managers; the household's representative
# and the managers; the households only (a manager books for no one on a page); the managers,
# refusing the city's officer, who knows the project; POST only.
MEMBERS = "login 404 200 200 404 200 404 404 404 200"
MANAGERS = "login 404 403 403 404 200 404 404 404 200"
REPRESENTATIVES = "login 404 403 200 404 200 404 404 404 200"
HOUSEHOLDS = "login 404 200 200 404 403 404 404 404 403"
MANAGERS_SEEN = "login 404 403 403 404 200 404 403 404 200"
POST_ONLY = "login 405 405 405 405 405 405 405 405 405"

# The API: a list, where each sees their own rows; the project's residents and managers; its
# managers; an operation the route does not offer.
LIST = "401 200 200 200 200 200 200 200 200 200"
API_MEMBERS = "401 404 200 200 404 200 404 404 404 200"
API_MANAGERS = "401 404 404 404 404 200 404 404 404 200"
API_REFUSED = "401 405 405 405 405 405 405 405 405 405"

# A few periods and bodies the API's reads and creates need to get past their input checks.
PERIOD = "start=2030-01-01T00:00:00%2B00:00&end=2030-01-02T00:00:00%2B00:00"
OF_PROJECT = {"project": "projects"}
OF_HOUSEHOLD = {"household": "households"}
OF_SPACE = {"space": "spaces"}

#  (route, method): E(anonymous other_resident resident representative other_manager manager
#                     other_officer officer observer admin, options)
MATRIX: dict[tuple[str, str], Entry] = {
    # --- Pages ---
    ("set_language", "GET"): E("302 302 302 302 302 302 302 302 302 302"),
    ("set_language", "POST"): E("302 302 302 302 302 302 302 302 302 302"),
    # --- The API (/api/v1/) ---
    ("api-token", "POST"): E("400 400 400 400 400 400 400 400 400 400"),
    ("api-tokens", "GET"): E(LIST),
    ("api-tokens", "DELETE"): E("401 204 204 204 204 204 204 204 204 204"),
    ("api-me", "GET"): E(LIST),
    ("api-me-export", "GET"): E("401 200w 200w 200w 200w 200w 200w 200w 200w 200w"),
    # The schema is one document for everyone, and takes seconds to build: asked once.
    ("api-schema", "GET"): E("200 200 200 200 200 200 200 200 200 200", only=("anonymous",)),
    # The floor reads nothing, so it cannot depend on the role.
    ("api-ping", "GET"): E("200 200 200 200 200 200 200 200 200 200", only=("anonymous",)),
    ("api-docs", "GET"): E("200 200 200 200 200 200 200 200 200 200"),
    ("booking-cancel-away", "POST"): E(
        "401 400 400 400 400 400 400 400 400 400", body=OF_HOUSEHOLD
    ),
    ("booking-handover", "POST"): E("401 404 400 400 404 403 404 404 404 403", target="running"),
    ("handover-review", "POST"): E("401 404 403 403 404 403 404 404 404 403"),
    ("booking-series-cancel-from", "POST"): E("401 404 400 400 404 400 404 404 404 400"),
    ("project-balances", "GET"): E(API_MANAGERS),
    ("project-arrears", "GET"): E(API_MANAGERS),
    ("project-affordability", "GET"): E(API_MANAGERS),
    ("project-audit-events", "GET"): E(API_MANAGERS),
    ("household-affordability", "GET"): E(API_MEMBERS),
    ("household-statement", "GET"): E(API_MEMBERS),
    ("city-indicators", "GET"): E("401 404 404 404 404 404 404 200 200 200"),
    ("project-indicators", "GET"): E("401 404 404 404 404 200 404 200 200 200"),
    ("city-list", "GET"): E(LIST),
    ("city-detail", "GET"): E("401 200 200 200 200 200 404 200 404 200"),
    ("project-list", "GET"): E(LIST),
    ("project-detail", "GET"): E("401 404 200 200 404 200 404 200 404 200"),
    ("project-project-settings", "PATCH"): E("401 404 403 403 404 200w 404 403 404 200w"),
    ("household-list", "GET"): E(LIST),
    ("household-list", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_PROJECT),
    ("household-detail", "GET"): E(API_MEMBERS),
    ("household-detail", "PUT"): E(API_REFUSED),
    ("household-detail", "PATCH"): E("401 404 403 403 404 200w 404 404 404 200w"),
    ("resident-list", "GET"): E(LIST),
    ("resident-list", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_HOUSEHOLD),
    ("resident-detail", "GET"): E(API_MEMBERS),
    ("resident-detail", "PUT"): E(API_REFUSED),
    ("resident-detail", "PATCH"): E("401 404 403 200w 404 200w 404 404 404 200w"),
    ("resident-erase", "POST"): E("401 404 403 403 404 204w 404 404 404 204w"),
    ("income-declaration-list", "GET"): E("401 200 200 200 200 200w 200 200 200 200w"),
    ("income-declaration-list", "POST"): E(
        "401 400 400 400 400 400 400 400 400 400", body=OF_HOUSEHOLD
    ),
    ("income-declaration-detail", "GET"): E("401 404 200 200 404 200w 404 404 404 200w"),
    ("income-declaration-verify", "POST"): E("401 404 403 403 404 200w 404 404 404 200w"),
    ("invitation-list", "GET"): E(LIST),
    ("invitation-list", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_HOUSEHOLD),
    ("invitation-detail", "GET"): E(API_MANAGERS),
    ("invitation-detail", "DELETE"): E("401 404 404 404 404 204w 404 404 404 204w"),
    ("space-list", "GET"): E(LIST),
    ("space-list", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_PROJECT),
    ("space-free", "GET"): E(
        "401 400 200 200 400 200 400 400 400 200", query="project={projects}&" + PERIOD
    ),
    ("space-detail", "GET"): E(API_MEMBERS),
    ("space-detail", "PUT"): E(API_REFUSED),
    ("space-detail", "PATCH"): E("401 404 403 403 404 200w 404 404 404 200w"),
    ("space-availability", "GET"): E(API_MEMBERS, query=PERIOD),
    ("space-closure-detail", "DELETE"): E("401 404 403 403 404 204w 404 404 404 204w"),
    ("space-closures", "GET"): E(API_MEMBERS),
    ("space-closures", "POST"): E("401 404 403 403 404 400 404 404 404 400"),
    ("space-usage", "GET"): E(API_MEMBERS, query=PERIOD),
    ("booking-list", "GET"): E(LIST),
    ("booking-list", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_SPACE),
    ("booking-preview-series", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_SPACE),
    ("booking-waitlist", "GET"): E(LIST),
    ("booking-waitlist", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_SPACE),
    ("booking-waitlist-detail", "DELETE"): E("401 404 404 404 404 204w 404 404 404 204w"),
    ("booking-detail", "GET"): E(API_MEMBERS),
    ("booking-approve", "POST"): E("401 404 403 403 404 200w 404 404 404 200w", target="pending"),
    ("booking-cancel", "POST"): E("401 404 200w 200w 404 200w 404 404 404 200w"),
    ("booking-check-in", "POST"): E("401 404 200w 200w 404 403 404 404 404 403", target="running"),
    ("booking-ics", "GET"): E(API_MEMBERS),
    ("booking-reject", "POST"): E("401 404 403 403 404 200w 404 404 404 200w", target="pending"),
    ("booking-window-list", "GET"): E(LIST),
    ("booking-window-list", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_SPACE),
    ("booking-window-detail", "GET"): E(API_MEMBERS),
    ("booking-window-draw", "POST"): E("401 404 403 403 404 409 404 404 404 409"),
    ("booking-window-request", "POST"): E("401 404 400 400 404 400 404 404 404 400"),
    ("maintenance-note-list", "GET"): E(LIST),
    ("maintenance-note-detail", "GET"): E(API_MANAGERS),
    ("maintenance-note-resolve", "POST"): E("401 404 403 403 404 200w 404 404 404 200w"),
    ("meeting-list", "GET"): E(LIST),
    ("meeting-list", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_PROJECT),
    ("meeting-detail", "GET"): E(API_MEMBERS),
    ("meeting-detail", "PUT"): E(API_REFUSED),
    ("meeting-detail", "PATCH"): E("401 404 403 403 404 200w 404 404 404 200w"),
    ("meeting-agenda", "POST"): E("401 404 403 403 404 400 404 404 404 400"),
    ("meeting-agenda-order", "POST"): E("401 404 403 403 404 400 404 404 404 400"),
    ("meeting-attendance", "GET"): E("401 404 403 403 404 200 404 404 404 200"),
    ("meeting-attendance", "POST"): E("401 404 403 403 404 400 404 404 404 400"),
    ("meeting-ics", "GET"): E(API_MEMBERS),
    ("meeting-invitations", "POST"): E("401 404 403 403 404 202w 404 404 404 202w"),
    ("meeting-minutes", "POST"): E("401 404 403 403 404 400 404 404 404 400"),
    ("agenda-item-list", "GET"): E(LIST),
    ("agenda-item-detail", "GET"): E(API_MEMBERS),
    ("agenda-item-detail", "PUT"): E(API_REFUSED),
    ("agenda-item-detail", "PATCH"): E("401 404 403 403 404 200w 404 404 404 200w"),
    ("agenda-item-detail", "DELETE"): E("401 404 403 403 404 204w 404 404 404 204w"),
    ("decision-class-list", "GET"): E(LIST),
    ("decision-class-list", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_PROJECT),
    ("decision-class-detail", "GET"): E(API_MEMBERS),
    ("decision-class-detail", "PUT"): E(API_REFUSED),
    ("decision-class-detail", "PATCH"): E("401 404 403 403 404 200w 404 404 404 200w"),
    ("decision-class-detail", "DELETE"): E("401 404 403 403 404 204w 404 404 404 204w"),
    ("proposal-list", "GET"): E(LIST),
    ("proposal-list", "POST"): E("401 400 400 400 400 400 400 400 400 400", body=OF_PROJECT),
    ("proposal-detail", "GET"): E(API_MEMBERS),
    ("proposal-detail", "PATCH"): E("401 404 403 403 404 409 404 404 404 409"),
    ("proposal-advance-phase", "POST"): E(
        "401 404 403 403 404 200w 404 404 404 200w", target="consent"
    ),
    ("proposal-amend", "POST"): E("401 404 403 403 404 400 404 404 404 400", target="consent"),
    ("proposal-close-round", "POST"): E(
        "401 404 403 403 404 200w 404 404 404 200w", target="consent"
    ),
    ("proposal-paper-ballot", "POST"): E("401 404 400 400 404 400 404 404 404 400"),
    ("proposal-results", "GET"): E(API_MEMBERS, target="closed"),
    ("proposal-round-entries", "POST"): E(
        "401 404 400 400 404 400 404 404 404 400", target="consent"
    ),
    ("proposal-round-entry-answer", "POST"): E(
        "401 404 403 403 404 400 404 404 404 400", target="consent"
    ),
    ("proposal-vote", "POST"): E("401 404 400 400 404 400 404 404 404 400"),
    ("proposal-withdraw", "POST"): E("401 404 403 403 404 200w 404 404 404 200w"),
    ("proxy-list", "GET"): E(LIST),
    ("proxy-list", "POST"): E(
        "401 400 400 400 400 400 400 400 400 400", body={"proposal": "proposals"}
    ),
    ("proxy-holders", "GET"): E(API_MEMBERS, query="project={projects}"),
    ("proxy-detail", "GET"): E("401 404 404 200 404 200 404 404 404 200"),
    ("proxy-detail", "DELETE"): E("401 404 404 403 404 204w 404 404 404 204w"),
    ("proxy-revoke", "POST"): E("401 404 404 403 404 200w 404 404 404 200w"),
    ("decision-list", "GET"): E(LIST),
    ("decision-export", "GET"): E(LIST),
    ("decision-detail", "GET"): E(API_MEMBERS),
    ("budget-list", "GET"): E(LIST),
    ("budget-list", "POST"): E("401 404 403 403 404 400 404 404 404 400", body=OF_PROJECT),
    ("budget-detail", "GET"): E(API_MEMBERS),
    ("scheme-list", "GET"): E(LIST),
    ("scheme-list", "POST"): E("401 404 403 403 404 400 404 404 404 400", body=OF_PROJECT),
    ("scheme-compare", "POST"): E("401 404 403 403 404 400 404 404 404 400", body=OF_PROJECT),
    ("scheme-simulate", "POST"): E("401 404 403 403 404 400 404 404 404 400", body=OF_PROJECT),
    ("scheme-detail", "GET"): E(API_MEMBERS),
    ("scheme-detail", "PATCH"): E("401 404 403 403 404 409 404 404 404 409"),
    ("scheme-adopt", "POST"): E("401 404 403 403 404 409 404 404 404 409"),
    ("scheme-retire", "POST"): E("401 404 403 403 404 200w 404 404 404 200w"),
    ("charge-list", "GET"): E("401 200 200 200 200 200w 200 200 200 200w"),
    ("charge-run", "POST"): E("401 404 403 403 404 400 404 404 404 400", body=OF_PROJECT),
    ("charge-detail", "GET"): E("401 404 200 200 404 200w 404 404 404 200w"),
    ("charge-run-list", "GET"): E(LIST),
    ("charge-run-detail", "GET"): E(API_MANAGERS),
    ("payment-list", "GET"): E(LIST),
    ("payment-list", "POST"): E("401 404 403 403 404 400 404 404 404 400", body=OF_HOUSEHOLD),
    ("payment-import", "POST"): E("401 415 415 415 415 415 415 415 415 415"),
    ("payment-detail", "GET"): E(API_MEMBERS),
    ("pilot-goal-list", "GET"): E(LIST),
    ("pilot-goal-list", "POST"): E("401 404 404 404 404 403 404 400 403 400", body=OF_PROJECT),
    ("pilot-goal-detail", "GET"): E("401 404 404 404 404 200 404 200 200 200"),
    ("pilot-goal-detail", "PATCH"): E("401 404 404 404 404 403 404 200w 403 200w"),
    ("pilot-goal-detail", "DELETE"): E("401 404 404 404 404 403 404 204w 403 204w"),
    ("api-root", "GET"): E(LIST),
    # --- Pages ---
    ("home", "GET"): E("login 200 200 200 200 200 200 200 200 200"),
    ("invitation_accept", "GET"): E("200 403 403 403 403 403 403 403 403 403"),
    ("invitation_accept", "POST"): E("200 403 403 403 403 403 403 403 403 403"),
    ("household_create", "GET"): E(MANAGERS_SEEN),
    ("household_create", "POST"): E(MANAGERS_SEEN),
    ("project_settings", "GET"): E(MANAGERS_SEEN),
    ("project_audit_log", "GET"): E(MANAGERS_SEEN),
    ("project_settings", "POST"): E(MANAGERS_SEEN),
    ("household_detail", "GET"): E("login 404 200 200 404 200w 404 404 404 200w"),
    ("household_edit", "GET"): E(MANAGERS),
    ("household_edit", "POST"): E(MANAGERS),
    ("resident_create", "GET"): E(REPRESENTATIVES),
    ("resident_create", "POST"): E(REPRESENTATIVES),
    ("resident_edit", "GET"): E(REPRESENTATIVES),
    ("resident_edit", "POST"): E(REPRESENTATIVES),
    ("resident_erase", "GET"): E(MANAGERS),
    ("resident_erase", "POST"): E("login 404 403 403 404 302w 404 404 404 302w"),
    ("personal_data", "GET"): E("login 200 200 200 200 200 200 200 200 200"),
    ("personal_data_download", "GET"): E("login 200w 200w 200w 200w 200w 200w 200w 200w 200w"),
    ("income_declaration_create", "GET"): E(REPRESENTATIVES),
    ("income_declaration_create", "POST"): E(REPRESENTATIVES),
    ("invitation_create", "GET"): E(MANAGERS),
    ("invitation_create", "POST"): E(MANAGERS),
    ("project_detail", "GET"): E("login 404 200 200 404 200 404 200 404 200"),
    ("city_detail", "GET"): E("login 200 200 200 200 200 404 200 404 200"),
    ("network_indicators", "GET"): E("login 404 404 404 404 404 200 200 200 200"),
    ("network_indicators_csv", "GET"): E("login 404 404 404 404 404 200 200 200 200"),
    ("network_indicators_json", "GET"): E("login 404 404 404 404 404 200 200 200 200"),
    ("city_indicators", "GET"): E("login 404 404 404 404 404 404 200 200 200"),
    ("city_indicators_csv", "GET"): E("login 404 404 404 404 404 404 200 200 200"),
    ("city_indicators_json", "GET"): E("login 404 404 404 404 404 404 200 200 200"),
    ("city_indicators_refresh", "GET"): E("login 404 404 404 404 404 404 405 403 405"),
    ("city_indicators_refresh", "POST"): E("login 404 404 404 404 404 404 302w 403 302w"),
    ("goal_create", "GET"): E("login 404 404 404 404 404 404 200 403 200"),
    ("goal_create", "POST"): E("login 404 404 404 404 404 404 400 403 400"),
    ("goal_edit", "GET"): E("login 404 404 404 404 403 404 200 403 200"),
    ("goal_edit", "POST"): E("login 404 404 404 404 403 404 400 403 400"),
    ("goal_delete", "GET"): E("login 404 404 404 404 403 404 200 403 200"),
    ("goal_delete", "POST"): E("login 404 404 404 404 403 404 302w 403 302w"),
    ("project_indicators", "GET"): E("login 404 404 404 404 200 404 200 200 200"),
    ("project_report", "GET"): E("login 404 404 404 404 200 404 200 200 200"),
    ("project_indicators_csv", "GET"): E("login 404 404 404 404 200 404 200 200 200"),
    ("project_indicators_json", "GET"): E("login 404 404 404 404 200 404 200 200 200"),
    ("space_list", "GET"): E(MEMBERS),
    ("space_create", "GET"): E(MANAGERS_SEEN),
    ("space_create", "POST"): E(MANAGERS_SEEN),
    ("pending_bookings", "GET"): E(MANAGERS_SEEN),
    ("space_week", "GET"): E(MEMBERS),
    ("booking_create", "GET"): E(HOUSEHOLDS),
    ("booking_create", "POST"): E(HOUSEHOLDS),
    ("booking_series_preview", "GET"): E(HOUSEHOLDS),
    ("booking_series_preview", "POST"): E(HOUSEHOLDS),
    ("waitlist_join", "GET"): E(POST_ONLY),
    ("waitlist_join", "POST"): E(HOUSEHOLDS),
    ("space_settings", "GET"): E(MANAGERS),
    ("space_settings", "POST"): E(MANAGERS),
    ("space_feed_rotate", "GET"): E(POST_ONLY),
    ("space_feed_rotate", "POST"): E("login 404 403 403 404 302w 404 404 404 302w"),
    ("closure_create", "GET"): E(POST_ONLY),
    ("closure_create", "POST"): E(MANAGERS),
    ("closure_delete", "GET"): E(POST_ONLY),
    ("closure_delete", "POST"): E("login 404 403 403 404 302w 404 404 404 302w"),
    ("space_usage", "GET"): E(MEMBERS),
    ("my_bookings", "GET"): E("login 200 200 200 200 200 200 200 200 200"),
    ("household_feed_rotate", "GET"): E(POST_ONLY),
    ("household_feed_rotate", "POST"): E("login 302w 302w 302w 404 404 404 404 404 404"),
    ("booking_ics", "GET"): E(MEMBERS),
    ("booking_cancel", "GET"): E(POST_ONLY),
    ("booking_cancel", "POST"): E("login 404 302w 302w 404 302w 404 404 404 302w"),
    ("booking_check_in", "GET"): E(POST_ONLY),
    ("booking_check_in", "POST"): E(
        "login 404 302w 302w 404 403 404 404 404 403", target="running"
    ),
    ("booking_approve", "GET"): E(POST_ONLY),
    ("booking_approve", "POST"): E("login 404 403 403 404 302w 404 404 404 302w", target="pending"),
    ("booking_reject", "GET"): E(POST_ONLY),
    ("booking_reject", "POST"): E("login 404 403 403 404 302w 404 404 404 302w", target="pending"),
    ("booking_handover", "GET"): E(HOUSEHOLDS, target="running"),
    ("booking_handover", "POST"): E(HOUSEHOLDS, target="running"),
    ("booking_handover_check", "GET"): E(HOUSEHOLDS, target="running"),
    ("handover_review", "GET"): E(MANAGERS),
    ("handover_review", "POST"): E("login 404 403 403 404 403 404 404 404 403"),
    ("maintenance_notes", "GET"): E(MANAGERS_SEEN),
    ("maintenance_notes", "POST"): E(MANAGERS_SEEN),
    ("maintenance_note_resolve", "GET"): E(POST_ONLY),
    ("maintenance_note_resolve", "POST"): E("login 404 403 403 404 302w 404 404 404 302w"),
    ("going_away", "GET"): E("login 200 200 200 200 200 200 200 200 200"),
    ("going_away", "POST"): E("login 200 200 200 200 200 200 200 200 200"),
    ("booking_series_cancel", "GET"): E(MEMBERS, target="series_booking"),
    ("booking_series_cancel", "POST"): E(
        "login 404 302w 302w 404 302w 404 404 404 302w", target="series_booking"
    ),
    ("contributions", "GET"): E("login 404 302 302 404 200 404 404 404 200"),
    ("budget", "GET"): E(MANAGERS),
    ("budget", "POST"): E(MANAGERS),
    ("scheme_list", "GET"): E(MANAGERS),
    ("scheme_create", "GET"): E(MANAGERS),
    ("scheme_create", "POST"): E(MANAGERS),
    ("scheme_detail", "GET"): E(MANAGERS),
    ("scheme_detail", "POST"): E(MANAGERS),
    ("scheme_edit", "GET"): E("login 404 403 403 404 302 404 404 404 302"),
    ("scheme_edit", "POST"): E("login 404 403 403 404 302 404 404 404 302"),
    ("scheme_adopt", "GET"): E(POST_ONLY),
    ("scheme_adopt", "POST"): E("login 404 403 403 404 302 404 404 404 302"),
    ("scheme_retire", "GET"): E(POST_ONLY),
    ("scheme_retire", "POST"): E(MANAGERS),
    ("scheme_simulation", "GET"): E(MANAGERS),
    ("scheme_compare", "GET"): E(MANAGERS),
    ("scheme_compare", "POST"): E(MANAGERS),
    ("affordability", "GET"): E(MANAGERS),
    ("charge_runs", "GET"): E(MANAGERS),
    ("charge_runs", "POST"): E(MANAGERS),
    ("charge_month", "GET"): E(MANAGERS),
    ("payment_list", "GET"): E(MANAGERS),
    ("payment_list", "POST"): E(MANAGERS),
    ("payment_import", "GET"): E(MANAGERS),
    ("payment_import", "POST"): E(MANAGERS),
    ("balance_list", "GET"): E(MANAGERS),
    ("arrears", "GET"): E(MANAGERS),
    ("household_contributions", "GET"): E(MEMBERS),
    ("household_statement", "GET"): E(MEMBERS),
    ("household_statement_csv", "GET"): E("login 404 200 200 404 200w 404 404 404 200w"),
    ("household_income", "GET"): E("login 404 200 200 404 200w 404 404 404 200w"),
    ("household_income", "POST"): E("login 404 200 200 404 200w 404 404 404 200w"),
    ("income_verify", "GET"): E(POST_ONLY),
    ("income_verify", "POST"): E("login 404 403 403 404 302 404 404 404 302"),
    ("space_feed", "GET"): E("200 200 200 200 200 200 200 200 200 200"),
    ("household_feed", "GET"): E("200 200 200 200 200 200 200 200 200 200"),
    ("meeting_list", "GET"): E(MEMBERS),
    ("meeting_create", "GET"): E(MANAGERS_SEEN),
    ("meeting_create", "POST"): E(MANAGERS_SEEN),
    ("meeting_detail", "GET"): E(MEMBERS),
    ("meeting_ics", "GET"): E(MEMBERS),
    ("meeting_edit", "GET"): E(MANAGERS),
    ("meeting_edit", "POST"): E(MANAGERS),
    ("meeting_invitations_send", "GET"): E(POST_ONLY),
    ("meeting_invitations_send", "POST"): E("login 404 403 403 404 302w 404 404 404 302w"),
    ("meeting_agenda", "GET"): E(MANAGERS),
    ("meeting_agenda", "POST"): E(MANAGERS),
    ("agenda_item_edit", "GET"): E(MANAGERS),
    ("agenda_item_edit", "POST"): E(MANAGERS),
    ("agenda_item_remove", "GET"): E(POST_ONLY),
    ("agenda_item_remove", "POST"): E("login 404 403 403 404 302w 404 404 404 302w"),
    ("agenda_item_move", "GET"): E(POST_ONLY),
    ("agenda_item_move", "POST"): E("login 404 403 403 404 302w 404 404 404 302w"),
    ("meeting_attendance", "GET"): E(MANAGERS),
    ("meeting_attendance", "POST"): E(MANAGERS),
    ("meeting_minutes", "GET"): E(MANAGERS),
    ("meeting_minutes", "POST"): E(MANAGERS),
    ("decision_class_list", "GET"): E(MEMBERS),
    ("decision_class_create", "GET"): E(MANAGERS_SEEN),
    ("decision_class_create", "POST"): E(MANAGERS_SEEN),
    ("decision_class_edit", "GET"): E(MANAGERS),
    ("decision_class_edit", "POST"): E(MANAGERS),
    ("decision_class_delete", "GET"): E(POST_ONLY),
    ("decision_class_delete", "POST"): E("login 404 403 403 404 302w 404 404 404 302w"),
    ("proposal_list", "GET"): E(MEMBERS),
    ("proposal_create", "GET"): E(MANAGERS),
    ("proposal_create", "POST"): E(MANAGERS),
    ("proposal_detail", "GET"): E(MEMBERS),
    ("proposal_edit", "GET"): E("login 404 403 403 404 302 404 404 404 302"),
    ("proposal_edit", "POST"): E("login 404 403 403 404 302 404 404 404 302"),
    ("proposal_withdraw", "GET"): E(POST_ONLY),
    ("proposal_withdraw", "POST"): E("login 404 403 403 404 302w 404 404 404 302w"),
    ("proposal_vote", "GET"): E(POST_ONLY),
    ("proposal_vote", "POST"): E(MEMBERS),
    ("proposal_paper_ballot", "GET"): E(POST_ONLY),
    ("proposal_paper_ballot", "POST"): E("login 404 403 403 404 403 404 404 404 403"),
    ("round_entry_add", "GET"): E(POST_ONLY),
    ("round_entry_add", "POST"): E(MEMBERS, target="consent"),
    ("consent_phase_advance", "GET"): E(POST_ONLY),
    ("consent_phase_advance", "POST"): E(
        "login 404 403 403 404 302w 404 404 404 302w", target="consent"
    ),
    ("proposal_close_round", "GET"): E(POST_ONLY),
    ("proposal_close_round", "POST"): E(MANAGERS, target="consent"),
    ("proposal_amend", "GET"): E(POST_ONLY),
    ("proposal_amend", "POST"): E(MANAGERS, target="consent"),
    ("proposal_results", "GET"): E(MEMBERS, target="closed"),
    ("round_entry_answer", "GET"): E(POST_ONLY),
    ("round_entry_answer", "POST"): E(MANAGERS),
    ("proxy_list", "GET"): E(MEMBERS),
    ("proxy_list", "POST"): E(HOUSEHOLDS),
    ("proxy_revoke", "GET"): E(POST_ONLY),
    ("proxy_revoke", "POST"): E("login 404 404 403 404 302w 404 404 404 302w"),
    ("decision_register", "GET"): E(MEMBERS),
    ("decision_register_csv", "GET"): E(MEMBERS),
}


# --- Allauth's pages and the admin, by rule --------------------------------------------------

# Allauth's pages a visitor may open without an account.
ACCOUNTS_PUBLIC = {
    "account_login",
    "account_signup",
    "account_inactive",
    "account_email_verification_sent",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
}


def accounts_rule(route: Route, method: str) -> Entry:
    """Allauth's pages: a visitor opens the public ones (a made-up link's key answers 404) and is
    sent to sign in, or on, from the others; a signed-in user is answered, sent on, or told the
    page is not theirs (signing out sends to the sign-in page), never refused with an error."""
    visitor = "200|302|404|405" if route.key in ACCOUNTS_PUBLIC else "login|302"
    signed_in = "200|302|404|405|login"
    return Entry((visitor,) + (signed_in,) * (len(ROLES) - 1))


# The admin's pages with an answer of their own: its sign-in page sends a visitor to the site's
# and refuses a signed-in user without the admin's rights; signing out is a POST.
ADMIN_OWN = {
    "admin:login": ("login",) + ("403",) * (len(ROLES) - 2) + ("302",),
    "admin:logout": ("302",) * (len(ROLES) - 1) + ("405",),
}


# The admin lets in whoever is staff and active, one check in front of all its pages
# (``AdminSite.admin_view``): its pages are asked by a visitor, a resident, a manager (signed in
# with a second factor, as every staff role) and the platform admin; the other roles meet the same
# check on its sign-in and sign-out pages (``ADMIN_OWN``).
ADMIN_ASKERS = ("anonymous", "resident", "manager", "admin")


def admin_rule(route: Route, method: str) -> Entry:
    """Django's admin: everyone but the platform admin is sent to the admin's sign-in page; the
    platform admin gets the page, is sent on, or is refused what the admin does not offer (adding
    or deleting a read-only model's rows: 403; a made-up object or address: 404)."""
    if route.key in ADMIN_OWN:
        return Entry(ADMIN_OWN[route.key])
    return Entry(("admin-login",) * (len(ROLES) - 1) + ("200|302|403|404",), only=ADMIN_ASKERS)
