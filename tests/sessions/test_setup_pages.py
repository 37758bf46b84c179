from django.urls import reverse

from sessions.models import Service

from ..factories import ServiceFactory


def formset_data(prefix, rows, initial):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{key}": value for key, value in row.items()}
    return data


def test_the_owner_adds_and_archives_services(owner_client, practice):
    Service.objects.filter(practice=practice).delete()
    existing = ServiceFactory(practice=practice, name="Massage")
    rows = [
        {"id": existing.pk, "name": "Massage", "duration_minutes": 60, "price": "60"},
        {"name": "Pregnancy massage", "duration_minutes": 75, "price": "70", "active": "on"},
    ]

    response = owner_client.post(reverse("sessions:services"), formset_data("services", rows, 1))

    assert response.status_code == 302
    services = {s.name: s for s in Service.objects.filter(practice=practice)}
    assert not services["Massage"].active
    assert services["Pregnancy massage"].practice == practice


def test_a_negative_price_is_refused_next_to_the_field(owner_client, practice):
    rows = [{"name": "Odd", "duration_minutes": 60, "price": "-5", "active": "on"}]

    response = owner_client.post(reverse("sessions:services"), formset_data("services", rows, 0))

    assert "price" in response.context["formset"].forms[0].errors
    assert not Service.objects.filter(name="Odd").exists()


def test_another_practices_service_cannot_be_edited_through_the_formset(
    owner_client, other_practice
):
    theirs = ServiceFactory(practice=other_practice, name="Theirs")
    rows = [{"id": theirs.pk, "name": "Hijacked", "duration_minutes": 60, "price": "1"}]

    owner_client.post(reverse("sessions:services"), formset_data("services", rows, 1))

    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_assistants_cannot_change_the_lists(assistant_client):
    assert assistant_client.get(reverse("sessions:services")).status_code == 403
    assert assistant_client.get(reverse("sessions:techniques")).status_code == 403
