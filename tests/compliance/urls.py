"""The site's URLs plus the compliance workspace at /compliance/, for tests that run before
collections_site/urls.py includes it (and unchanged after)."""

from django.urls import include, path

from collections_site.urls import urlpatterns as site_urlpatterns

already_routed = any(getattr(pattern, "namespace", None) == "compliance" for pattern in site_urlpatterns)
urlpatterns = (
    site_urlpatterns
    if already_routed
    else [
        *site_urlpatterns,
        path("compliance/", include("compliance.urls")),
    ]
)
