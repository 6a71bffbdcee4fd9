from django.urls import path, register_converter
from django.urls.converters import IntConverter

from community import views
from community.bookings.views import approvals as views_approvals
from community.bookings.views import bookings as views_bookings
from community.bookings.views import feeds as views_feeds
from community.bookings.views import handover as views_handover
from community.bookings.views import spaces as views_spaces
from community.bookings.views import usage as views_usage
from community.money.views import affordability as money_affordability
from community.money.views import budgets_schemes as money_budgets_schemes
from community.money.views import charges_payments as money_charges_payments
from community.money.views import households as money_households
from community.monitoring import views as monitoring


class Year(IntConverter):
    """Four digits: a longer number is no year, and answers 404 before date arithmetic."""

    regex = "[0-9]{4}"


class MonthNumber(IntConverter):
    regex = "[0-9]{1,2}"


register_converter(Year, "year")
register_converter(MonthNumber, "month")

urlpatterns = [
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("cities/<int:pk>/", views.city_detail, name="city_detail"),
    # City indicators: dashboards, pilot goals, quarterly reports, exports
    path("indicators/", monitoring.network_dashboard, name="network_indicators"),
    path(
        "indicators/export.csv",
        monitoring.network_export,
        {"fmt": "csv"},
        name="network_indicators_csv",
    ),
    path(
        "indicators/export.json",
        monitoring.network_export,
        {"fmt": "json"},
        name="network_indicators_json",
    ),
    path("cities/<int:pk>/indicators/", monitoring.city_dashboard, name="city_indicators"),
    path(
        "cities/<int:pk>/indicators/export.csv",
        monitoring.city_export,
        {"fmt": "csv"},
        name="city_indicators_csv",
    ),
    path(
        "cities/<int:pk>/indicators/export.json",
        monitoring.city_export,
        {"fmt": "json"},
        name="city_indicators_json",
    ),
    path("cities/<int:pk>/indicators/refresh/", monitoring.refresh, name="city_indicators_refresh"),
    path("cities/<int:pk>/goals/new/", monitoring.goal_create, name="goal_create"),
    path("goals/<int:pk>/edit/", monitoring.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/delete/", monitoring.goal_delete, name="goal_delete"),
    path("projects/<int:pk>/indicators/", monitoring.project_page, name="project_indicators"),
    path("projects/<int:pk>/indicators/report/", monitoring.project_report, name="project_report"),
    path(
        "projects/<int:pk>/indicators/export.csv",
        monitoring.project_export,
        {"fmt": "csv"},
        name="project_indicators_csv",
    ),
    path(
        "projects/<int:pk>/indicators/export.json",
        monitoring.project_export,
        {"fmt": "json"},
        name="project_indicators_json",
    ),
    # Spaces and bookings
    path("projects/<int:pk>/spaces/", views_spaces.space_list, name="space_list"),
    path("projects/<int:pk>/spaces/new/", views_spaces.space_create_view, name="space_create"),
    path(
        "projects/<int:pk>/bookings/pending/",
        views_approvals.pending_bookings,
        name="pending_bookings",
    ),
    path("spaces/<int:pk>/", views_spaces.space_week, name="space_week"),
    path("spaces/<int:pk>/book/", views_bookings.booking_create_view, name="booking_create"),
    path(
        "spaces/<int:pk>/book/preview/",
        views_bookings.booking_series_preview_view,
        name="booking_series_preview",
    ),
    path("spaces/<int:pk>/waitlist/", views_bookings.waitlist_join_view, name="waitlist_join"),
    path("spaces/<int:pk>/settings/", views_spaces.space_settings, name="space_settings"),
    path(
        "spaces/<int:pk>/settings/feed/",
        views_spaces.space_feed_rotate,
        name="space_feed_rotate",
    ),
    path("spaces/<int:pk>/closures/", views_spaces.closure_create_view, name="closure_create"),
    path("closures/<int:pk>/delete/", views_spaces.closure_delete_view, name="closure_delete"),
    path("spaces/<int:pk>/usage/", views_usage.space_usage_view, name="space_usage"),
    path("bookings/mine/", views_bookings.my_bookings, name="my_bookings"),
    path(
        "bookings/mine/feed/",
        views_bookings.household_feed_rotate,
        name="household_feed_rotate",
    ),
    path("bookings/<int:pk>.ics", views_bookings.booking_ics, name="booking_ics"),
    path("bookings/<int:pk>/cancel/", views_bookings.booking_cancel_view, name="booking_cancel"),
    path(
        "bookings/<int:pk>/check-in/",
        views_bookings.booking_check_in_view,
        name="booking_check_in",
    ),
    path(
        "bookings/<int:pk>/approve/",
        views_approvals.booking_approve_view,
        name="booking_approve",
    ),
    path("bookings/<int:pk>/reject/", views_approvals.booking_reject_view, name="booking_reject"),
    # Handover at check-out, maintenance notes, going away, the rest of a series
    path(
        "bookings/<int:pk>/handover/",
        views_handover.handover_submit_view,
        name="booking_handover",
    ),
    path(
        "bookings/<int:pk>/handover/check/",
        views_handover.handover_check_view,
        name="booking_handover_check",
    ),
    path(
        "handovers/<int:pk>/review/",
        views_handover.handover_review_view,
        name="handover_review",
    ),
    path(
        "projects/<int:pk>/maintenance/",
        views_handover.maintenance_notes,
        name="maintenance_notes",
    ),
    path(
        "maintenance/<int:pk>/resolve/",
        views_handover.maintenance_note_resolve_view,
        name="maintenance_note_resolve",
    ),
    path("bookings/away/", views_handover.going_away, name="going_away"),
    path(
        "bookings/<int:pk>/cancel-series/",
        views_handover.series_cancel_view,
        name="booking_series_cancel",
    ),
    # Contributions: budgets, schemes, charges, payments, statements, affordability
    path(
        "projects/<int:pk>/contributions/",
        money_budgets_schemes.contributions_home,
        name="contributions",
    ),
    path("projects/<int:pk>/budget/", money_budgets_schemes.budget_view, name="budget"),
    path("projects/<int:pk>/schemes/", money_budgets_schemes.scheme_list, name="scheme_list"),
    path(
        "projects/<int:pk>/schemes/new/",
        money_budgets_schemes.scheme_create_view,
        name="scheme_create",
    ),
    path("schemes/<int:pk>/", money_budgets_schemes.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/edit/", money_budgets_schemes.scheme_edit_view, name="scheme_edit"),
    path("schemes/<int:pk>/adopt/", money_budgets_schemes.scheme_adopt_view, name="scheme_adopt"),
    path(
        "schemes/<int:pk>/retire/", money_budgets_schemes.scheme_retire_view, name="scheme_retire"
    ),
    path(
        "projects/<int:pk>/simulate/",
        money_affordability.scheme_simulation,
        name="scheme_simulation",
    ),
    path(
        "projects/<int:pk>/schemes/compare/",
        money_affordability.scheme_compare,
        name="scheme_compare",
    ),
    path(
        "projects/<int:pk>/affordability/",
        money_affordability.affordability_view,
        name="affordability",
    ),
    path("projects/<int:pk>/charges/", money_charges_payments.charge_run_list, name="charge_runs"),
    path(
        "projects/<int:pk>/charges/<year:year>/<month:month>/",
        money_charges_payments.charge_month,
        name="charge_month",
    ),
    path("projects/<int:pk>/payments/", money_charges_payments.payment_list, name="payment_list"),
    path(
        "projects/<int:pk>/payments/import/",
        money_charges_payments.payment_import,
        name="payment_import",
    ),
    path("projects/<int:pk>/balances/", money_charges_payments.balance_list, name="balance_list"),
    path("projects/<int:pk>/arrears/", money_charges_payments.arrears_view, name="arrears"),
    path(
        "households/<int:pk>/contributions/",
        money_households.household_contributions,
        name="household_contributions",
    ),
    path(
        "households/<int:pk>/statement/",
        money_households.statement_view,
        name="household_statement",
    ),
    path(
        "households/<int:pk>/statement.csv",
        money_households.statement_csv,
        name="household_statement_csv",
    ),
    path("households/<int:pk>/income/", money_households.household_income, name="household_income"),
    path("income/<int:pk>/verify/", money_households.income_verify_view, name="income_verify"),
    # Calendar feeds: no session, the secret token in the URL is the key.
    path("calendars/space/<slug:token>.ics", views_feeds.space_feed, name="space_feed"),
    path(
        "calendars/household/<slug:token>.ics",
        views_feeds.household_feed,
        name="household_feed",
    ),
]
