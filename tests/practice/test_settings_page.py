import datetime

from django.urls import reverse

URL = reverse("practice:settings")


def settings_data(**overrides):
    data = {
        "name": "Calm Hands",
        "phone": "+44 20 7946 0000",
        "email": "hello@calmhands.example",
        "address": "1 Quiet Lane",
        "country": "GB",
        "time_zone": "Europe/London",
        "currency": "GBP",
        "cancellation_policy": "24 hours' notice, please.",
        "late_arrival_policy": "Late starts end on time.",
        "pain_threshold": "7",
        "health_recheck": "reminder",
        "intake_max_age_months": "12",
        "insurer_name": "Mutual Therapists",
        "insurance_policy_number": "PI-123",
        "insurance_expires_on": "2027-03-31",
        "insurer_claims_email": "claims@insurer.example",
        "late_arrival_limit": "3",
        "no_show_limit": "2",
        "late_cancellation_limit": "2",
        "unpaid_limit": "1",
    }
    return data | overrides


def test_the_owner_saves_the_practice_settings(owner_client, practice):
    response = owner_client.post(URL, settings_data())

    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.pain_threshold == 7
    assert practice.insurance_policy_number == "PI-123"
    assert practice.insurance_expires_on == datetime.date(2027, 3, 31)
    assert practice.insurer_claims_email == "claims@insurer.example"


def test_bad_values_are_explained_next_to_their_fields_and_nothing_is_lost(owner_client, practice):
    response = owner_client.post(
        URL, settings_data(pain_threshold="11", currency="£££", time_zone="Mars/Olympus")
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"pain_threshold", "currency", "time_zone"}
    assert "three-letter code" in errors["currency"][0]
    html = response.content.decode()
    assert 'id="error_1_id_currency"' in html  # crispy puts the message under the field
    assert "24 hours&#x27; notice, please." in html
    assert 'value="PI-123"' in html
    practice.refresh_from_db()
    assert practice.pain_threshold == 8


def test_an_assistant_cannot_change_settings(assistant_client, practice):
    assert assistant_client.get(URL).status_code == 403
    assert assistant_client.post(URL, settings_data(name="Taken over")).status_code == 403
    practice.refresh_from_db()
    assert practice.name == "Calm Hands"


def test_each_owner_edits_only_their_own_practice(outsider_client, practice, other_practice):
    outsider_client.post(URL, settings_data(name="Renamed"))

    practice.refresh_from_db()
    other_practice.refresh_from_db()
    assert practice.name == "Calm Hands"
    assert other_practice.name == "Renamed"


def test_the_currency_code_is_accepted_in_lower_case(owner_client, practice):
    owner_client.post(URL, settings_data(currency="eur"))

    practice.refresh_from_db()
    assert practice.currency == "EUR"
