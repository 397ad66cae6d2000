from django.contrib import admin
from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("", admin.site.admin_view(views.workspace), name="workspace"),
    path("dossier/", admin.site.admin_view(views.dossier_search), name="dossier_search"),
    path("cases/<int:case_id>/dossier/", admin.site.admin_view(views.dossier), name="dossier"),
    path("cases/<int:case_id>/dossier.csv", admin.site.admin_view(views.dossier_csv), name="dossier_csv"),
    path("cases/<int:case_id>/intensity/", admin.site.admin_view(views.case_intensity), name="case_intensity"),
    path("agents/<int:user_id>/intensity/", admin.site.admin_view(views.agent_intensity), name="agent_intensity"),
    path("retention/", admin.site.admin_view(views.retention), name="retention"),
]
