"""The record of a household's statement leaving the platform as a spreadsheet."""

from __future__ import annotations

import datetime as dt

from common.audit import audit_record
from common.models import AuditAction
from members.models import Household, User
from members.selectors import own_household_ids


def statement_export_record(
    *, user: User, household: Household, start: dt.date, end: dt.date, via: str
) -> bool:
    """Record in the audit log that someone outside the household (its project's managers)
    downloaded its statement of charges and payments; the household's own downloads are its
    own data and leave no trace. One query for a household's own, two otherwise (one insert:
    no transaction of its own needed). True when recorded."""
    if own_household_ids(user=user).filter(household_id=household.pk).exists():
        return False
    audit_record(
        actor=user,
        action=AuditAction.STATEMENT_EXPORTED,
        project_id=household.project_id,
        target=household,
        detail={"start": start.isoformat(), "end": end.isoformat(), "via": via},
    )
    return True
