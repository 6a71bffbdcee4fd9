from governance import views_meetings, views_proposals

app_name = "governance"

urlpatterns = [
    *views_meetings.urlpatterns,
    *views_proposals.urlpatterns,
]
