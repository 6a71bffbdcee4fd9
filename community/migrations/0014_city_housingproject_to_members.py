"""Cities and housing projects now live in members: community's foreign keys point there and its
state forgets the models. The tables are untouched (members.0007 owns them).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0004_project_from_members'),
        ('community', '0013_indicator_labels_in_words'),
        ('members', '0007_city_housingproject_from_community'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.AlterField(
            model_name='indicatorsnapshot',
            name='city',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='indicator_snapshots', to='members.city', verbose_name='city'),
        ),
        migrations.AlterField(
            model_name='pilotgoal',
            name='city',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pilot_goals', to='members.city', verbose_name='city'),
        ),
        migrations.AlterField(
            model_name='chargerun',
            name='project',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='charge_runs', to='members.housingproject', verbose_name='housing project'),
        ),
        migrations.AlterField(
            model_name='indicatorsnapshot',
            name='project',
            field=models.ForeignKey(blank=True, help_text='Empty for the city total.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='indicator_snapshots', to='members.housingproject', verbose_name='housing project'),
        ),
        migrations.AlterField(
            model_name='contributionscheme',
            name='project',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contribution_schemes', to='members.housingproject', verbose_name='housing project'),
        ),
        migrations.AlterField(
            model_name='space',
            name='project',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='spaces', to='members.housingproject', verbose_name='housing project'),
        ),
        migrations.AlterField(
            model_name='pilotgoal',
            name='project',
            field=models.ForeignKey(blank=True, help_text="Empty for a goal on the city's figure.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='pilot_goals', to='members.housingproject', verbose_name='housing project'),
        ),
        migrations.AlterField(
            model_name='budget',
            name='project',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='budgets', to='members.housingproject', verbose_name='housing project'),
        ),
        migrations.DeleteModel(
            name='HousingProjectUserObjectPermission',
        ),
        migrations.DeleteModel(
            name='HousingProjectGroupObjectPermission',
        ),
        migrations.DeleteModel(
            name='CityUserObjectPermission',
        ),
        migrations.DeleteModel(
            name='CityGroupObjectPermission',
        ),
        migrations.DeleteModel(
            name='HousingProject',
        ),
        migrations.DeleteModel(
            name='City',
        ),
            ],
        ),
    ]
