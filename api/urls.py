from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"
urlpatterns = [
    path("contact/check", views.ContactCheck.as_view(), name="contact_check"),
    path("contact/check/batch", views.ContactCheckBatch.as_view(), name="contact_check_batch"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
