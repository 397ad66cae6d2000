from django.urls import path

from . import views

app_name = "contacts"
urlpatterns = [
    path("hooks/delivery/", views.delivery_receipt, name="delivery_receipt"),
    path("hooks/inbound/", views.inbound_message, name="inbound_message"),
]
