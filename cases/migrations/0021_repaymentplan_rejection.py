"""A supervisor may reject a plan beyond policy: who, when and why, and the status."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0020_repaymentplan_beyond_policy_reasons'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalrepaymentplan',
            name='rejected_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='rejected at'),
        ),
        migrations.AddField(
            model_name='historicalrepaymentplan',
            name='rejected_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='rejected by'),
        ),
        migrations.AddField(
            model_name='historicalrepaymentplan',
            name='rejection_reason',
            field=models.TextField(blank=True, verbose_name='why it was rejected'),
        ),
        migrations.AddField(
            model_name='repaymentplan',
            name='rejected_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='rejected at'),
        ),
        migrations.AddField(
            model_name='repaymentplan',
            name='rejected_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='rejected by'),
        ),
        migrations.AddField(
            model_name='repaymentplan',
            name='rejection_reason',
            field=models.TextField(blank=True, verbose_name='why it was rejected'),
        ),
        migrations.AlterField(
            model_name='historicalrepaymentplan',
            name='status',
            field=models.CharField(choices=[('proposed', 'Awaiting supervisor approval'), ('active', 'Active'), ('completed', 'Completed'), ('broken', 'Broken'), ('cancelled', 'Cancelled'), ('rejected', 'Rejected')], db_index=True, default='proposed', max_length=10, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='repaymentplan',
            name='status',
            field=models.CharField(choices=[('proposed', 'Awaiting supervisor approval'), ('active', 'Active'), ('completed', 'Completed'), ('broken', 'Broken'), ('cancelled', 'Cancelled'), ('rejected', 'Rejected')], db_index=True, default='proposed', max_length=10, verbose_name='status'),
        ),
    ]
