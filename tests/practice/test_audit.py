import pytest
from django.urls import reverse

from practice.models import AuditEvent, Membership

from ..factories import ClientFactory, IncidentFactory, SessionNoteFactory


def actions(client=None):
    events = AuditEvent.objects.order_by("pk")
    if client is not None:
        events = events.filter(client=client)
    return [(e.action, e.what) for e in events]


def test_seeing_changing_signing_and_exporting_clinical_data_is_recorded(
    owner_client, owner, practice
):
    note = SessionNoteFactory(appointment__client__practice=practice)
    client = note.client
    owner_client.get(reverse("clients:detail", args=[client.public_id]))
    owner_client.get(reverse("sessions:detail", args=[note.appointment.public_id]))
    owner_client.post(reverse("sessions:note_sign", args=[note.appointment.public_id]))
    owner_client.get(reverse("clients:export", args=[client.public_id]))

    recorded = actions(client)
    assert recorded[0] == ("view", "client record and health answers")
    assert recorded[1][0] == "view" and recorded[1][1].startswith("session note of")
    assert recorded[2:] == [
        ("sign", "session note"),
        ("export", "the whole client record (zip: JSON and PDFs)"),
    ]
    event = AuditEvent.objects.first()
    assert (event.user, event.ip_address, event.practice) == (owner, "127.0.0.1", practice)


def test_incident_views_reports_and_sends_are_recorded(owner_client, practice):
    incident = IncidentFactory(client__practice=practice)
    owner_client.get(reverse("complaints:incident", args=[incident.public_id]))
    owner_client.get(reverse("complaints:report_preview", args=[incident.public_id]))
    owner_client.post(
        reverse("complaints:report_send", args=[incident.public_id]),
        {"to": "claims@insurer.example", "cover_message": "Attached."},
    )

    assert actions(incident.client) == [
        ("view", "incident"),
        ("render", "incident report"),
        ("email", "incident report to claims@insurer.example"),
    ]


def test_the_audit_trail_cannot_be_edited_or_deleted(practice, client, owner):
    event = AuditEvent.objects.create(practice=practice, action="view", what="client record")

    event.what = "nothing to see"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(what="gone")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()

    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    change = client.post(
        reverse("admin:practice_auditevent_change", args=[event.pk]), {"what": "edited"}
    )
    delete = client.post(
        reverse("admin:practice_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert change.status_code in (200, 403)
    assert AuditEvent.objects.get(pk=event.pk).what == "client record"


def test_the_owner_reads_it_per_client_and_per_person(owner_client, owner, practice):
    ada, ben = ClientFactory(practice=practice), ClientFactory(practice=practice)
    owner_client.get(reverse("clients:detail", args=[ada.public_id]))
    owner_client.get(reverse("clients:detail", args=[ben.public_id]))

    per_client = owner_client.get(reverse("practice:audit"), {"client": ada.public_id})
    member = Membership.objects.get(user=owner)
    per_person = owner_client.get(reverse("practice:audit"), {"member": member.public_id})

    assert [e.client for e in per_client.context["page"].object_list] == [ada]
    assert len(per_person.context["page"].object_list) == 2


def test_assistants_cannot_read_the_audit_trail(assistant_client):
    assert assistant_client.get(reverse("practice:audit")).status_code == 403


def test_another_practices_client_in_the_audit_filter_is_not_found(outsider_client, practice):
    theirs = ClientFactory(practice=practice)
    response = outsider_client.get(reverse("practice:audit"), {"client": theirs.public_id})
    assert response.status_code == 404
