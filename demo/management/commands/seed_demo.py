"""Seed a believable demo network: cities, projects, households, residents, incomes and logins.

Every value is drawn from a ``random.Random`` seeded with the project's slug and dated against
the fixed ``REFERENCE_DATE``, and every row is looked up by its natural key before it is created,
so a second run (on any day, in any order) finds everything in place and changes nothing.

Incomes follow DESIGN.md §4: a household's disposable income is the national median equivalised
disposable income (Eurostat ilc_di03) times its modified OECD equivalence scale (1.0 for the first
adult, 0.5 for each other person aged 14 and over, 0.3 for each child under 14) times a
log-normal spread around the project's income level.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from demo.network import DEMO_PASSWORD
from demo.seeder import SUMMARY_ORDER, Seeder


class Command(BaseCommand):
    help = (
        "Seed a demo network of four cities with their collaborative-housing projects, "
        "households, residents, income declarations and one demo login per role. "
        "Safe to run again: existing rows are kept and nothing changes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        seeder = Seeder()
        with transaction.atomic():
            seeder.run()

        for name in SUMMARY_ORDER:
            self.stdout.write(f"{name}: {seeder.totals[name]} ({seeder.created[name]} new)")
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        rows = [("E-mail", "Role", "Scope")]
        rows += [(login.email, login.role, login.scope) for login in seeder.logins]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        for email, role, scope in rows:
            self.stdout.write(f"{email:<{widths[0]}}  {role:<{widths[1]}}  {scope}")
        self.stdout.write("")
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
