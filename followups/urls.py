from django.urls import path

from . import views, webhooks

app_name = "followups"

urlpatterns = [
    path("", views.followup_list, name="list"),
    path("todo/", views.todo_list, name="todo"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<str:kind>/", views.rule_edit, name="rule"),
    path("sms/inbound/", views.inbound_sms, name="inbound_sms"),
    path("sms/status/", views.sms_status, name="sms_status"),
    *webhooks.email_tracking_urls(),
    path("<uuid:public_id>/done/", views.todo_done, name="done"),
    path("<uuid:public_id>/retry/", views.followup_retry, name="retry"),
    path("<uuid:public_id>/send-anyway/", views.followup_send_anyway, name="send_anyway"),
    path("client/<uuid:public_id>/intake-link/", views.send_intake_link, name="send_intake"),
    path("checkins/<uuid:public_id>/seen/", views.checkin_seen, name="checkin_seen"),
]
