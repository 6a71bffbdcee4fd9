import pytest
from django.core import mail

from members.models import Invitation
from members.services import invitation_create
from members.tasks import invitation_send_task
from tests.factories import HouseholdFactory, make_manager
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_sends_the_invitation_email_once(celery_worker):
    household = HouseholdFactory(project__name="Can Batlló")
    manager = make_manager(household.project)
    invitation = invitation_create(
        household=household, email="Nuria@Example.org", invited_by=manager, language="fr"
    )

    # invitation_create queued the task on commit; the worker picks it up from Redis.
    assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).sent_at is not None)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nuria@example.org"]
    assert "Can Batlló" in message.subject
    assert invitation.token in message.body

    # A retried or duplicated task sends nothing more. The solo worker runs tasks in order, so
    # once a later invitation is sent, the duplicate has been handled.
    invitation_send_task.delay(invitation.pk)
    later = invitation_create(
        household=household, email="jordi@example.org", invited_by=manager, language="en"
    )
    assert wait_for(lambda: Invitation.objects.get(pk=later.pk).sent_at is not None)
    assert [m.to for m in mail.outbox] == [["nuria@example.org"], ["jordi@example.org"]]
