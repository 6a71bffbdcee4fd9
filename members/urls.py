from django.urls import path

urlpatterns: list = [
    path("invitations/<str:token>/", lambda r, token: None, name="invitation_accept"),
]
