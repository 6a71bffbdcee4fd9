from governance import views_meetings, views_proposals

urlpatterns = [
    *views_meetings.urlpatterns,
    *views_proposals.urlpatterns,
]
