"""How the contact records' history reasons read (core.change_reasons)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.change_reasons import pattern, phrases

from .models import OutboundMessage

phrases(
    {
        "allowed": gettext_lazy("allowed by the contact rules"),
        "blocked": gettext_lazy("refused by the contact rules"),
        "overridden": gettext_lazy("refused, then overridden by a supervisor"),
        "sent before its worker stopped": gettext_lazy(
            "sent by a worker that stopped before recording it; recorded from the gateway's delivery"
        ),
        "wrong number reported on a call": gettext_lazy("wrong number reported on a call"),
        "approved": gettext_lazy("approved"),
        "callback scheduled": gettext_lazy("callback scheduled"),
        "callback replaced": gettext_lazy("replaced by a later callback"),
        "callback done": gettext_lazy("callback made"),
        "case closed": gettext_lazy("cancelled: the case is closed"),
    }
)


def _receipt(values: dict) -> str:
    state = dict(OutboundMessage.State.choices).get(values["status"], values["status"])
    return _("delivery receipt: %(state)s") % {"state": state}


pattern(r"delivery receipt: (?P<status>\w+)", _receipt)
