from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import indicators, meetings, proposals
from api.accounts import MeApi, TokenApi
from api.bookings import BookingViewSet, BookingWindowViewSet, SpaceViewSet
from api.community import CityViewSet, ProjectViewSet
from api.handover import (
    BookingCancelAwayApi,
    BookingHandoverApi,
    BookingSeriesCancelFromApi,
    HandoverReviewApi,
    MaintenanceNoteViewSet,
)
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
router.register("budgets", BudgetViewSet, basename="budget")
router.register("schemes", SchemeViewSet, basename="scheme")
router.register("charges", ChargeViewSet, basename="charge")
router.register("charge-runs", ChargeRunViewSet, basename="charge-run")
router.register("payments", PaymentViewSet, basename="payment")
for module in (meetings, proposals, indicators):
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("auth/token/", TokenApi.as_view(), name="api-token"),
    path("me/", MeApi.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Before the router: "bookings/cancel-away/" is not a booking's id.
    path("bookings/cancel-away/", BookingCancelAwayApi.as_view(), name="booking-cancel-away"),
    path("bookings/<int:pk>/handover/", BookingHandoverApi.as_view(), name="booking-handover"),
    path("handovers/<int:pk>/review/", HandoverReviewApi.as_view(), name="handover-review"),
    path(
        "booking-series/<int:pk>/cancel-from/",
        BookingSeriesCancelFromApi.as_view(),
        name="booking-series-cancel-from",
    ),
    *meetings.urlpatterns,
    *proposals.urlpatterns,
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
    *indicators.urlpatterns,
    path("", include(router.urls)),
]
