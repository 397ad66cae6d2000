"""How the staff records' history reasons read (core.change_reasons)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.change_reasons import pattern, phrases

from .models import AccessChange

phrases(
    {
        "superseded by a new code": gettext_lazy("superseded by a new code"),
        "used to set up an authenticator": gettext_lazy("used to set up an authenticator"),
        # A role or authenticator change's decision stores its new state.
        **{code: label for code, label in AccessChange.State.choices},
    }
)
pattern(r"role change (?P<pk>\d+) approved", lambda v: _("role change %(pk)s approved") % {"pk": v["pk"]})
