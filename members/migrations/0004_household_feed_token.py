import secrets

from django.db import migrations, models

import common.tokens


def fill_tokens(apps, schema_editor):
    Household = apps.get_model("members", "Household")
    households = list(Household.objects.filter(feed_token__isnull=True).only("pk"))
    for household in households:
        household.feed_token = secrets.token_urlsafe(24)
    Household.objects.bulk_update(households, ["feed_token"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_stable_ordering"),
        ("community", "0004_booking_bookingrequest_bookingseries_bookingwindow_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="feed_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="household",
            name="feed_token",
            field=models.CharField(
                default=common.tokens.new_feed_token,
                editable=False,
                max_length=64,
                unique=True,
            ),
        ),
    ]
