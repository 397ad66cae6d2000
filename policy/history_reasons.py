"""How the policy profiles' history reasons read (core.change_reasons); a note the
operator wrote for a new version is shown as written."""

from django.utils.translation import gettext as _

from core.change_reasons import pattern

pattern(r"new version (?P<version>\d+)", lambda v: _("new version %(version)s") % {"version": v["version"]})
