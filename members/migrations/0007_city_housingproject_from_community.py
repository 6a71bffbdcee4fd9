"""Cities and housing projects move from community to members, where households hang from them.

Only Django's state changes here: the tables stay as they are (``db_table`` keeps their names
until 0008 renames them), so every row is kept.
"""

import common.validation
import django.core.validators
import django.db.models.deletion
import members.models.places
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('community', '0013_indicator_labels_in_words'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('members', '0006_network_observer_role'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='City',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('slug', models.SlugField(max_length=80, unique=True, verbose_name='slug')),
                        ('country_code', models.CharField(help_text='ISO 3166-1 alpha-2, e.g. ES, RO, DE, FR.', max_length=2, validators=[django.core.validators.RegexValidator('^[A-Z]{2}$', 'Use the two capital letters of ISO 3166.')], verbose_name='country code')),
                        ('time_zone', models.CharField(default='Europe/Brussels', max_length=64, validators=[members.models.places.validate_time_zone], verbose_name='time zone')),
                        ('currency', models.CharField(default='EUR', max_length=3, validators=[django.core.validators.MinLengthValidator(3), django.core.validators.RegexValidator('^[A-Z]{3}$', 'Use the three capital letters of ISO 4217.')], verbose_name='currency')),
                        ('default_language', models.CharField(default='en', max_length=8, verbose_name='default language')),
                        ('median_equivalised_income_cents', models.BigIntegerField(blank=True, help_text='The poverty-line reference: 60 percent of it is the at-risk-of-poverty threshold.', null=True, verbose_name='national median equivalised disposable income per year (cents)')),
                        ('disclosure_k', models.PositiveSmallIntegerField(default=10, help_text='No indicator describing fewer than this many households is published; at least 5.', validators=[django.core.validators.MinValueValidator(5)], verbose_name='disclosure threshold k')),
                    ],
                    options={
                        'db_table': 'community_city',
                        'verbose_name': 'city',
                        'verbose_name_plural': 'cities',
                        'ordering': ['name', 'pk'],
                        'permissions': [('monitor_city', "Can monitor the city's pilot projects"), ('observe_network', 'Can observe the pilot indicators of every city')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('median_equivalised_income_cents__gte', 0), ('median_equivalised_income_cents__isnull', True), _connector='OR'), name='city_median_income_non_negative', violation_error_message='The median income cannot be negative.'), models.CheckConstraint(condition=models.Q(('disclosure_k__gte', 5)), name='city_disclosure_k_at_least_5', violation_error_message='The disclosure threshold cannot be below 5.')],
                    },
                    bases=(common.validation.ConstraintErrorsOnFields, models.Model),
                ),
                migrations.AlterField(
                    model_name='role',
                    name='city',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='roles', to='members.city', verbose_name='city'),
                ),
                migrations.CreateModel(
                    name='HousingProject',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=160, verbose_name='name')),
                        ('slug', models.SlugField(max_length=80, verbose_name='slug')),
                        ('kind', models.CharField(choices=[('cohousing', 'Cohousing'), ('housing_cooperative', 'Housing cooperative'), ('cession_of_use', 'Cession-of-use cooperative'), ('community_land_trust', 'Community land trust'), ('co_managed_public_rental', 'Co-managed public rental'), ('other', 'Other')], max_length=32, verbose_name='kind')),
                        ('address', models.CharField(blank=True, max_length=255, verbose_name='address')),
                        ('units_count', models.PositiveIntegerField(default=0, verbose_name='number of units')),
                        ('status', models.CharField(choices=[('planned', 'Planned'), ('pilot', 'Pilot'), ('active', 'Active'), ('ended', 'Ended')], default='pilot', max_length=16, verbose_name='status')),
                        ('pilot_start', models.DateField(blank=True, null=True, verbose_name='pilot start')),
                        ('pilot_end', models.DateField(blank=True, null=True, verbose_name='pilot end')),
                        ('booking_fee_reduction_threshold_cents', models.BigIntegerField(blank=True, help_text='Households whose latest declared income, equivalised, is below this pay the reduced fee. The income itself is never shown.', null=True, verbose_name='reduced booking fees below this equivalised monthly income (cents)')),
                        ('proxy_limit', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MaxValueValidator(10)], verbose_name='proxies one voter may hold')),
                        ('booking_fee_reduction_percent', models.PositiveSmallIntegerField(default=50, validators=[django.core.validators.MaxValueValidator(100)], verbose_name='booking fee reduction (%)')),
                        ('income_validity_months', models.PositiveSmallIntegerField(default=12, help_text='Households are reminded to declare again when their latest is older.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120)], verbose_name='income declarations valid for (months)')),
                        ('city', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='projects', to='members.city', verbose_name='city')),
                    ],
                    options={
                        'db_table': 'community_housingproject',
                        'verbose_name': 'housing project',
                        'verbose_name_plural': 'housing projects',
                        'ordering': ['city__name', 'name', 'pk'],
                        'permissions': [('manage_housingproject', 'Can manage the housing project')],
                    },
                    bases=(common.validation.ConstraintErrorsOnFields, models.Model),
                ),
                migrations.AlterField(
                    model_name='household',
                    name='project',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='households', to='members.housingproject', verbose_name='housing project'),
                ),
                migrations.AlterField(
                    model_name='role',
                    name='project',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='roles', to='members.housingproject', verbose_name='housing project'),
                ),
                migrations.CreateModel(
                    name='HousingProjectGroupObjectPermission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='members.housingproject')),
                        ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.group')),
                        ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                    ],
                    options={
                        'db_table': 'community_housingprojectgroupobjectpermission',
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='HousingProjectUserObjectPermission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='members.housingproject')),
                        ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'community_housingprojectuserobjectpermission',
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='CityGroupObjectPermission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='members.city')),
                        ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.group')),
                        ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                    ],
                    options={
                        'db_table': 'community_citygroupobjectpermission',
                        'abstract': False,
                        'unique_together': {('group', 'permission', 'content_object')},
                    },
                ),
                migrations.CreateModel(
                    name='CityUserObjectPermission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='members.city')),
                        ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'community_cityuserobjectpermission',
                        'abstract': False,
                        'unique_together': {('user', 'permission', 'content_object')},
                    },
                ),
                migrations.AddConstraint(
                    model_name='housingproject',
                    constraint=models.UniqueConstraint(fields=('city', 'slug'), name='project_slug_unique_per_city', violation_error_message='This city already has a project with this slug.'),
                ),
                migrations.AddConstraint(
                    model_name='housingproject',
                    constraint=models.CheckConstraint(condition=models.Q(('pilot_end__isnull', True), ('pilot_start__isnull', True), ('pilot_end__gte', models.F('pilot_start')), _connector='OR'), name='project_pilot_end_not_before_start', violation_error_message='The pilot cannot end before it starts.'),
                ),
                migrations.AddConstraint(
                    model_name='housingproject',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['cohousing', 'housing_cooperative', 'cession_of_use', 'community_land_trust', 'co_managed_public_rental', 'other'])), name='project_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='housingproject',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['planned', 'pilot', 'active', 'ended'])), name='project_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='housingproject',
                    constraint=models.CheckConstraint(condition=models.Q(('booking_fee_reduction_percent__lte', 100)), name='project_fee_reduction_percent_range', violation_error_message='A reduction cannot exceed 100 %.'),
                ),
                migrations.AlterUniqueTogether(
                    name='housingprojectgroupobjectpermission',
                    unique_together={('group', 'permission', 'content_object')},
                ),
                migrations.AlterUniqueTogether(
                    name='housingprojectuserobjectpermission',
                    unique_together={('user', 'permission', 'content_object')},
                ),
            ],
        ),
    ]
