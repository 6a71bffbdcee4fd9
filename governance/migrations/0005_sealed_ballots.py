"""Secret ballots are sealed until the close (governance/sealing.py).

The choices of secret votes that are open now were written in clear in their voters'
transactions: seal them, so that only the close publishes them. Closed votes keep their
published choices.
"""

import secrets
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from governance import sealing


def _open_secret_proposals(apps):
    Proposal = apps.get_model("governance", "Proposal")
    return Proposal.objects.filter(status="open", rules__secret=True)


def seal_open_secret_choices(apps, schema_editor):
    SecretChoice = apps.get_model("governance", "SecretChoice")
    SealedBallot = apps.get_model("governance", "SealedBallot")
    for proposal in _open_secret_proposals(apps):
        choices = list(SecretChoice.objects.filter(proposal=proposal))
        secrets.SystemRandom().shuffle(choices)
        SealedBallot.objects.bulk_create(
            SealedBallot(
                proposal=proposal,
                sealed=sealing.seal(
                    secret=settings.BALLOT_SEALING_KEY,
                    proposal_id=proposal.pk,
                    options=proposal.options,
                    ballot=sealing.Ballot(
                        c.choice, c.receipt, c.weight_numerator, c.weight_denominator
                    ),
                ),
            )
            for c in choices
        )
        SecretChoice.objects.filter(proposal=proposal).delete()


def unseal_open_secret_ballots(apps, schema_editor):
    SecretChoice = apps.get_model("governance", "SecretChoice")
    SealedBallot = apps.get_model("governance", "SealedBallot")
    for proposal in _open_secret_proposals(apps):
        sealed = SealedBallot.objects.filter(proposal=proposal)
        ballots = [
            sealing.unseal(
                secret=settings.BALLOT_SEALING_KEY, proposal_id=proposal.pk, sealed=bytes(s)
            )
            for s in sealed.values_list("sealed", flat=True)
        ]
        SecretChoice.objects.bulk_create(
            SecretChoice(
                proposal=proposal,
                choice=b.choice,
                weight_numerator=b.weight_numerator,
                weight_denominator=b.weight_denominator,
                receipt=b.receipt,
            )
            for b in ballots
        )
        sealed.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0004_project_from_members'),
    ]

    operations = [
        migrations.CreateModel(
            name='SealedBallot',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('sealed', models.BinaryField()),
                ('proposal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sealed_ballots', to='governance.proposal')),
            ],
            options={
                'verbose_name': 'sealed ballot',
                'verbose_name_plural': 'sealed ballots',
            },
        ),
        migrations.RunPython(seal_open_secret_choices, unseal_open_secret_ballots),
    ]
