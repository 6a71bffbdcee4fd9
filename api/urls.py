from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import contributions, indicators, meetings, proposals
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
for module in (meetings, proposals, contributions, indicators):
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
    *contributions.urlpatterns,
    *indicators.urlpatterns,
    path("", include(router.urls)),
]
