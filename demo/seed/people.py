"""
The demo's people: a user for every role (with the demo password, and the demo
authenticator for roles that need two-factor sign-in), and the borrowers with their
names, national IDs and contact points.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import timezone

from accounts.demo import DEMO_TOTP_SECRET, give_demo_device
from cases.models import Borrower, ContactPoint, TeamMember
from contacts.models import Consent

from .field_visits import describe_demo_visit

DEMO_PASSWORD = "demo-2026"
DEMO_USERS = [
    # username, first, last, role
    ("collector1", "Fang", "Wang", "Collector"),
    ("collector2", "James", "Carter", "Collector"),
    ("collector3", "Lei", "Zhang", "Collector"),
    ("fieldagent1", "Qiang", "Liu", "Field agent"),
    ("fieldagent2", "Jun", "Chen", "Field agent"),
    ("supervisor1", "Min", "Zhao", "Supervisor"),
    ("supervisor2", "Wei", "Huang", "Supervisor"),
    ("reviewer1", "Sarah", "Okafor", "Compliance reviewer"),
    ("admin1", "Hui", "Sun", "Administrator"),
    # A second administrator: role and authenticator changes need two people.
    ("admin2", "Grace", "Lin", "Administrator"),
]

# supervisor1's team, and which new cases each collector takes (the allocation rule,
# cases/services/allocation.py): two Chinese-speaking collectors splitting China's regions,
# one English-speaking collector for the US and UK profiles.
DEMO_TEAM = {
    "collector1": {"languages": "zh-hans", "regions": "Beijing, Shanghai", "profiles": "CN"},
    "collector2": {"languages": "en", "regions": "", "profiles": "US-REGF, US-MA, UK-FCA"},
    "collector3": {"languages": "zh-hans", "regions": "Guangdong, Sichuan, Shanghai", "profiles": "CN"},
}
DEMO_TEAM_SUPERVISOR = "supervisor1"

CN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
CN_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "桂英",
    "建华",
    "志强",
    "海燕",
]
EN_FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Olivia",
    "Harry",
    "Amelia",
    "George",
    "Isla",
    "Noah",
    "Emily",
    "Jack",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Taylor",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Hall",
    "Clarke",
    "Lewis",
]
US_AREAS = [
    ("212", "America/New_York"),
    ("617", "America/New_York"),
    ("312", "America/Chicago"),
    ("415", "America/Los_Angeles"),
    ("303", "America/Denver"),
]


class DemoPeople:
    """A part of the seed_demo command (mixed into its Command): the demo users and their logins, and the borrowers."""

    def create_users(self) -> dict[str, User]:
        users = {}
        for username, first, last, role in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@demo.invalid"
            user.is_staff = True
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            if role in settings.OTP_REQUIRED_GROUPS:
                give_demo_device(user)
            users[username] = user
        return users

    def create_team(self, users: dict[str, User]) -> None:
        for username, takes in DEMO_TEAM.items():
            TeamMember.objects.update_or_create(
                user=users[username], defaults={"supervisor": users[DEMO_TEAM_SUPERVISOR], **takes}
            )

    def print_logins(self, open_visit=None):
        """The logins, the two-factor secret, and ``open_visit``'s code (ensure_visit_in_window's)."""
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        for username, first, last, role in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role:<20} {first} {last}")
        two_factor = [username for username, _first, _last, role in DEMO_USERS if role in settings.OTP_REQUIRED_GROUPS]
        self.stdout.write(
            f"\n{', '.join(two_factor)} also need a two-factor code: add the demo secret {DEMO_TOTP_SECRET}"
            f"\nto an authenticator app (time-based, 6 digits), or run `.venv/bin/python manage.py demo_totp`."
        )
        if open_visit is not None:
            self.stdout.write(f"\n{describe_demo_visit(open_visit)}")
            self.stdout.write("A fresh one at any time: `.venv/bin/python manage.py demo_visit`.")

    def make_borrower(self, rng, number) -> Borrower:
        profile = rng.choices(["CN", "US-REGF", "US-MA", "UK-FCA"], weights=[70, 10, 8, 12])[0]
        if profile == "CN":
            name = rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN)
            zone, language = rng.choice(["Asia/Shanghai"] * 9 + [""]), "zh-hans"
            national_id = f"{rng.randint(110000, 659000)}{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}"
        else:
            name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
            language = "en"
            zone = "Europe/London" if profile == "UK-FCA" else rng.choice([z for _, z in US_AREAS] + [""])
            national_id = (
                f"{rng.randint(100, 899)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
                if profile != "UK-FCA"
                else f"QQ{rng.randint(100000, 999999)}C"
            )
        borrower = Borrower.objects.create(
            full_name=name,
            national_id=national_id,
            policy_profile_code=profile,
            home_time_zone=zone,
            language=language,
            vulnerable=rng.random() < 0.04,
            date_of_birth=timezone.localdate() - timedelta(days=rng.randint(22 * 365, 65 * 365)),
            region={"CN": rng.choice(["Beijing", "Shanghai", "Guangdong", "Sichuan"]), "UK-FCA": "London"}.get(
                profile, "USA"
            ),
        )
        for index, (kind, value, label) in enumerate(self.contact_values(rng, profile, number, name)):
            point = ContactPoint(
                borrower=borrower,
                kind=kind,
                value=value,
                label=label,
                is_primary=index < 2,
                is_verified=rng.random() < 0.7,
                is_invalid=kind == "phone" and index > 0 and rng.random() < 0.2,
            )
            point.full_clean()
            point.save()
        self.grant_contract_consent(borrower)
        return borrower

    # Profiles that need consent for electronic messages (CN; US-NYC when the demo has some).
    CONSENT_PROFILES = {"CN", "US-NYC"}

    def grant_contract_consent(self, borrower):
        """The loan contract's consent to texts and e-mails, as the feed would import it —
        dated at the loan's signing, before the demo's contact history. One CN borrower
        signed without it, so a refusal for want of consent shows on the desk."""
        if borrower.policy_profile_code not in self.CONSENT_PROFILES:
            return
        if borrower.policy_profile_code == "CN" and not getattr(self, "left_without_consent", None):
            self.left_without_consent = borrower
            return
        signed = timezone.now() - timedelta(days=400)
        for point in borrower.contact_points.filter(kind__in=["phone", "email"]):
            consent = Consent(
                borrower=borrower,
                channel="sms" if point.kind == "phone" else "email",
                contact_point=point,
                granted_via=Consent.GrantedVia.IMPORTED,
                evidence="demo loan contract, electronic-messages clause",
                granted_at=signed,
            )
            consent._change_reason = "loan feed import"
            consent.save()

    def contact_values(self, rng, profile, number, name):
        if profile == "CN":
            phone = f"+86{rng.choice(['138', '139', '150', '186', '188'])}{number:04d}{rng.randint(1000, 9999)}"
            extra = f"+86{rng.choice(['135', '158'])}{number:04d}{rng.randint(1000, 9999)}"
            email = f"user{number}@example.cn"
        elif profile == "UK-FCA":
            phone = f"+447911{number:06d}"
            extra = f"+44207946{number % 10000:04d}"
            email = f"{name.split()[0].lower()}{number}@example.co.uk"
        else:
            area = rng.choice(US_AREAS)[0]
            phone = f"+1{area}5550{number % 200:03d}"
            extra = f"+1{rng.choice(US_AREAS)[0]}5551{number % 200:03d}"
            email = f"{name.split()[0].lower()}{number}@example.com"
        return [("phone", phone, "mobile"), ("email", email, "personal"), ("phone", extra, "home")]
