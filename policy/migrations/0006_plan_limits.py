"""Two more limits on repayment plans: the smallest instalment (a percent of the balance)
and how soon the first instalment must fall due.

The columns are added empty ("no such limit") and only then given their default: the
versions written before plans were judged by these limits keep saying so, and migration
0007 ships the limits as new versions, as 0005 did for the second edition."""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models


def min_installment_percent(**default):
    return models.DecimalField(
        blank=True,
        decimal_places=2,
        help_text=(
            "Smallest instalment a collector may agree without a supervisor, as a percent of the outstanding "
            "balance when the plan is agreed (empty: no minimum)."
        ),
        max_digits=5,
        null=True,
        validators=[
            django.core.validators.MinValueValidator(Decimal("0")),
            django.core.validators.MaxValueValidator(Decimal("100")),
        ],
        verbose_name="smallest instalment (percent of the balance)",
        **default,
    )


def first_due_max_days(**default):
    return models.PositiveIntegerField(
        blank=True,
        help_text=(
            "The first instalment of a plan agreed without a supervisor falls due within this many days "
            "(empty: no limit)."
        ),
        null=True,
        verbose_name="first instalment due within (days)",
        **default,
    )


MODELS = ["policyprofile", "historicalpolicyprofile"]


class Migration(migrations.Migration):
    dependencies = [("policy", "0005_second_edition_profiles")]

    operations = [
        *(
            migrations.AddField(model_name=model, name=name, field=field())
            for model in MODELS
            for name, field in [
                ("plan_min_installment_percent", min_installment_percent),
                ("plan_first_due_max_days", first_due_max_days),
            ]
        ),
        *(
            migrations.AlterField(model_name=model, name=name, field=field)
            for model in MODELS
            for name, field in [
                ("plan_min_installment_percent", min_installment_percent(default=Decimal("5.00"))),
                ("plan_first_due_max_days", first_due_max_days(default=30)),
            ]
        ),
    ]
