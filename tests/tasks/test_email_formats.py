"""Every e-mail about a vote is written in its recipient's language, its dates too: a German
resident does not get an English date in a German e-mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import formats, timezone, translation

from governance.rules import project_zone
from governance.services.notifications import proposal_opened_notify, proposals_closing_remind
from tests.factories import make_resident_user
from tests.governance.factories import open_proposal

pytestmark = pytest.mark.django_db


def closes_in(proposal, language: str) -> str:
    closes = timezone.localtime(proposal.closes_at, project_zone(proposal))
    with translation.override(language):
        return formats.date_format(closes, "DATETIME_FORMAT")


def by_language(users) -> dict[str, mail.EmailMessage]:
    by_address = {message.to[0]: message for message in mail.outbox}
    return {user.language: by_address[user.email] for user in users}


def test_a_vote_opened_is_announced_in_each_voters_language(side_a):
    english = make_resident_user(side_a.household, email="ada@example.org", language="en")
    german = make_resident_user(side_a.neighbour, email="greta@example.org", language="de")
    proposal = open_proposal(project=side_a.project, hours=24 * 40)
    mail.outbox.clear()

    assert proposal_opened_notify(proposal_id=proposal.pk) >= 2

    messages = by_language([english, german])
    assert messages["en"].subject == "Vote open: Paint the common room"
    assert messages["de"].subject != messages["en"].subject  # the catalogue's German
    assert "Paint the common room" in messages["de"].subject
    assert closes_in(proposal, "en") in messages["en"].body
    assert closes_in(proposal, "de") in messages["de"].body
    assert closes_in(proposal, "en") not in messages["de"].body
    assert "Hello," in messages["en"].body and "Hello," not in messages["de"].body


def test_the_reminder_to_vote_says_the_close_in_each_voters_language(side_a):
    french = make_resident_user(side_a.household, email="amelie@example.org", language="fr")
    english = make_resident_user(side_a.neighbour, email="ada@example.org", language="en")
    proposal = open_proposal(project=side_a.project, hours=20)
    mail.outbox.clear()

    assert proposals_closing_remind() >= 2

    messages = by_language([french, english])
    assert closes_in(proposal, "fr") in messages["fr"].body
    assert closes_in(proposal, "en") in messages["en"].body
    assert closes_in(proposal, "en") not in messages["fr"].body
    assert messages["fr"].subject != messages["en"].subject
