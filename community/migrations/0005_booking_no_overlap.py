"""No two blocking bookings of one unit of a space overlap: a PostgreSQL exclusion constraint.

Created here rather than in the model's Meta so that the same migrations run on SQLite (the
embedded default), where ``booking_create``'s locked check is the guard.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE community_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    space_id WITH =,
    unit WITH =,
    tstzrange(start, blocked_until, '[)') WITH &&
) WHERE (status IN ('pending', 'confirmed'));
"""
DROP = "ALTER TABLE community_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0004_booking_bookingrequest_bookingseries_bookingwindow_and_more"),
    ]

    operations = [migrations.RunPython(create, drop)]
