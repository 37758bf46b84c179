from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("import/", views.client_import, name="import"),
    path("<uuid:public_id>/", views.client_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.client_edit, name="edit"),
    path("<uuid:public_id>/export.zip", views.client_export, name="export"),
    path("<uuid:public_id>/erase/", views.erase, name="erase"),
    path("<uuid:public_id>/intake-link/", views.intake_link_create, name="link_create"),
    path("<uuid:public_id>/intake-link/new/", views.intake_link_show, name="link_show"),
    path(
        "<uuid:public_id>/intake-link/<uuid:link_id>/revoke/",
        views.intake_link_revoke,
        name="link_revoke",
    ),
    path(
        "<uuid:public_id>/intake/<uuid:submission_id>/",
        views.submission_detail,
        name="submission",
    ),
    path(
        "<uuid:public_id>/intake/<uuid:submission_id>/review/",
        views.submission_review,
        name="submission_review",
    ),
]
