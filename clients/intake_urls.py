"""Public pages that clients open without an account."""

from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("intake/<str:token>/", views.intake_by_link, name="link"),
    # "Has anything changed?": short, for a text reminder.
    path("hc/<str:token>/", views.health_check, name="check"),
    path("p/<slug:slug>/new-client/", views.intake_public, name="public"),
    path("p/<slug:slug>/thanks/", views.intake_thanks, name="thanks"),
]
