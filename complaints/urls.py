from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("<uuid:public_id>/", views.complaint_detail, name="detail"),
    path("<uuid:public_id>/step/", views.complaint_step, name="step"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<uuid:public_id>/", views.incident_detail, name="incident"),
    path("incidents/<uuid:public_id>/sign/", views.incident_sign_statement, name="incident_sign"),
    path(
        "incidents/<uuid:public_id>/report.pdf",
        views.incident_report_preview,
        name="report_preview",
    ),
    path("incidents/<uuid:public_id>/send/", views.incident_report_send, name="report_send"),
    path("incidents/<uuid:public_id>/reports/", views.incident_reports, name="incident_reports"),
    path("reports/<uuid:public_id>.pdf", views.report_download, name="report"),
    path("reports/<uuid:public_id>/resend/", views.report_resend, name="report_resend"),
]
