from django.core import mail
from playwright.sync_api import expect

from clients.models import Client
from followups import dispatch
from practice.models import Practitioner

from ..factories import ClientFactory, MembershipFactory
from .conftest import ARTIFACTS
from .test_session_note import sign_in


def test_a_therapist_moves_a_client_on_with_a_referral(page, live_server, practice, settings):
    ARTIFACTS.mkdir(exist_ok=True)
    settings.SITE_URL = live_server.url
    owner = MembershipFactory(practice=practice).user
    robin = ClientFactory(
        practice=practice,
        first_name="Robin",
        last_name="Hale",
        email="robin@example.com",
        email_consent=True,
        status="active",
    )
    Practitioner.objects.create(
        practice=practice,
        name="Sam Okafor",
        profession="massage",
        specialties="deep tissue",
        phone="020 7946 0001",
    )
    sign_in(page, live_server, owner)

    page.goto(f"{live_server.url}/clients/{robin.public_id}/")
    page.get_by_role("link", name="Move on").click()
    page.get_by_label("My work does not meet their needs").check()
    page.get_by_label("Refer them on").check()
    page.get_by_label("Sam Okafor, massage therapist").check()
    page.get_by_role("button", name="Draft the message").click()

    message = page.get_by_label("Message")
    expect(message).to_contain_text("Sam Okafor")
    message.fill(message.input_value() + "\nP.S. Good luck with the marathon.")
    page.screenshot(path=ARTIFACTS / "move-on-draft.png", full_page=True)
    page.get_by_role("button", name="Send and move Robin on").click()

    expect(page.get_by_text("Robin is moved on.")).to_be_visible()
    expect(page.get_by_role("button", name="Undo: take Robin back")).to_be_visible()
    robin.refresh_from_db()
    assert robin.status == Client.Status.MOVED_ON
    dispatch.dispatch()
    assert "Good luck with the marathon." in mail.outbox[0].body
