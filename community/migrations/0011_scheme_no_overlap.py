"""Two adopted contribution schemes of a project are never in force on the same day: a
PostgreSQL exclusion constraint over the inclusive date range [valid_from, valid_to] (an empty
valid_to is open-ended).

Created here rather than in the model's Meta so that the same migrations run on SQLite (the
embedded default), where ``scheme_adopt``'s check under the project's row lock is the guard.
A retired scheme keeps the period it was in force; one withdrawn before it applied (retired
without a last day) holds none.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE community_contributionscheme ADD CONSTRAINT scheme_adopted_no_overlap EXCLUDE USING gist (
    project_id WITH =,
    daterange(valid_from, valid_to, '[]') WITH &&
) WHERE (status = 'adopted' OR (status = 'retired' AND valid_to IS NOT NULL));
"""
DROP = "ALTER TABLE community_contributionscheme DROP CONSTRAINT IF EXISTS scheme_adopted_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("community", "0010_contributions")]

    operations = [migrations.RunPython(create, drop)]
