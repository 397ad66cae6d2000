"""The admin's yes/no icons say "yes", "no" or "unknown" in the reader's language.

Django writes the Python value into the icon's alt text (``alt="True"``, ``alt="None"``),
which a screen reader reads out in English whatever the page's language. The admin
imports the icon function from ``admin_list`` each time it draws one, so replacing it
there is enough.
"""

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _

ICONS = {True: "yes", False: "no", None: "unknown"}


def boolean_icon(field_val):
    words = {True: _("Yes"), False: _("No"), None: _("Unknown")}
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{ICONS[field_val]}.svg"), words[field_val])


def install() -> None:
    admin_list._boolean_icon = boolean_icon
