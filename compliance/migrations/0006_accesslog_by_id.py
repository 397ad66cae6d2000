"""The access log keeps its borrower and case by id, without a foreign-key constraint, so
it can move to the audit app, which depends on no app above it (audit/migrations/0001).
The columns, their values and their indexes stay; only the constraints go."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("compliance", "0005_i18n_labels"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accesslog",
            name="borrower",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                                    related_name="+", to="cases.borrower", verbose_name="borrower"),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="case",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="cases.collectioncase", verbose_name="case"),
        ),
    ]
