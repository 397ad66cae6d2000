"""
The people and message templates the synthetic book refers to, made through the normal
code: users in the role groups the data migrations create, templates written and approved
through ``contacts.services``. Idempotent, so ``--reuse`` finds the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User

from contacts import services as contact_services
from contacts.models import MessageTemplate
from contacts.outbox import approved_templates
from demo.management.commands.seed_demo import Command as SeedDemo

PREFIX = "bench-"
COLLECTORS = 12
FIELD_AGENTS = 3


@dataclass
class Staff:
    collectors: list[User]
    field_agents: list[User]
    supervisor: User
    reviewer: User
    administrator: User


def _user(username: str, role: str, first: str, last: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        # Bench users never log in with a password: the admin is driven with force_login.
        user = User.objects.create_user(
            username, email=f"{username}@bench.invalid", first_name=first, last_name=last, is_staff=True
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if not user.groups.filter(name=role).exists():
        user.groups.add(Group.objects.get(name=role))
    return user


def ensure_staff() -> Staff:
    """A dozen collectors, three field agents and one user in each other role."""
    return Staff(
        collectors=[
            _user(f"{PREFIX}collector{n:02d}", "Collector", "Collector", f"{n:02d}") for n in range(1, COLLECTORS + 1)
        ],
        field_agents=[
            _user(f"{PREFIX}fieldagent{n}", "Field agent", "Field agent", str(n)) for n in range(1, FIELD_AGENTS + 1)
        ],
        supervisor=_user(f"{PREFIX}supervisor", "Supervisor", "Bench", "Supervisor"),
        reviewer=_user(f"{PREFIX}reviewer", "Compliance reviewer", "Bench", "Reviewer"),
        administrator=_user(f"{PREFIX}admin", "Administrator", "Bench", "Administrator"),
    )


def ensure_templates(staff: Staff) -> dict[str, MessageTemplate]:
    """An approved version of every template the outbox uses (settings.REMINDER_TEMPLATE_CODES),
    with the demo's texts; written by the administrator, approved by the reviewer."""
    texts = {
        code: (channel, language, subject, body, required)
        for code, channel, language, subject, body, required in SeedDemo.TEMPLATES
    }
    approved = approved_templates()
    wanted = {code for by_language in settings.REMINDER_TEMPLATE_CODES.values() for code in by_language.values()}
    for code in sorted(wanted - set(approved)):
        if code not in texts:
            continue  # a purpose the demo has no text for: the outbox reports no_template
        channel, language, subject, body, required = texts[code]
        template = contact_services.save_template_version(
            code=code,
            channel=channel,
            language=language,
            subject=subject,
            body=body,
            by=staff.administrator,
            is_required_notice=required,
        )
        contact_services.approve_template(template, by=staff.reviewer)
    return approved_templates()
