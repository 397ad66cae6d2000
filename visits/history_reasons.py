"""How the field visits' history reasons read (core.change_reasons); a reason a person
typed (why a visit was rejected or aborted) is shown as written."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.change_reasons import pattern, phrases
from policy.codes import Channel

phrases(
    {
        # What a visit's transition stores when no one typed a reason.
        "approve": gettext_lazy("approved"),
        "approved": gettext_lazy("approved"),
        "reject": gettext_lazy("rejected"),
        "mark_notified": gettext_lazy("borrower notified"),
        "check_in": gettext_lazy("checked in"),
        "checked in": gettext_lazy("checked in"),
        "complete": gettext_lazy("report filed"),
        "report filed": gettext_lazy("report filed"),
        "abort": gettext_lazy("aborted"),
        "cancel": gettext_lazy("cancelled"),
    }
)
pattern(
    r"notice sent by (?P<channel>\w+)",
    lambda v: _("notice sent by %(channel)s") % {"channel": dict(Channel.choices).get(v["channel"], v["channel"])},
)
