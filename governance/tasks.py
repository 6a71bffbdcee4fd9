"""Celery tasks of the governance app: thin, calling a service; safe to retry or run twice.

Opening and closing run under the proposal's row lock and check its state first, so the beat
tick, a second worker and a retry all find the work done; notifications mark what they sent.
"""

from __future__ import annotations

from celery import shared_task

from governance.models import Meeting
from governance.services import meetings, notifications
from governance.services.proposals import proposals_close_due, proposals_open_due


@shared_task
def proposals_open_due_task() -> int:
    return proposals_open_due()


@shared_task
def proposals_close_due_task() -> int:
    return proposals_close_due()


@shared_task
def proposal_opened_notify_task(proposal_id: int) -> int:
    return notifications.proposal_opened_notify(proposal_id=proposal_id)


@shared_task
def proposal_amended_notify_task(version_id: int) -> int:
    return notifications.proposal_amended_notify(version_id=version_id)


@shared_task
def decision_published_task(decision_id: int) -> int:
    return notifications.decision_published_notify(decision_id=decision_id)


@shared_task
def proposals_closing_remind_task() -> int:
    return notifications.proposals_closing_remind()


@shared_task
def decisions_review_remind_task() -> int:
    return notifications.decisions_review_remind()


# --- Meetings ----------------------------------------------------------------------------------


@shared_task
def meeting_invitations_send_task(meeting_id: int) -> int:
    """Invite every household; a retry or a duplicate finds the invitations sent."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:  # deleted meanwhile
        return 0
    return meetings.meeting_invitations_send(meeting=meeting)


@shared_task
def meeting_minutes_notify_task(meeting_id: int) -> int:
    return meetings.meeting_minutes_notify(meeting_id=meeting_id)
