"""The owner shapes the intake form; a client answers it on a phone; what they answered
stays as they answered it after the owner changes the form."""

import io

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from clients.models import Client
from complaints import reports
from sessions.models import Appointment

from ..factories import AppointmentFactory, IncidentFactory, IntakeLinkFactory, MembershipFactory
from .conftest import ARTIFACTS
from .test_session_note import sign_in


def add_question(page, live_server, **fields):
    page.goto(f"{live_server.url}/practice/settings/intake-form/")
    page.get_by_role("link", name="Add a question", exact=True).click()
    for name, value in fields.items():
        field = page.locator(f"#id_{name}")
        if name in ("kind", "show_if_condition", "flag_level"):
            field.select_option(value)
        elif value is True:
            field.check()
        else:
            field.fill(value)
    page.get_by_role("button", name="Save the question").click()
    expect(page.get_by_text("Publish to ask it on new forms.")).to_be_visible()


def test_the_owner_builds_a_pregnancy_section_and_answers_keep_their_questions(
    browser, live_server, practice
):
    ARTIFACTS.mkdir(exist_ok=True)
    owner = MembershipFactory(practice=practice).user
    desk = browser.new_page()
    sign_in(desk, live_server, owner)

    add_question(
        desk,
        live_server,
        section="Pregnancy",
        label="Which trimester are you in?",
        kind="one_choice",
        choices_text="First\nSecond\nThird",
        required=True,
        show_if_condition="pregnancy",
        flag_level="contraindication",
        flag_answer="First",
    )
    add_question(
        desk,
        live_server,
        section="Oils and skin",
        label="Are you allergic to any oils, nuts or lotions?",
        kind="long_text",
        flag_level="caution",
    )
    desk.get_by_role("button", name="Publish version 2").click()
    expect(desk.get_by_text("Published as version 2.")).to_be_visible()
    desk.screenshot(path=ARTIFACTS / "form-builder-published.png", full_page=True)

    _, token = IntakeLinkFactory.with_token(practice, client__first_name="Robin")
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(f"{live_server.url}/intake/{token}/")
    trimester = phone.get_by_role("group", name="Which trimester are you in?")
    expect(trimester).to_be_hidden()  # asked only after "Pregnant"
    phone.get_by_label("Last name").fill("Hale")
    phone.get_by_role("textbox", name="E-mail", exact=True).fill("robin@example.com")
    phone.locator("#id_emergency_contact_name").fill("Sam Hale")
    phone.locator("#id_emergency_contact_phone").fill("07400 123456")
    phone.get_by_label("Pregnant", exact=True).check()
    expect(trimester).to_be_visible()
    trimester.get_by_label("First").check()
    phone.get_by_label("Are you allergic to any oils, nuts or lotions?").fill("Almond oil")
    phone.get_by_label("I agree to “Cancellations and arriving late”").check()
    phone.get_by_label("I agree to “Consent to treatment”").check()
    phone.get_by_label("Type your full name to sign").fill("Robin Hale")
    phone.screenshot(path=ARTIFACTS / "form-builder-phone.png", full_page=True)
    phone.get_by_role("button", name="Send my form").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()

    robin = Client.objects.get(first_name="Robin")
    session = AppointmentFactory(
        client=robin, start=timezone.now(), status=Appointment.Status.COMPLETED
    )
    desk.goto(f"{live_server.url}/sessions/{session.public_id}/note/")
    banner = desk.locator("#red-flags")
    expect(banner).to_contain_text("Which trimester are you in? First")
    expect(banner).to_contain_text("may rule massage out")
    expect(banner).to_contain_text("Almond oil")
    desk.screenshot(path=ARTIFACTS / "form-builder-note-flags.png", full_page=True)

    # The owner rewrites the trimester question and publishes again.
    desk.goto(f"{live_server.url}/practice/settings/intake-form/")
    desk.get_by_role("link", name="Edit “Which trimester are you in?”").click()
    desk.locator("#id_label").fill("How many weeks pregnant are you?")
    desk.get_by_role("button", name="Save the question").click()
    desk.get_by_role("button", name="Publish version 3").click()
    expect(desk.get_by_text("Published as version 3.")).to_be_visible()

    desk.goto(f"{live_server.url}/clients/{robin.public_id}/")
    expect(desk.locator("#red-flags")).to_contain_text("Which trimester are you in? First")
    expect(desk.get_by_text("How many weeks pregnant are you?")).to_have_count(0)

    incident = IncidentFactory(client=robin)
    incident.sessions.add(session)
    data, _ = reports.render_pdf(incident)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = " ".join(text.split())
    assert "Which trimester are you in? First" in text
    assert "How many weeks pregnant" not in text
    assert "Are you allergic to any oils, nuts or lotions? Almond oil" in text
    assert "(the practice's form, version 2)" in text
    assert "Consent to treatment I agree to receive massage." in text
    (ARTIFACTS / "form-builder-report.pdf").write_bytes(data)
