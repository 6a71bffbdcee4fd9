"""The demo's bylaws and assemblies: every demo project has its decision classes, two past
general assemblies with agenda, attendance and published minutes, and one to come; a second
run adds nothing and sends no e-mail; all of it in the demo city's language."""

import pytest
from django.utils import timezone, translation

from community.bookings.models import Space
from community.money.models import BudgetLine
from demo.texts import TEXTS
from governance.models import AgendaItem, Attendance, DecisionClass, Meeting, VotingMethod
from members.models import HousingProject

pytestmark = pytest.mark.django_db


def snapshot(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {
        model._meta.label: tables[model._meta.label]
        for model in (DecisionClass, Meeting, AgendaItem, Attendance)
    }


def test_every_demo_project_has_its_bylaws_and_assemblies(demo):
    """``demo``: seed_demo run, then run again (once for all the tests of the demo)."""
    assert snapshot(demo.second) == snapshot(demo.first)
    output = demo.second_output
    assert "meetings: " in output and "(0 new)" in output
    assert demo.sent == []
    now = timezone.now()
    projects = HousingProject.objects.all()
    assert projects.exists()
    for project in projects:
        classes = {dc.method for dc in project.decision_classes.all()}
        assert classes == set(VotingMethod.values), project
        bylaws = project.decision_classes.get(secret=True)
        assert (bylaws.quorum_numerator, bylaws.quorum_denominator) == (2, 3)
        assert bylaws.review_months == 24
        past = project.meetings.filter(start__lt=now)
        assert past.count() == 2, project
        for meeting in past:
            assert meeting.minutes_published_at is not None
            assert meeting.minutes_published_at <= now
            assert meeting.agenda_items.count() == 4
            assert meeting.attendance.exists()
            assert "1. " in meeting.minutes
        coming = project.meetings.get(start__gte=now)
        assert coming.agenda_items.exists() and coming.minutes_published_at is None
        assert coming.invitations_sent_at is None


def test_the_demo_content_is_written_in_each_demo_citys_language(demo):
    """Proposals, their options, agendas, decision classes, budget lines and spaces of a demo
    city are in its language (French in Lyon, Romanian in Cluj-Napoca …), never the English."""
    english = set(TEXTS)
    languages = set()
    for project in HousingProject.objects.select_related("city"):
        language = project.city.default_language
        languages.add(language)
        ours = {texts[language] for texts in TEXTS.values()}
        titles = set(project.proposals.values_list("title", flat=True))
        options = {
            option
            for options in project.proposals.values_list("options", flat=True)
            for option in options
        }
        agenda = set(
            AgendaItem.objects.filter(meeting__project=project).values_list("title", flat=True)
        )
        classes = set(project.decision_classes.values_list("name", flat=True))
        lines = set(
            BudgetLine.objects.filter(budget__project=project).values_list("label", flat=True)
        )
        for written in (titles, options, agenda, classes, lines):
            assert written and written <= ours and written.isdisjoint(english - ours), project
        with translation.override(language):
            common_room = translation.gettext("Common room")
        assert common_room != "Common room"
        assert Space.objects.filter(project=project, name=common_room).exists(), project
    assert languages == {"ca", "de", "fr", "ro"}
