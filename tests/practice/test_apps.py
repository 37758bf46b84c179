from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import reverse


def test_treatment_sessions_and_django_sessions_both_load():
    ours = apps.get_app_config("treatment_sessions")
    djangos = apps.get_app_config("sessions")

    assert ours.name == "sessions"
    assert djangos.name == "django.contrib.sessions"
    assert djangos.get_model("Session") is Session


def test_sign_in_sessions_are_stored_by_django_sessions(owner_client):
    assert owner_client.get(reverse("dashboard")).status_code == 200
    assert Session.objects.count() == 1
