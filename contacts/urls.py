from django.contrib import admin
from django.urls import path

from . import views

app_name = "contacts"
urlpatterns = [
    path("queue/", admin.site.admin_view(views.work_queue), name="work_queue"),
    path("cases/<int:case_id>/contact/", admin.site.admin_view(views.log_contact), name="log_contact"),
    path("hooks/delivery/", views.delivery_receipt, name="delivery_receipt"),
    path("hooks/inbound/", views.inbound_message, name="inbound_message"),
]
