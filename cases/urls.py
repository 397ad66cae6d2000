from django.contrib import admin
from django.urls import path

from . import views

app_name = "cases"
urlpatterns: list = [
    path("", admin.site.admin_view(views.import_feed), name="import_feed"),
    path("<int:run_id>/", admin.site.admin_view(views.import_progress), name="import_progress"),
]
