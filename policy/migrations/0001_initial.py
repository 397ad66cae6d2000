
import core.validators
import datetime
import django.core.validators
import django.db.models.deletion
import policy.models
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

from core.contenttypes import move_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contacts', '0011_i18n_labels'),
    ]

    operations = [
        # PolicyProfile and its history move here from the contacts app; tables and rows stay.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalPolicyProfile',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('code', models.CharField(choices=[('CN', 'China (default)'), ('US-REGF', 'US Regulation F'), ('US-MA', 'US Massachusetts'), ('UK-FCA', 'UK FCA')], max_length=16, verbose_name='code')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('sources', models.TextField(blank=True, help_text='Regulations and policies behind the numbers.', verbose_name='sources')),
                        ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                        ('change_note', models.CharField(blank=True, max_length=255, verbose_name='change note')),
                        ('reminder_min_dpd', models.PositiveIntegerField(default=1, help_text='Days past due before SMS/email reminders start.')),
                        ('phone_min_dpd', models.PositiveIntegerField(default=8, help_text='Days past due before collectors phone.')),
                        ('written_notice_min_dpd', models.PositiveIntegerField(default=30, help_text='Days past due before a formal letter.')),
                        ('field_visit_min_dpd', models.PositiveIntegerField(default=90, help_text='Days past due before a field visit may be requested.')),
                        ('field_visit_min_outstanding', models.DecimalField(decimal_places=2, default=Decimal('10000.00'), help_text='Smallest outstanding balance (account currency) worth a field visit.', max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='field visit min outstanding')),
                        ('field_visit_min_failed_attempts', models.PositiveIntegerField(default=6, help_text='Failed remote attempts needed before a visit.')),
                        ('field_visit_min_failed_channels', models.PositiveIntegerField(default=2, help_text='Distinct channels those failed attempts must span.')),
                        ('field_visit_attempt_window_days', models.PositiveIntegerField(default=30, help_text='Window in which the failed attempts are counted.')),
                        ('written_notice_lead_days', models.PositiveIntegerField(default=7, help_text='Days the written notice must precede a field visit.')),
                        ('legal_min_dpd', models.PositiveIntegerField(default=180, help_text='Days past due before legal referral.')),
                        ('promise_max_days', models.PositiveIntegerField(default=30, help_text='Furthest a promise to pay may be dated.')),
                        ('plan_max_installments', models.PositiveIntegerField(default=6, help_text='Longest repayment plan a collector may agree without a supervisor.')),
                        ('breathing_space_days', models.PositiveIntegerField(default=60, help_text='UK Debt Respite Scheme: standard breathing space length.')),
                        ('auto_escalate_vulnerable', models.BooleanField(default=False, verbose_name='auto escalate vulnerable')),
                        ('retention_years', models.PositiveIntegerField(default=5, help_text='Years records are kept after the last activity.')),
                        ('contact_window_start', models.TimeField(default=datetime.time(8, 0), help_text='Borrower-local time contact may start.', verbose_name='contact window start')),
                        ('contact_window_end', models.TimeField(default=datetime.time(22, 0), help_text='Borrower-local time contact must stop.', verbose_name='contact window end')),
                        ('fallback_time_zones', models.CharField(default='Asia/Shanghai', help_text='Zones assumed when nothing about the borrower says where they are (space-separated; contact must be allowed in all of them).', max_length=200, validators=[core.validators.validate_time_zone_list], verbose_name='fallback time zones')),
                        ('holidays', models.TextField(blank=True, help_text='Borrower-local dates with no contact, one YYYY-MM-DD per line.', validators=[policy.models.validate_holidays], verbose_name='holidays')),
                        ('connected_calls_per_day', models.PositiveIntegerField(blank=True, help_text='Connected calls per borrower per day (CN: 3).', null=True)),
                        ('unanswered_calls_per_number_per_day', models.PositiveIntegerField(blank=True, help_text='Unanswered calls per number per day (CN: 6).', null=True)),
                        ('sms_per_day', models.PositiveIntegerField(blank=True, help_text='Text messages per borrower per day.', null=True)),
                        ('calls_per_debt_7d', models.PositiveIntegerField(blank=True, help_text='Calls per debt in any rolling 7 days (Reg F: 7 placed calls).', null=True)),
                        ('calls_count_busy', models.BooleanField(default=True, help_text='Count calls that never connected because of a busy line or network failure (Reg F counts only calls placed, so it does not).', verbose_name='calls count busy')),
                        ('sms_counts_as_call', models.BooleanField(default=False, help_text='Texts count toward the call limit (US-MA).', verbose_name='sms counts as call')),
                        ('calls_to_workplace_30d', models.PositiveIntegerField(blank=True, help_text='Calls to numbers other than personal ones per 30 days (US-MA: 2).', null=True)),
                        ('attempts_per_borrower_7d', models.PositiveIntegerField(blank=True, help_text='Attempts on all channels per borrower in 7 days (CN policy: 10).', null=True)),
                        ('conversation_wait_days', models.PositiveIntegerField(blank=True, help_text='Days without calls after a telephone conversation, the conversation day being day 1 (Reg F: 7).', null=True)),
                        ('third_party_contact_allowed', models.BooleanField(default=True, verbose_name='third party contact allowed')),
                        ('third_party_max_per_person', models.PositiveIntegerField(blank=True, help_text='Contacts per third party (Reg F: once, for location only).', null=True)),
                        ('third_party_requires_unreachable', models.BooleanField(default=False, help_text='Third parties only when the borrower is unreachable (CN).', verbose_name='third party requires unreachable')),
                        ('unreachable_failed_calls', models.PositiveIntegerField(default=3, help_text='Consecutive failed calls after which the borrower counts as unreachable.')),
                        ('visit_min_staff', models.PositiveIntegerField(default=1, help_text='Staff who must attend a field visit together (CN: 2).')),
                        ('visits_per_30_days', models.PositiveIntegerField(default=1, help_text='Field visits per case in any 30 days.')),
                        ('visit_notice_lead_hours', models.PositiveIntegerField(default=48, help_text='Hours the pre-visit notice must precede the visit window.')),
                        ('visit_notice_channels', models.CharField(default='sms letter', help_text='Channels the pre-visit notice goes by (space-separated).', max_length=40, verbose_name='visit notice channels')),
                        ('no_visit_if_vulnerable', models.BooleanField(default=False, help_text='UK-FCA: no visit to a vulnerable borrower.', verbose_name='no visit if vulnerable')),
                        ('reminder_sms_dpd', models.CharField(blank=True, default='1 3 7', help_text='Days past due on which an SMS reminder is planned (space-separated).', max_length=100, verbose_name='reminder sms dpd')),
                        ('reminder_email_every_days', models.PositiveIntegerField(blank=True, help_text='An email reminder every N days past due (empty: none).', null=True)),
                        ('letter_on_written_notice', models.BooleanField(default=True, help_text='Plan the formal letter when a case reaches the written-notice rung.', verbose_name='letter on written notice')),
                        ('overridable_reasons', models.CharField(blank=True, help_text='Reason codes a supervisor may override with a written reason (space-separated).', max_length=200, validators=[policy.models.validate_overridable], verbose_name='overridable reasons')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical policy profile',
                        'verbose_name_plural': 'historical policy profiles',
                        'db_table': 'contacts_historicalpolicyprofile',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='PolicyProfile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(choices=[('CN', 'China (default)'), ('US-REGF', 'US Regulation F'), ('US-MA', 'US Massachusetts'), ('UK-FCA', 'UK FCA')], max_length=16, verbose_name='code')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('sources', models.TextField(blank=True, help_text='Regulations and policies behind the numbers.', verbose_name='sources')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('change_note', models.CharField(blank=True, max_length=255, verbose_name='change note')),
                        ('reminder_min_dpd', models.PositiveIntegerField(default=1, help_text='Days past due before SMS/email reminders start.')),
                        ('phone_min_dpd', models.PositiveIntegerField(default=8, help_text='Days past due before collectors phone.')),
                        ('written_notice_min_dpd', models.PositiveIntegerField(default=30, help_text='Days past due before a formal letter.')),
                        ('field_visit_min_dpd', models.PositiveIntegerField(default=90, help_text='Days past due before a field visit may be requested.')),
                        ('field_visit_min_outstanding', models.DecimalField(decimal_places=2, default=Decimal('10000.00'), help_text='Smallest outstanding balance (account currency) worth a field visit.', max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='field visit min outstanding')),
                        ('field_visit_min_failed_attempts', models.PositiveIntegerField(default=6, help_text='Failed remote attempts needed before a visit.')),
                        ('field_visit_min_failed_channels', models.PositiveIntegerField(default=2, help_text='Distinct channels those failed attempts must span.')),
                        ('field_visit_attempt_window_days', models.PositiveIntegerField(default=30, help_text='Window in which the failed attempts are counted.')),
                        ('written_notice_lead_days', models.PositiveIntegerField(default=7, help_text='Days the written notice must precede a field visit.')),
                        ('legal_min_dpd', models.PositiveIntegerField(default=180, help_text='Days past due before legal referral.')),
                        ('promise_max_days', models.PositiveIntegerField(default=30, help_text='Furthest a promise to pay may be dated.')),
                        ('plan_max_installments', models.PositiveIntegerField(default=6, help_text='Longest repayment plan a collector may agree without a supervisor.')),
                        ('breathing_space_days', models.PositiveIntegerField(default=60, help_text='UK Debt Respite Scheme: standard breathing space length.')),
                        ('auto_escalate_vulnerable', models.BooleanField(default=False, verbose_name='auto escalate vulnerable')),
                        ('retention_years', models.PositiveIntegerField(default=5, help_text='Years records are kept after the last activity.')),
                        ('contact_window_start', models.TimeField(default=datetime.time(8, 0), help_text='Borrower-local time contact may start.', verbose_name='contact window start')),
                        ('contact_window_end', models.TimeField(default=datetime.time(22, 0), help_text='Borrower-local time contact must stop.', verbose_name='contact window end')),
                        ('fallback_time_zones', models.CharField(default='Asia/Shanghai', help_text='Zones assumed when nothing about the borrower says where they are (space-separated; contact must be allowed in all of them).', max_length=200, validators=[core.validators.validate_time_zone_list], verbose_name='fallback time zones')),
                        ('holidays', models.TextField(blank=True, help_text='Borrower-local dates with no contact, one YYYY-MM-DD per line.', validators=[policy.models.validate_holidays], verbose_name='holidays')),
                        ('connected_calls_per_day', models.PositiveIntegerField(blank=True, help_text='Connected calls per borrower per day (CN: 3).', null=True)),
                        ('unanswered_calls_per_number_per_day', models.PositiveIntegerField(blank=True, help_text='Unanswered calls per number per day (CN: 6).', null=True)),
                        ('sms_per_day', models.PositiveIntegerField(blank=True, help_text='Text messages per borrower per day.', null=True)),
                        ('calls_per_debt_7d', models.PositiveIntegerField(blank=True, help_text='Calls per debt in any rolling 7 days (Reg F: 7 placed calls).', null=True)),
                        ('calls_count_busy', models.BooleanField(default=True, help_text='Count calls that never connected because of a busy line or network failure (Reg F counts only calls placed, so it does not).', verbose_name='calls count busy')),
                        ('sms_counts_as_call', models.BooleanField(default=False, help_text='Texts count toward the call limit (US-MA).', verbose_name='sms counts as call')),
                        ('calls_to_workplace_30d', models.PositiveIntegerField(blank=True, help_text='Calls to numbers other than personal ones per 30 days (US-MA: 2).', null=True)),
                        ('attempts_per_borrower_7d', models.PositiveIntegerField(blank=True, help_text='Attempts on all channels per borrower in 7 days (CN policy: 10).', null=True)),
                        ('conversation_wait_days', models.PositiveIntegerField(blank=True, help_text='Days without calls after a telephone conversation, the conversation day being day 1 (Reg F: 7).', null=True)),
                        ('third_party_contact_allowed', models.BooleanField(default=True, verbose_name='third party contact allowed')),
                        ('third_party_max_per_person', models.PositiveIntegerField(blank=True, help_text='Contacts per third party (Reg F: once, for location only).', null=True)),
                        ('third_party_requires_unreachable', models.BooleanField(default=False, help_text='Third parties only when the borrower is unreachable (CN).', verbose_name='third party requires unreachable')),
                        ('unreachable_failed_calls', models.PositiveIntegerField(default=3, help_text='Consecutive failed calls after which the borrower counts as unreachable.')),
                        ('visit_min_staff', models.PositiveIntegerField(default=1, help_text='Staff who must attend a field visit together (CN: 2).')),
                        ('visits_per_30_days', models.PositiveIntegerField(default=1, help_text='Field visits per case in any 30 days.')),
                        ('visit_notice_lead_hours', models.PositiveIntegerField(default=48, help_text='Hours the pre-visit notice must precede the visit window.')),
                        ('visit_notice_channels', models.CharField(default='sms letter', help_text='Channels the pre-visit notice goes by (space-separated).', max_length=40, verbose_name='visit notice channels')),
                        ('no_visit_if_vulnerable', models.BooleanField(default=False, help_text='UK-FCA: no visit to a vulnerable borrower.', verbose_name='no visit if vulnerable')),
                        ('reminder_sms_dpd', models.CharField(blank=True, default='1 3 7', help_text='Days past due on which an SMS reminder is planned (space-separated).', max_length=100, verbose_name='reminder sms dpd')),
                        ('reminder_email_every_days', models.PositiveIntegerField(blank=True, help_text='An email reminder every N days past due (empty: none).', null=True)),
                        ('letter_on_written_notice', models.BooleanField(default=True, help_text='Plan the formal letter when a case reaches the written-notice rung.', verbose_name='letter on written notice')),
                        ('overridable_reasons', models.CharField(blank=True, help_text='Reason codes a supervisor may override with a written reason (space-separated).', max_length=200, validators=[policy.models.validate_overridable], verbose_name='overridable reasons')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                    ],
                    options={
                        'verbose_name': 'policy profile',
                        'verbose_name_plural': 'policy profiles',
                        'db_table': 'contacts_policyprofile',
                        'ordering': ['code', '-version'],
                        'constraints': [models.UniqueConstraint(fields=('code', 'version'), name='policy_profile_code_version_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(*move_content_types('contacts', 'policy', ['policyprofile', 'historicalpolicyprofile'])),
    ]
