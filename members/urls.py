from django.urls import path

from members import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/two-factor-required/", views.mfa_required, name="mfa_required"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path(
        "projects/<int:project_pk>/households/new/",
        views.household_create,
        name="household_create",
    ),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path(
        "households/<int:household_pk>/residents/new/",
        views.resident_create,
        name="resident_create",
    ),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path(
        "households/<int:household_pk>/income/new/",
        views.income_declaration_create,
        name="income_declaration_create",
    ),
    path(
        "households/<int:household_pk>/invite/",
        views.invitation_create,
        name="invitation_create",
    ),
]
