from django.urls import path

from community import views

urlpatterns = [
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("cities/<int:pk>/", views.city_detail, name="city_detail"),
]
