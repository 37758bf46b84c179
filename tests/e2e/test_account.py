from playwright.sync_api import expect

from practice.models import Practice


def test_a_therapist_signs_up_signs_out_and_signs_back_in(page, live_server, screenshot):
    page.goto(live_server.url + "/signup/")
    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Lind")
    page.get_by_label("E-mail address").fill("maya@example.com")
    page.get_by_label("Password", exact=False).first.fill("a-long-Passphrase-42")
    page.get_by_label("Password confirmation").fill("a-long-Passphrase-42")
    page.get_by_label("Practice name").fill("Calm Hands Massage")
    page.get_by_label("Time zone").select_option("Europe/Dublin")
    page.get_by_role("button", name="Create my practice").click()

    expect(page).to_have_url(live_server.url + "/dashboard/")
    expect(page.get_by_role("heading", name="Hello Maya")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Calm Hands Massage")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Settings")
    screenshot("dashboard")
    assert Practice.objects.get().time_zone == "Europe/Dublin"

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/accounts/login/")

    page.get_by_label("E-mail address").fill("MAYA@example.com")
    page.get_by_label("Password").fill("a-long-Passphrase-42")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello Maya")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto(live_server.url + "/dashboard/")
    expect(page).to_have_url(live_server.url + "/accounts/login/?next=/dashboard/")
