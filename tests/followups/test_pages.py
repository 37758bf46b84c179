from django.core import mail
from django.urls import reverse

from followups import dispatch
from followups.models import Channel, FollowUp, Kind, Rule

from ..factories import ClientFactory, FollowUpFactory


def test_the_owner_rewrites_a_message_and_previews_it(owner_client, practice):
    url = reverse("followups:rule", args=["checkin"])
    data = {
        "enabled": "on",
        "days": "2",
        "at_time": "09:30",
        "subject": "Hi {{ first_name }}",
        "body": "How are you, {{ first_name }}? {{ link }}",
    }

    preview = owner_client.post(url, data | {"preview": "1"})
    assert preview.context["preview"][0] == "Hi Alex"
    assert not Rule.objects.filter(kind="checkin").exists()  # a preview saves nothing

    owner_client.post(url, data)
    rule = Rule.objects.get(kind="checkin")
    assert (rule.days, rule.at_time.strftime("%H:%M"), rule.subject) == (
        2,
        "09:30",
        data["subject"],
    )


def test_broken_wording_is_explained_next_to_the_field(owner_client):
    response = owner_client.post(
        reverse("followups:rule", args=["checkin"]),
        {"enabled": "on", "days": "1", "at_time": "10:00", "body": "Hi {% if %}"},
    )

    assert "body" in response.context["form"].errors
    assert "Hi {% if %}" in response.content.decode()


def test_a_bad_sequence_is_refused(owner_client):
    response = owner_client.post(
        reverse("followups:rule", args=["cancellation"]),
        {"enabled": "on", "sequence": "0, soon", "at_time": "10:00"},
    )
    assert "sequence" in response.context["form"].errors


def test_assistants_cannot_change_follow_up_settings(assistant_client):
    assert assistant_client.get(reverse("followups:rules")).status_code == 403


def test_an_unknown_kind_is_not_found(owner_client):
    assert owner_client.get(reverse("followups:rule", args=["spam"])).status_code == 404


def test_send_intake_link_goes_by_the_clients_channel(owner_client, practice, settings):
    settings.SITE_URL = "http://testserver"
    robin = ClientFactory(practice=practice, email_consent=True)

    owner_client.post(reverse("followups:send_intake", args=[robin.public_id]))
    dispatch.dispatch()

    followup = FollowUp.objects.get(kind=Kind.INTAKE_LINK)
    assert (followup.status, followup.channel) == (FollowUp.Status.SENT, Channel.EMAIL)
    link = next(w for w in mail.outbox[0].body.split() if "/intake/" in w)
    assert owner_client.get(link.removeprefix("http://testserver")).status_code == 200


def test_a_call_task_is_done_from_the_to_do_list_with_htmx(owner_client, practice):
    robin = ClientFactory(practice=practice, preferred_channel="phone")
    task = FollowUpFactory(client=robin, channel="task", status="sent", body="Ask how they are")

    page = owner_client.get(reverse("followups:todo"))
    assert "Ask how they are" in page.content.decode()
    response = owner_client.post(
        reverse("followups:done", args=[task.public_id]),
        {"outcome": "Feeling fine"},
        HTTP_HX_REQUEST="true",
    )

    assert response.content == b""
    task.refresh_from_db()
    assert task.done_at and task.outcome == "Feeling fine"
    assert "Ask how they are" not in owner_client.get(reverse("followups:todo")).content.decode()


def test_the_list_filters_by_state(owner_client, practice):
    robin = ClientFactory(practice=practice)
    FollowUpFactory(client=robin, status="failed", last_error="Mailbox full")
    FollowUpFactory(client=robin, status="scheduled", kind=Kind.REMINDER)

    failed = owner_client.get(reverse("followups:list"), {"show": "failed"})
    due = owner_client.get(reverse("followups:list"), {"show": "due"})

    assert "Mailbox full" in failed.content.decode()
    assert [f.kind for f in due.context["page"].object_list] == [Kind.REMINDER]
