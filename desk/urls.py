from django.contrib import admin
from django.urls import path

from . import dashboard, notification_views, team_views, views

app_name = "desk"
urlpatterns = [
    path("dashboard/", admin.site.admin_view(dashboard.dashboard_page), name="dashboard"),
    path("queue/", admin.site.admin_view(views.work_queue), name="queue"),
    path("cases/<int:case_id>/", admin.site.admin_view(views.case_desk), name="case"),
    path("cases/<int:case_id>/contact/", admin.site.admin_view(views.log_contact), name="log"),
    path("cases/<int:case_id>/promise/", admin.site.admin_view(views.promise), name="promise"),
    path("cases/<int:case_id>/plan/", admin.site.admin_view(views.plan), name="plan"),
    path("cases/<int:case_id>/hold/", admin.site.admin_view(views.hold), name="hold"),
    path("cases/<int:case_id>/visit/", admin.site.admin_view(views.visit), name="visit"),
    path("cases/<int:case_id>/step/", admin.site.admin_view(views.step), name="step"),
    path("notifications/", admin.site.admin_view(notification_views.notification_list), name="notifications"),
    path("notifications/read/", admin.site.admin_view(notification_views.mark_all_read), name="notifications_read_all"),
    path(
        "notifications/<int:notification_id>/read/",
        admin.site.admin_view(notification_views.notification_read),
        name="notification_read",
    ),
    path(
        "notifications/digest/",
        admin.site.admin_view(notification_views.digest_settings),
        name="notification_digest",
    ),
    path("workload/", admin.site.admin_view(team_views.workload_page), name="workload"),
]
