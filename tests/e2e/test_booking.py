import re

from django.core import mail
from playwright.sync_api import expect

from followups import dispatch
from practice import dates
from sessions.models import Appointment, Service

from ..factories import PASSWORD, MembershipFactory, working_every_day
from .conftest import ARTIFACTS

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


def test_a_client_books_on_a_phone_moves_it_from_the_e_mail_and_the_therapist_sees_it(
    browser, live_server, practice, settings
):
    ARTIFACTS.mkdir(exist_ok=True)
    settings.SITE_URL = live_server.url
    owner = MembershipFactory(practice=practice, role="owner").user
    practice.online_booking = True
    practice.phone = "01234 567890"
    practice.save()
    working_every_day(practice, owner, starts=8, ends=20)
    Service.objects.filter(practice=practice).update(
        bookable_online=True, min_notice_hours=30, horizon_days=14
    )

    phone = browser.new_page(**PHONE)
    phone.goto(f"{live_server.url}/p/{practice.slug}/book/")
    phone.get_by_role("link", name=re.compile("Massage, 60 minutes")).click()
    expect(phone.get_by_role("heading", name="Choose a time")).to_be_visible()
    phone.screenshot(path=ARTIFACTS / "booking-phone-times.png", full_page=True)
    phone.locator("a.time-choice").first.click()

    phone.get_by_label("First name").fill("Jo")
    phone.get_by_label("Last name").fill("Rivers")
    phone.get_by_role("textbox", name="E-mail").fill("jo.rivers@example.com")
    phone.get_by_label("Mobile number").fill("12")
    phone.get_by_role("button", name=re.compile("Book")).click()
    expect(phone.get_by_text("This does not look like a phone number")).to_be_visible()
    expect(phone.get_by_label("Last name")).to_have_value("Rivers")
    phone.get_by_label("Mobile number").fill("07911 123456")
    phone.get_by_role("button", name=re.compile("Book")).click()
    expect(phone.get_by_role("heading", name="Almost done: check your e-mail")).to_be_visible()
    phone.screenshot(path=ARTIFACTS / "booking-phone-check-your-email.png", full_page=True)
    assert not Appointment.objects.exists()  # nothing is booked before the link is used

    dispatch.dispatch()
    ask = next(m for m in mail.outbox if m.subject.startswith("Confirm your massage"))
    phone.goto(re.search(r"(http://\S+/h/[\w-]+/)", ask.body).group(1))
    phone.screenshot(path=ARTIFACTS / "booking-phone-confirm.png", full_page=True)
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_role("heading", name="You are booked")).to_be_visible()
    phone.screenshot(path=ARTIFACTS / "booking-phone-booked.png", full_page=True)

    dispatch.dispatch()
    confirmation = next(m for m in mail.outbox if m.subject.startswith("Booked: your massage"))
    assert confirmation.attachments[0][0] == "massage.ics"
    link = re.search(r"(http://\S+/b/[\w-]+/)", confirmation.body).group(1)
    first = Appointment.objects.get(client__email="jo.rivers@example.com")

    phone.goto(link)
    expect(phone.get_by_role("heading", name="Hello Jo")).to_be_visible()
    phone.get_by_role("link", name="Move").click()
    expect(phone.get_by_role("heading", name="Move your session")).to_be_visible()
    phone.locator("a.time-choice").last.click()
    phone.screenshot(path=ARTIFACTS / "booking-phone-move.png", full_page=True)
    phone.get_by_role("button", name="Move it").click()
    expect(phone.get_by_text(re.compile("^Moved to "))).to_be_visible()
    phone.screenshot(path=ARTIFACTS / "booking-phone-moved.png", full_page=True)

    moved = Appointment.objects.get(pk=first.pk)
    assert moved.start > first.start
    local = dates.local(moved.start, practice)

    desk = browser.new_page()
    desk.goto(f"{live_server.url}/accounts/login/")
    desk.get_by_label("E-mail address").fill(owner.email)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.goto(f"{live_server.url}/sessions/?date={local:%Y-%m-%d}")
    expect(desk.get_by_text("Jo Rivers")).to_be_visible()
    expect(desk.get_by_text("booked by the client")).to_be_visible()
    expect(desk.get_by_text(f"{local:%H:%M}", exact=True)).to_be_visible()
    desk.screenshot(path=ARTIFACTS / "booking-therapist-day.png", full_page=True)
