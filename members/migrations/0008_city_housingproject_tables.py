"""The moved tables take members' names, and their content types (which object permissions point
at) move with them, so every granted role keeps its permissions."""

from django.db import migrations

MOVED = (
    "city",
    "citygroupobjectpermission",
    "cityuserobjectpermission",
    "housingproject",
    "housingprojectgroupobjectpermission",
    "housingprojectuserobjectpermission",
)


def move_content_types(apps, schema_editor, source="community", target="members"):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    for model in MOVED:
        if not content_types.filter(app_label=target, model=model).exists():
            content_types.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="members", target="community")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('community', '0014_city_housingproject_to_members'),
        ('members', '0007_city_housingproject_from_community'),
    ]

    operations = [
        migrations.RunPython(move_content_types, move_content_types_back),
        migrations.AlterModelTable(
            name='city',
            table=None,
        ),
        migrations.AlterModelTable(
            name='citygroupobjectpermission',
            table=None,
        ),
        migrations.AlterModelTable(
            name='cityuserobjectpermission',
            table=None,
        ),
        migrations.AlterModelTable(
            name='housingproject',
            table=None,
        ),
        migrations.AlterModelTable(
            name='housingprojectgroupobjectpermission',
            table=None,
        ),
        migrations.AlterModelTable(
            name='housingprojectuserobjectpermission',
            table=None,
        ),
    ]
