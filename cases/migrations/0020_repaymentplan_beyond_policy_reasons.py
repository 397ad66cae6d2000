"""A plan beyond policy keeps why, as codes and their parameters (cases/plan_text.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0019_trigram_search'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalrepaymentplan',
            name='beyond_policy_reasons',
            field=models.JSONField(blank=True, default=list, verbose_name='beyond-policy reasons'),
        ),
        migrations.AddField(
            model_name='repaymentplan',
            name='beyond_policy_reasons',
            field=models.JSONField(blank=True, default=list, verbose_name='beyond-policy reasons'),
        ),
    ]
