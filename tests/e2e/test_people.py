from playwright.sync_api import expect

from practice.models import Membership

from ..factories import MembershipFactory
from .test_session_note import sign_in


def test_removing_a_member_asks_first_and_works_under_the_csp(page, live_server, practice):
    owner = MembershipFactory(practice=practice).user
    helper = MembershipFactory(practice=practice, role="assistant").user
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    sign_in(page, live_server, owner)
    page.goto(f"{live_server.url}/practice/people/")

    page.get_by_role("link", name="Remove").click()  # one click removes nobody
    expect(page.get_by_role("heading", name=f"Remove {helper}?")).to_be_visible()
    assert Membership.objects.filter(user=helper).exists()

    page.get_by_role("link", name="Keep").click()
    expect(page).to_have_url(f"{live_server.url}/practice/people/")
    assert Membership.objects.filter(user=helper).exists()

    page.get_by_role("link", name="Remove").click()
    page.get_by_role("button", name="Remove from the practice").click()
    expect(page.get_by_text(f"{helper} no longer has access to the practice.")).to_be_visible()
    assert not Membership.objects.filter(user=helper).exists()
    assert not [error for error in errors if "Content Security Policy" in error]
