from django.urls import path

from . import setup_views, views

app_name = "sessions"

urlpatterns = [
    path("", views.day_view, name="day"),
    path("week/", views.week_view, name="week"),
    path("new/", views.appointment_create, name="create"),
    path("calendar/", setup_views.calendar_settings, name="calendar"),
    path("calendar/new/", setup_views.calendar_issue, name="calendar_issue"),
    path("calendar/revoke/", setup_views.calendar_revoke, name="calendar_revoke"),
    path("hours/", setup_views.working_hours, name="hours"),
    path("hours/time-off/", setup_views.time_off_add, name="time_off_add"),
    path(
        "hours/time-off/<uuid:public_id>/remove/",
        setup_views.time_off_remove,
        name="time_off_remove",
    ),
    path("services/", setup_views.catalogue, {"kind": "services"}, name="services"),
    path(
        "services/<uuid:public_id>/note-template/",
        setup_views.note_template,
        name="note_template",
    ),
    path("techniques/", setup_views.catalogue, {"kind": "techniques"}, name="techniques"),
    path("<uuid:public_id>/", views.appointment_detail, name="detail"),
    path("<uuid:public_id>/move/", views.appointment_reschedule, name="reschedule"),
    path("<uuid:public_id>/status/", views.appointment_status, name="status"),
    path("<uuid:public_id>/paid/", views.appointment_paid, name="paid"),
    path("<uuid:public_id>/accept/", views.request_accept, name="accept"),
    path("<uuid:public_id>/decline/", views.request_decline, name="decline"),
    path("<uuid:public_id>/note/", views.note_edit, name="note"),
    path("<uuid:public_id>/note/sign/", views.note_sign, name="note_sign"),
    path("<uuid:public_id>/note/amend/", views.note_amend, name="note_amend"),
]
