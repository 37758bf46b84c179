from playwright.sync_api import expect

from ..factories import PASSWORD, IntakeLinkFactory, MembershipFactory
from .conftest import ARTIFACTS


def test_a_client_fills_in_intake_on_a_phone_and_the_therapist_sees_the_red_flags(
    browser, live_server, practice
):
    ARTIFACTS.mkdir(exist_ok=True)
    owner = MembershipFactory(practice=practice).user
    _, token = IntakeLinkFactory.with_token(practice, client__first_name="Robin")

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(f"{live_server.url}/intake/{token}/")
    expect(phone.get_by_role("heading", name="Before your first visit")).to_be_visible()
    phone.get_by_label("Last name").fill("Hale")
    phone.get_by_role("textbox", name="E-mail", exact=True).fill("robin@example.com")
    phone.get_by_label("Mobile number").fill("07911 123456")
    phone.get_by_role("radio", name="Text message").check()
    phone.get_by_label("You may send me text messages").check()
    phone.locator("#id_emergency_contact_name").fill("Sam Hale")
    phone.locator("#id_emergency_contact_phone").fill("not a phone")
    phone.get_by_label("Blood clots (DVT) now or in the past").check()
    phone.get_by_label("Allergies").fill("Nut oils")
    phone.get_by_label("I agree to “Cancellations and arriving late”").check()
    phone.get_by_label("I agree to “Consent to treatment”").check()
    phone.get_by_label("Type your full name to sign").fill("Robin Hale")
    phone.get_by_role("button", name="Send my form").click()

    expect(phone.get_by_text("This does not look like a phone number")).to_be_visible()
    expect(phone.get_by_label("Type your full name to sign")).to_have_value("Robin Hale")
    phone.screenshot(path=ARTIFACTS / "intake-phone-error.png", full_page=True)
    phone.locator("#id_emergency_contact_phone").fill("07400 123456")
    phone.get_by_label("I agree to “Cancellations and arriving late”").check()
    phone.get_by_label("I agree to “Consent to treatment”").check()
    phone.get_by_role("button", name="Send my form").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()

    desk = browser.new_page()
    desk.goto(f"{live_server.url}/accounts/login/")
    desk.get_by_label("E-mail address").fill(owner.email)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.goto(f"{live_server.url}/clients/?flags=on")
    desk.get_by_role("link", name="Robin Hale").click()
    banner = desk.locator("#red-flags")
    expect(banner).to_contain_text("Blood clots (DVT)")
    expect(banner).to_contain_text("Nut oils")
    desk.screenshot(path=ARTIFACTS / "intake-therapist-red-flags.png", full_page=True)
