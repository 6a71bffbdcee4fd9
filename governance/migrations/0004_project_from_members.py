"""The project foreign keys now point at members.HousingProject: the same table, state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0003_decision_class_rules_meeting_place_minutes_notified'),
        ('members', '0007_city_housingproject_from_community'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='decision',
                    name='project',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='members.housingproject'),
                ),
                migrations.AlterField(
                    model_name='decisionclass',
                    name='project',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='decision_classes', to='members.housingproject'),
                ),
                migrations.AlterField(
                    model_name='meeting',
                    name='project',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='meetings', to='members.housingproject'),
                ),
                migrations.AlterField(
                    model_name='proposal',
                    name='project',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='proposals', to='members.housingproject'),
                ),
                migrations.AlterField(
                    model_name='proxy',
                    name='project',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='proxies', to='members.housingproject'),
                ),
            ],
        ),
    ]
