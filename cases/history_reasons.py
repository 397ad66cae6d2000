"""How the case book's history reasons read (core.change_reasons)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.change_reasons import pattern, phrases

from .imports.run import CHANGE_REASON as IMPORTED
from .models import Hold
from .services.case import transition_label


def _transition(name: str) -> str:
    try:
        return str(transition_label(name))
    except AttributeError:  # a transition since renamed: its name as stored
        return name.replace("_", " ")


def _hold_kind(code: str) -> str:
    return str(dict(Hold.Kind.choices).get(code, code))


phrases(
    {
        "case opened": gettext_lazy("case opened"),
        "nightly: case opened": gettext_lazy("opened by the nightly cycle"),
        "assigned": gettext_lazy("assigned"),
        "allocated by rule": gettext_lazy("allocated by the allocation rule"),
        "written notice sent": gettext_lazy("written notice sent"),
        "promise recorded": gettext_lazy("promise to pay recorded"),
        "plan agreed": gettext_lazy("repayment plan agreed"),
        "plan approved": gettext_lazy("repayment plan approved"),
        "plan rejected": gettext_lazy("repayment plan rejected"),
        "hold released": gettext_lazy("hold released"),
        "crisis treatment ended": gettext_lazy("end of the crisis treatment recorded"),
        "missed: not paid by its date": gettext_lazy("missed: not paid by its date"),
        "broken: not paid by its date": gettext_lazy("broken: not paid by its date"),
        "broken: instalment missed": gettext_lazy("broken: an instalment was missed"),
        IMPORTED: gettext_lazy("loan feed import"),
        "forbearance assessed": gettext_lazy("forbearance assessment recorded"),
        "debt acknowledged": gettext_lazy("acknowledgement of the debt recorded"),
    }
)
pattern(r"nightly: (?P<name>\w+)", lambda v: _("nightly cycle: %(step)s") % {"step": _transition(v["name"])})
pattern(r"transition: (?P<name>\w+)", lambda v: _transition(v["name"]))
pattern(r"(?P<kind>[a-z_]+) hold placed", lambda v: _("%(kind)s hold placed") % {"kind": _hold_kind(v["kind"])})
pattern(r"hold released: (?P<note>.*)", lambda v: _("hold released: %(note)s") % {"note": v["note"]})
pattern(r"payment (?P<reference>.+)", lambda v: _("payment %(reference)s") % {"reference": v["reference"]})
pattern(r"assigned in bulk: (?P<reason>.*)", lambda v: _("assigned in bulk: %(reason)s") % {"reason": v["reason"]})
pattern(r"default charge: (?P<reason>.*)", lambda v: _("default charge: %(reason)s") % {"reason": v["reason"]})
