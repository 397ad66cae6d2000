"""How the compliance records' history reasons read (core.change_reasons)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.change_reasons import pattern, phrases
from core.when import local_date

from .models import Finding, ReviewSample

phrases(
    {
        "raised by the scan": gettext_lazy("raised by the nightly scan"),
        "raised by a reviewer": gettext_lazy("raised by a reviewer"),
        "queued by a reviewer": gettext_lazy("queued by a reviewer"),
        "complaint recorded": gettext_lazy("complaint recorded"),
        "investigation hold placed": gettext_lazy("investigation hold placed"),
        "resolved": gettext_lazy("resolved"),
        # A finding's review stores its new status.
        **{code: label for code, label in Finding.Status.choices},
    }
)


def _reviewed(values: dict) -> str:
    verdict = dict(ReviewSample.Verdict.choices).get(values["verdict"], values["verdict"])
    return _("reviewed: %(verdict)s") % {"verdict": verdict}


def _sampled(values: dict) -> str:
    from datetime import date  # noqa: PLC0415

    return _("sampled for the week of %(week)s") % {"week": local_date(date.fromisoformat(values["week"]))}


pattern(r"reviewed: (?P<verdict>\w+)", _reviewed)
pattern(r"sampled for the week of (?P<week>\d{4}-\d{2}-\d{2})", _sampled)
