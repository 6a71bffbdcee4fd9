from governance.views import decisions as views_decisions
from governance.views import meetings as views_meetings
from governance.views import proposals as views_proposals

urlpatterns = [
    *views_meetings.urlpatterns,
    *views_proposals.urlpatterns,
    *views_decisions.urlpatterns,
]
