from celery import shared_task

from members.services import invitation_send


@shared_task
def invitation_send_task(invitation_id: int) -> bool:
    return invitation_send(invitation_id=invitation_id)
