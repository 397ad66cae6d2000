from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import PolicyProfile


@admin.register(PolicyProfile)
class PolicyProfileAdmin(SimpleHistoryAdmin):
    """Saving an edit writes a new version; the version that judged past decisions stays."""

    list_display = [
        "code",
        "version",
        "profile_name",
        "contact_window_start",
        "contact_window_end",
        "created_at",
        "created_by",
        "change_note",
    ]
    list_filter = ["code"]
    readonly_fields = ["version", "created_at", "created_by"]

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def profile_name(self, obj):
        return obj.display_name

    def save_model(self, request, obj, form, change):
        services.save_profile_version(obj, by=request.user, note=obj.change_note)

    def has_delete_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        raise Http404(_("Past versions are read-only."))
