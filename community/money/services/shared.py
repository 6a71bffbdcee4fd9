"""What the contributions services share: the project's row lock that serialises the writes
which must see a project's state whole, the check of a month, the project's day.

Every write that must see the project's state whole (adopting a scheme, running a month's
charges, importing a bank statement, setting a budget) first locks the project's row, so two of
them on one project run one after the other; the database constraints (one adopted scheme in
force a day, one charge per household and month, one import of a bank row) are the last word.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from common.validation import validate_plausible_date
from members.models import HousingProject


def lock_project(project: HousingProject) -> HousingProject:
    return HousingProject.objects.select_for_update().select_related("city").get(pk=project.pk)


def check_month(month: dt.date, field_name: str = "month") -> None:
    if not isinstance(month, dt.date) or month.day != 1:
        raise ValidationError({field_name: _("Give the first day of a month.")})
    try:
        validate_plausible_date(month)
    except ValidationError as exc:
        raise ValidationError({field_name: exc.messages}) from exc


def project_today(project: HousingProject) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(project.city.time_zone))
