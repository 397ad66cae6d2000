from django.contrib import admin
from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("inbox/", admin.site.admin_view(views.inbox), name="inbox"),
    path("<int:visit_id>/decide/", admin.site.admin_view(views.decide), name="decide"),
    path("mine/", admin.site.admin_view(views.my_visits), name="mine"),
    path("<int:visit_id>/act/", admin.site.admin_view(views.act), name="act"),
    path("<int:visit_id>/report/", admin.site.admin_view(views.report_form), name="report"),
    path("request/<int:case_id>/", admin.site.admin_view(views.request_visit), name="request"),
    path("<int:visit_id>/files/<str:field>/", admin.site.admin_view(views.visit_file), name="file"),
    path("agents/<int:agent_id>/files/<str:field>/", admin.site.admin_view(views.agent_file), name="agent_file"),
]
