from playwright.sync_api import expect

from sessions.models import SessionNote

from ..factories import PASSWORD, AppointmentFactory, ClientFactory, MembershipFactory
from .conftest import ARTIFACTS


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_therapist_writes_a_note_with_the_body_map_signs_and_amends_it(
    page, live_server, practice
):
    ARTIFACTS.mkdir(exist_ok=True)
    owner = MembershipFactory(practice=practice).user
    client = ClientFactory(
        practice=practice,
        first_name="Robin",
        last_name="Hale",
        red_flags=["blood_thinners"],
        has_red_flags=True,
    )
    appointment = AppointmentFactory(client=client)
    sign_in(page, live_server, owner)

    page.goto(f"{live_server.url}/sessions/{appointment.public_id}/")
    page.get_by_role("button", name="Completed").click()
    expect(page.get_by_text("Marked completed")).to_be_visible()
    page.get_by_role("link", name="Write the note").click()

    expect(page.locator("#red-flags")).to_contain_text("Taking blood thinners")
    page.get_by_label("What the client reports").fill("Sharp pain in the lower back after a run.")
    page.get_by_label("Assessment").fill("Lumbar tension, left more than right.")
    page.get_by_label("Deep tissue").check()
    page.get_by_label("Pressure checked with the client").check()
    page.get_by_label("Consent to treatment confirmed").check()
    # Tap the lower back on the back figure, then the right calf: two area rows fill in.
    page.locator('svg[data-aspect="back"] [data-region="lower_back"]').click()
    page.locator("#id_areas-0-pressure").fill("4")
    warning = page.locator("#pain-warning")
    expect(warning).to_be_hidden()
    page.locator("#id_areas-0-max_pain").fill("8")
    # The warning shows while the figure is typed, before anything is saved.
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Pain of 8/10 reaches your threshold")
    page.locator('svg[data-aspect="back"] [data-region="calf"][data-side="right"]').click()
    expect(page.locator("#id_areas-1-region")).to_have_value("calf")
    expect(page.locator("#id_areas-1-side")).to_have_value("right")
    page.locator("#id_areas-1-pressure").fill("2")
    page.locator("#id_areas-1-max_pain").fill("3")
    page.screenshot(path=ARTIFACTS / "note-form.png", full_page=True)
    page.get_by_role("button", name="Save the note").click()

    expect(page.get_by_text("Pain reached 8/10")).to_have_count(2)  # message and note
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_text("write why before signing").first).to_be_visible()

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Why the pain reached the threshold").fill(
        "Client asked for firmer work on the lower back; stopped at 8 and eased off."
    )
    page.get_by_role("button", name="Save the note").click()
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_text("Signed. The note is now locked")).to_be_visible()
    expect(page.locator("#note-integrity")).to_contain_text("matches its signature")

    page.get_by_role("link", name="Amend").click()
    page.get_by_label("Why are you changing this signed note?").fill("Typed the wrong pressure.")
    page.locator("#id_areas-1-pressure").fill("3")
    page.get_by_role("button", name="Save the amendment").click()
    expect(page.get_by_text("Amendment saved")).to_be_visible()
    amendments = page.get_by_role("heading", name="Amendments")
    expect(amendments).to_be_visible()
    expect(page.get_by_text("pressure 2/5")).to_be_visible()
    expect(page.locator("#note-integrity")).to_contain_text("matches its signature")
    page.screenshot(path=ARTIFACTS / "note-signed-amended.png", full_page=True)

    note = SessionNote.objects.get()
    assert note.pain_flagged and note.verify()
    assert note.amendments.get().changes[0]["field"] == "areas"
