from django.contrib import admin
from django.urls import path

from . import team_views, views

app_name = "desk"
urlpatterns = [
    path("queue/", admin.site.admin_view(views.work_queue), name="queue"),
    path("cases/<int:case_id>/", admin.site.admin_view(views.case_desk), name="case"),
    path("cases/<int:case_id>/contact/", admin.site.admin_view(views.log_contact), name="log"),
    path("cases/<int:case_id>/promise/", admin.site.admin_view(views.promise), name="promise"),
    path("cases/<int:case_id>/plan/", admin.site.admin_view(views.plan), name="plan"),
    path("cases/<int:case_id>/hold/", admin.site.admin_view(views.hold), name="hold"),
    path("cases/<int:case_id>/visit/", admin.site.admin_view(views.visit), name="visit"),
    path("cases/<int:case_id>/step/", admin.site.admin_view(views.step), name="step"),
    path("workload/", admin.site.admin_view(team_views.workload_page), name="workload"),
]
