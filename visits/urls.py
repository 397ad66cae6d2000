from django.contrib import admin
from django.urls import path

from . import field_views, views

app_name = "visits"
urlpatterns = [
    path("inbox/", admin.site.admin_view(views.inbox), name="inbox"),
    path("<int:visit_id>/decide/", admin.site.admin_view(views.decide), name="decide"),
    path("mine/", admin.site.admin_view(field_views.my_visits), name="mine"),
    path("<int:visit_id>/check-in/", admin.site.admin_view(field_views.check_in), name="check_in"),
    path("<int:visit_id>/report/", admin.site.admin_view(field_views.report), name="report"),
    path("<int:visit_id>/report/draft/", admin.site.admin_view(field_views.save_draft), name="draft"),
    path(
        "<int:visit_id>/report/draft/files/<str:field>/",
        admin.site.admin_view(field_views.draft_file),
        name="draft_file",
    ),
    path("<int:visit_id>/act/", admin.site.admin_view(views.act), name="act"),
    path("request/<int:case_id>/", admin.site.admin_view(views.request_visit), name="request"),
    path("<int:visit_id>/files/<str:field>/", admin.site.admin_view(views.visit_file), name="file"),
    path("agents/<int:agent_id>/files/<str:field>/", admin.site.admin_view(views.agent_file), name="agent_file"),
]
