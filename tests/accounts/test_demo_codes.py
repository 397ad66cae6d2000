from io import StringIO

from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import give_demo_device
from tests.factories import make_user


def test_demo_totp_prints_codes_of_the_demo_secret_only(db):
    demo_user, real_user = make_user("Supervisor", "supervisor1"), make_user("Supervisor", "realboss")
    device = give_demo_device(demo_user)
    TOTPDevice.objects.create(user=real_user, name="phone", confirmed=True)
    out = StringIO()
    call_command("demo_totp", stdout=out)
    assert "supervisor1" in out.getvalue() and "realboss" not in out.getvalue()
    printed = out.getvalue().split()[-1]
    assert len(printed) == 6 and printed.isdigit()
    assert device.verify_token(printed)  # the code really signs in
