"""
The demo's message templates: every text the outbox sends, written by the administrator
and approved by the reviewer, and one edit still waiting for compliance.
"""

from contacts import services as contact_services
from policy.codes import Channel


class DemoTemplates:
    """A part of the seed_demo command (mixed into its Command): the message templates, as ``TEMPLATES`` rows."""

    TEMPLATES = [
        (
            "sms-reminder",
            Channel.SMS,
            "zh-hans",
            "",
            "【{lender_name}】{borrower_name}您好，您的贷款{loan_number}已逾期{days_past_due}天，应还{amount}。"
            "如已还款请忽略。咨询请致电{hotline}。回复TD退订。",
            False,
        ),
        (
            "sms-reminder-en",
            Channel.SMS,
            "en",
            "",
            "{lender_name}: Hello {borrower_name}, loan {loan_number} is {days_past_due} days past due: {amount}. "
            "Already paid? Please ignore this. Questions: {hotline}. Reply STOP to opt out.",
            False,
        ),
        (
            "email-reminder-en",
            Channel.EMAIL,
            "en",
            "Your loan {loan_number}",
            "Dear {borrower_name},\n\n{amount} is due on loan {loan_number} with {lender_name} ({days_past_due} days "
            "past due). {payment_instructions}\n\nIf you are in difficulty, call us on {hotline}: we can agree a "
            "plan.\n\nTo stop these emails, call {hotline} and tell us.",
            False,
        ),
        (
            "letter-formal-notice",
            Channel.LETTER,
            "zh-hans",
            "催收通知书",
            "{borrower_name}：您在{lender_name}的贷款{loan_number}已逾期{days_past_due}天，未还金额{amount}。"
            "请于收到本通知后尽快还款或与我们协商还款计划，电话{hotline}。",
            False,
        ),
        (
            "email-reminder",
            Channel.EMAIL,
            "zh-hans",
            "您的贷款{loan_number}还款提醒",
            "{borrower_name}您好：\n\n您在{lender_name}的贷款{loan_number}已逾期{days_past_due}天，应还{amount}。"
            "{payment_instructions}\n\n如有困难请致电{hotline}，我们可以协商还款计划。\n\n如不希望再收到此类邮件，请致电{hotline}告知。",
            False,
        ),
        (
            "letter-formal-notice-en",
            Channel.LETTER,
            "en",
            "Formal notice",
            "Dear {borrower_name}, loan {loan_number} with {lender_name} is {days_past_due} days past due with "
            "{amount} outstanding. Please pay or call {hotline} to agree a plan.",
            False,
        ),
        (
            "sms-promise-missed",
            Channel.SMS,
            "zh-hans",
            "",
            "{borrower_name}您好，我们未收到约定的还款。如有困难请致电{hotline}。回复TD退订。",
            False,
        ),
        (
            "sms-promise-missed-en",
            Channel.SMS,
            "en",
            "",
            "Hello {borrower_name}, we have not received the payment you planned. Need help? Call {hotline}. "
            "Reply STOP to opt out.",
            False,
        ),
        (
            "sms-visit-notice",
            Channel.SMS,
            "zh-hans",
            "",
            "{borrower_name}您好，{lender_name}工作人员（工号{agent_badges}）将于{visit_window}上门拜访，目的：{visit_purpose}。"
            "核验码{verification_code}，请在{verify_url}核实来访人员身份；如有疑问请致电{hotline}。",
            False,
        ),
        (
            "sms-visit-notice-en",
            Channel.SMS,
            "en",
            "",
            "Hello {borrower_name}, {lender_name} staff (badges {agent_badges}) will visit on {visit_window} for a "
            "{visit_purpose}. Code {verification_code}: check the visitors at {verify_url}. Questions: {hotline}.",
            False,
        ),
        (
            "letter-visit-notice",
            Channel.LETTER,
            "zh-hans",
            "上门拜访通知",
            "{borrower_name}：{lender_name}工作人员（工号{agent_badges}）将于{visit_window}上门，目的：{visit_purpose}。"
            "核验码{verification_code}，可在{verify_url}核实。",
            False,
        ),
        (
            "letter-visit-notice-en",
            Channel.LETTER,
            "en",
            "Notice of a home visit",
            "Dear {borrower_name}, {lender_name} staff (badges {agent_badges}) will visit on {visit_window} "
            "({visit_purpose}). Verify them with code {verification_code} at {verify_url}.",
            False,
        ),
        (
            "sms-visit-cancelled",
            Channel.SMS,
            "zh-hans",
            "",
            "{borrower_name}您好，原定{visit_window}的上门拜访已取消。",
            True,
        ),
        (
            "sms-visit-cancelled-en",
            Channel.SMS,
            "en",
            "",
            "Hello {borrower_name}, the visit announced for {visit_window} is cancelled.",
            True,
        ),
        (
            "letter-collection-ends",
            Channel.LETTER,
            "en",
            "We have stopped collection",
            "Dear {borrower_name}, as you asked, we will no longer contact you about loan {loan_number}.",
            True,
        ),
    ]

    def create_templates(self, users):
        author, reviewer = users["admin1"], users["reviewer1"]
        for code, channel, language, subject, body, required in self.TEMPLATES:
            template = contact_services.save_template_version(
                code=code,
                channel=channel,
                language=language,
                subject=subject,
                body=body,
                by=author,
                is_required_notice=required,
            )
            contact_services.approve_template(template, by=reviewer)
        # An edit waiting for compliance: version 2 exists but version 1 is what is sent.
        contact_services.save_template_version(
            code="sms-reminder",
            channel=Channel.SMS,
            language="zh-hans",
            by=author,
            body="{borrower_name}您好，贷款{loan_number}逾期{days_past_due}天，应还{amount}。"
            "可致电{hotline}协商还款计划。回复TD退订。",
        )
