from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from visits import views as visit_views

admin.site.site_header = "Collections back office"
admin.site.site_title = "Collections"
admin.site.index_title = "Work overdue accounts lawfully"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("work/", include("contacts.urls")),
    path("imports/", include("cases.urls")),
    path("visits/", include("visits.urls")),
    path("compliance/", include("compliance.urls")),
    path("verify/", visit_views.verify, name="verify"),
]
