from django.contrib import admin
from django.urls import path

from . import views

app_name = "cases"
urlpatterns: list = [
    path("", admin.site.admin_view(views.import_feed), name="import_feed"),
]
