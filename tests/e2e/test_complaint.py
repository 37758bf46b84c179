from playwright.sync_api import expect

from complaints.models import Complaint
from followups.models import FollowUp

from ..factories import ClientFactory, MembershipFactory
from .conftest import ARTIFACTS
from .test_session_note import sign_in


def test_a_therapist_records_a_complaint_and_walks_it_to_closed(page, live_server, practice):
    ARTIFACTS.mkdir(exist_ok=True)
    owner = MembershipFactory(practice=practice).user
    client = ClientFactory(practice=practice, first_name="Robin", last_name="Hale")
    sign_in(page, live_server, owner)

    page.goto(f"{live_server.url}/complaints/new/?client={client.public_id}")
    page.get_by_label("Received via").select_option("phone")
    page.get_by_label("Category").select_option("pressure")
    page.get_by_label("In the client's words").fill("The pressure on my shoulders was too hard.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Complaint recorded. Acknowledge it within 24 hours.")).to_be_visible()

    steps = [
        ("listened", {"#id_note": "Called Robin back and listened."}),
        ("apologised", {}),
        ("explained", {"#id_note": "I used more pressure than we agreed."}),
        ("agreed", {"#id_note": "Lighter pressure, checked every few minutes."}),
        ("offered", {"#id_offer": "complimentary", "#id_offer_value": "60"}),
        ("follow_up", {"#id_follow_up_at": "2026-12-07T10:00"}),
        (
            "closed",
            {
                "#id_outcome": "Robin is happy to come back.",
                "#id_lessons": "Agree pressure at the start of each session.",
            },
        ),
    ]
    for step, fields in steps:
        page.locator("#id_step").select_option(step)
        for selector, value in fields.items():
            if selector == "#id_offer":
                page.locator(selector).select_option(value)
            else:
                page.locator(selector).fill(value)
        page.get_by_role("button", name="Mark done").click()
        expect(page.get_by_text("Step recorded.")).to_be_visible()

    expect(page.locator("#steps .list-group-item-success")).to_have_count(7)
    expect(page.get_by_text("Complimentary session (60.00 GBP)")).to_be_visible()
    expect(page.get_by_role("button", name="Mark done")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "complaint-closed.png", full_page=True)

    complaint = Complaint.objects.get()
    assert complaint.closed_at and complaint.acknowledged_at
    assert FollowUp.objects.filter(kind="complaint", client=client).count() == 1
