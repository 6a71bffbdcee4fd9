"""The audit log is append-only in the database itself, whatever writes to it: a trigger refuses
UPDATE, DELETE and TRUNCATE of ``common_auditevent``.

One update is let through: the one Django makes when a user account is deleted, emptying
``actor_id`` (``on_delete=SET_NULL``) and changing nothing else; ``actor_label`` keeps who it
was. TRUNCATE is let through only for a session that sets ``netco.audit_log_truncate`` to
``allowed``: the test suite's settings do, so that its flush between tests can empty the tables.

On SQLite (the embedded demo) the same with SQLite's triggers; it has no TRUNCATE.
"""

from django.db import migrations

POSTGRESQL_CREATE = """
CREATE FUNCTION common_auditevent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
            AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
            AND to_jsonb(NEW) - 'actor_id' = to_jsonb(OLD) - 'actor_id' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'TRUNCATE'
            AND current_setting('netco.audit_log_truncate', true) = 'allowed' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % refused on %.', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER common_auditevent_append_only
    BEFORE UPDATE OR DELETE ON common_auditevent
    FOR EACH ROW EXECUTE FUNCTION common_auditevent_refuse_change();
CREATE TRIGGER common_auditevent_no_truncate
    BEFORE TRUNCATE ON common_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION common_auditevent_refuse_change();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS common_auditevent_no_truncate ON common_auditevent;
DROP TRIGGER IF EXISTS common_auditevent_append_only ON common_auditevent;
DROP FUNCTION IF EXISTS common_auditevent_refuse_change();
"""

SQLITE_CREATE = [
    """
    CREATE TRIGGER common_auditevent_no_update BEFORE UPDATE ON common_auditevent
    WHEN NOT (
        OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
        AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor_label IS OLD.actor_label
        AND NEW.action IS OLD.action AND NEW.project_id IS OLD.project_id
        AND NEW.city_id IS OLD.city_id AND NEW.target_type IS OLD.target_type
        AND NEW.target_id IS OLD.target_id AND NEW.detail IS OLD.detail
    )
    BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: UPDATE refused.'); END
    """,
    """
    CREATE TRIGGER common_auditevent_no_delete BEFORE DELETE ON common_auditevent
    BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: DELETE refused.'); END
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS common_auditevent_no_update",
    "DROP TRIGGER IF EXISTS common_auditevent_no_delete",
]


def create_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("common", "0002_audit_event")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
