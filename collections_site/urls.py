from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from accounts.middleware import second_factor_exempt
from cases import views as case_views
from preferences import views as preference_views
from visits import views as visit_views


def favicon(request):
    return redirect(static("core/favicon.svg"), permanent=True)


admin.site.site_header = _("Collections back office")
admin.site.site_title = _("Collections")
admin.site.index_title = _("Work overdue accounts lawfully")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", second_factor_exempt(favicon), name="favicon"),
    path("admin/", admin.site.urls),
    path("account/", include("accounts.urls")),
    # The queue and the contact form moved to the desk; old bookmarks still arrive.
    path("work/queue/", RedirectView.as_view(pattern_name="desk:queue", query_string=True)),
    path("work/cases/<int:case_id>/contact/", RedirectView.as_view(pattern_name="desk:case")),
    path("work/", include("contacts.urls")),
    path("desk/", include("desk.urls")),
    path("imports/", include("cases.urls")),
    path("visits/", include("visits.urls")),
    path("compliance/", include("compliance.urls")),
    # The integration API: API keys, no session (api/).
    path("api/v1/", include("api.urls")),
    path("holds/<int:hold_id>/files/<str:field>/", admin.site.admin_view(case_views.hold_file), name="hold_file"),
    path("verify/", visit_views.verify, name="verify"),
    path("verify/<str:code>/agents/<int:agent_id>/photo/", visit_views.verify_photo, name="verify_photo"),
    # Django's set_language, which also saves a signed-in person's preference.
    path("i18n/setlang/", preference_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
]
