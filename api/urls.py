from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views, write_views

app_name = "api"
urlpatterns = [
    path("contact/check", views.ContactCheck.as_view(), name="contact_check"),
    path("contact/check/batch", views.ContactCheckBatch.as_view(), name="contact_check_batch"),
    path("contact/attempts", write_views.ContactAttemptView.as_view(), name="contact_attempts"),
    path("messages/inbound", write_views.InboundMessageView.as_view(), name="messages_inbound"),
    path("loans/<str:loan_number>", write_views.LoanAccountView.as_view(), name="loan"),
    path("payments", write_views.PaymentView.as_view(), name="payments"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
