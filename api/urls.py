"""Every route of the API (/api/v1/), in one place: the router registers the viewsets, and the
operations that are not a viewset's are listed below it, each as one ``path``. The paths come
before the router's patterns: "bookings/cancel-away/" is not a booking's id."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api.accounts import MeApi, MeExportApi, TokenApi, TokensApi
from api.audit import ProjectAuditEventsApi
from api.bookings.bookings import BookingViewSet
from api.bookings.handover import (
    BookingCancelAwayApi,
    BookingHandoverApi,
    BookingSeriesCancelFromApi,
    HandoverReviewApi,
    MaintenanceNoteViewSet,
)
from api.bookings.spaces import SpaceViewSet
from api.bookings.windows import BookingWindowViewSet
from api.community import CityViewSet, ProjectViewSet
from api.governance.decisions import DecisionViewSet
from api.governance.meetings import AgendaItemViewSet, DecisionClassViewSet, MeetingViewSet
from api.governance.proposals import ProposalViewSet
from api.governance.proxies import ProxyViewSet
from api.indicators import CityIndicatorsApi, PilotGoalViewSet, ProjectIndicatorsApi
from api.members import (
    HouseholdViewSet,
    IncomeDeclarationViewSet,
    InvitationViewSet,
    ResidentViewSet,
)
from api.money.affordability import HouseholdAffordabilityApi, ProjectAffordabilityApi
from api.money.balances import HouseholdStatementApi, ProjectArrearsApi, ProjectBalancesApi
from api.money.budgets import BudgetViewSet
from api.money.charges import ChargeRunViewSet, ChargeViewSet
from api.money.payments import PaymentViewSet
from api.money.schemes import SchemeViewSet
from api.ping import PingApi

router = DefaultRouter()
router.register("cities", CityViewSet, basename="city")
router.register("projects", ProjectViewSet, basename="project")
router.register("households", HouseholdViewSet, basename="household")
router.register("residents", ResidentViewSet, basename="resident")
router.register("income-declarations", IncomeDeclarationViewSet, basename="income-declaration")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("spaces", SpaceViewSet, basename="space")
router.register("bookings", BookingViewSet, basename="booking")
router.register("booking-windows", BookingWindowViewSet, basename="booking-window")
router.register("maintenance-notes", MaintenanceNoteViewSet, basename="maintenance-note")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("agenda-items", AgendaItemViewSet, basename="agenda-item")
router.register("decision-classes", DecisionClassViewSet, basename="decision-class")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("proxies", ProxyViewSet, basename="proxy")
router.register("decisions", DecisionViewSet, basename="decision")
router.register("budgets", BudgetViewSet, basename="budget")
router.register("schemes", SchemeViewSet, basename="scheme")
router.register("charges", ChargeViewSet, basename="charge")
router.register("charge-runs", ChargeRunViewSet, basename="charge-run")
router.register("payments", PaymentViewSet, basename="payment")
router.register("pilot-goals", PilotGoalViewSet, basename="pilot-goal")

SWAGGER_CDN = ["https://cdn.jsdelivr.net"]

urlpatterns = [
    path("ping/", PingApi.as_view(), name="api-ping"),
    path("auth/token/", TokenApi.as_view(), name="api-token"),
    path("auth/tokens/", TokensApi.as_view(), name="api-tokens"),
    path("me/", MeApi.as_view(), name="api-me"),
    path("me/export/", MeExportApi.as_view(), name="api-me-export"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        # Swagger UI's scripts, styles and images come from its CDN (drf-spectacular's default).
        csp_update({"script-src": SWAGGER_CDN, "style-src": SWAGGER_CDN, "img-src": SWAGGER_CDN})(
            SpectacularSwaggerView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("bookings/cancel-away/", BookingCancelAwayApi.as_view(), name="booking-cancel-away"),
    path("bookings/<int:pk>/handover/", BookingHandoverApi.as_view(), name="booking-handover"),
    path("handovers/<int:pk>/review/", HandoverReviewApi.as_view(), name="handover-review"),
    path(
        "booking-series/<int:pk>/cancel-from/",
        BookingSeriesCancelFromApi.as_view(),
        name="booking-series-cancel-from",
    ),
    path(
        "projects/<int:pk>/audit-events/",
        ProjectAuditEventsApi.as_view(),
        name="project-audit-events",
    ),
    path("projects/<int:pk>/balances/", ProjectBalancesApi.as_view(), name="project-balances"),
    path("projects/<int:pk>/arrears/", ProjectArrearsApi.as_view(), name="project-arrears"),
    path(
        "projects/<int:pk>/affordability/",
        ProjectAffordabilityApi.as_view(),
        name="project-affordability",
    ),
    path(
        "households/<int:pk>/affordability/",
        HouseholdAffordabilityApi.as_view(),
        name="household-affordability",
    ),
    path(
        "households/<int:pk>/statement/",
        HouseholdStatementApi.as_view(),
        name="household-statement",
    ),
    path("cities/<int:pk>/indicators/", CityIndicatorsApi.as_view(), name="city-indicators"),
    path(
        "projects/<int:pk>/indicators/",
        ProjectIndicatorsApi.as_view(),
        name="project-indicators",
    ),
    path("", include(router.urls)),
]
