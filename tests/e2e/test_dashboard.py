import datetime

from django.utils import timezone
from playwright.sync_api import expect

from ..factories import (
    AppointmentFactory,
    CheckInFactory,
    ClientFactory,
    ComplaintFactory,
    MembershipFactory,
)
from .conftest import ARTIFACTS
from .test_session_note import sign_in


def test_the_dashboard_of_a_busy_practice(page, live_server, practice):
    ARTIFACTS.mkdir(exist_ok=True)
    owner = MembershipFactory(practice=practice).user
    now = timezone.now()
    today = ClientFactory(
        practice=practice,
        first_name="Ada",
        last_name="Today",
        red_flags=["pregnancy"],
        has_red_flags=True,
    )
    AppointmentFactory(client=today, start=now + datetime.timedelta(hours=1))
    lapsed = ClientFactory(
        practice=practice, first_name="Lee", last_name="Lapsed", status="active", source="promotion"
    )
    visits = [
        AppointmentFactory(
            client=lapsed, start=now - datetime.timedelta(weeks=weeks), status="completed", price=60
        )
        for weeks in (9, 13, 17, 21)
    ]  # every 4 weeks, last seen 9 weeks ago: slipping away
    CheckInFactory(
        appointment=visits[0], answer="worse", comment="Sore back", answered_at=now, rating=2
    )
    ComplaintFactory(client=lapsed, received_at=now - datetime.timedelta(hours=30))
    sign_in(page, live_server, owner)
    page.set_viewport_size({"width": 1200, "height": 900})

    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    expect(page.locator("section", has_text="Today").get_by_text("Ada Today")).to_be_visible()
    attention = page.locator("#attention")
    expect(attention).to_contain_text("Lee Lapsed feels worse")
    expect(attention).to_contain_text("not acknowledged for 1")
    slipping = page.locator("section", has=page.get_by_role("heading", name="Slipping away"))
    expect(slipping).to_contain_text("Lee Lapsed")
    expect(slipping).to_contain_text("usually every 28 days")
    expect(page.locator("#retention")).to_contain_text("average session rating")
    expect(page.get_by_role("img", name="Visits (bars)")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)

    # htmx: "I have called them" removes the alert without reloading the page.
    page.get_by_role("button", name="I have called them").click()
    expect(attention).not_to_contain_text("feels worse")
