"""axe-core (vendored from npm) in Chromium over the pages people use every day: no serious or
critical violation on any of them, for the therapist and for the client on a phone."""

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone

from complaints.models import Complaint
from followups.models import CheckIn
from practice.payments.models import StripeAccount
from practice.tooling import seeding
from sessions import booking
from sessions.models import Appointment

from ..factories import CheckInFactory, IntakeLinkFactory, MembershipFactory
from .conftest import ARTIFACTS
from .test_session_note import sign_in

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def violations(page):
    """The serious and critical axe-core findings on the page, in a form that reads."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "where": [node["target"] + [node.get("failureSummary", "")] for node in v["nodes"]],
        }
        for v in found
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def seeded(practice):
    membership = MembershipFactory(practice=practice)
    seeding.fill(membership, clients=12, years=1)
    return membership


def owner_pages(practice):
    done = Appointment.objects.filter(practice=practice, status="completed").latest("start")
    client = done.client
    Appointment.objects.filter(pk=done.pk).update(unpaid=True)  # owed: the payment form shows
    complaint = Complaint.objects.filter(practice=practice).first()
    pages = {
        "dashboard": "/",
        "client list": "/clients/",
        "client page": f"/clients/{client.public_id}/",
        "session page": f"/sessions/{done.public_id}/",
        "note form": f"/sessions/{done.public_id}/note/",
        "day": f"/sessions/?date={timezone.localdate(done.start):%Y-%m-%d}",
        "follow-ups": "/followups/",
        "to-do list": "/followups/todo/",
        "follow-up wording": "/followups/rules/checkin/",
        "complaints": "/complaints/",
        "referrals": "/practice/referrals/",
        "settings": "/practice/settings/",
        "intake form builder": "/practice/settings/intake-form/",
        "intake form preview": "/practice/settings/intake-form/preview/",
        "note template": f"/sessions/services/{done.service.public_id}/note-template/",
        "payments": "/payments/",
        "client payments": f"/payments/clients/{client.public_id}/",
        "gift cards and vouchers": "/payments/vouchers/",
        "sell a package": f"/payments/clients/{client.public_id}/package/",
        "online payments": "/payments/online/",
    }
    if complaint:
        pages["complaint page"] = f"/complaints/{complaint.public_id}/"
    return pages


def test_the_main_pages_have_no_serious_or_critical_violations(
    page, browser, live_server, practice, seeded
):
    ARTIFACTS.mkdir(exist_ok=True)
    found = {}

    page.goto(f"{live_server.url}/accounts/login/")
    found["sign-in"] = violations(page)
    sign_in(page, live_server, seeded.user)
    page.set_viewport_size({"width": 1200, "height": 900})
    for name, path in owner_pages(practice).items():
        page.goto(live_server.url + path)
        assert page.title(), name
        found[name] = violations(page)

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    _, checkin_token = CheckInFactory.with_token(
        practice,
        appointment__start=timezone.now() - datetime.timedelta(days=1),
    )
    phone.goto(f"{live_server.url}/checkin/{checkin_token}/")
    found["check-in (phone)"] = violations(phone)
    phone.screenshot(path=ARTIFACTS / "checkin-phone.png", full_page=True)
    _, intake_token = IntakeLinkFactory.with_token(practice)
    phone.goto(f"{live_server.url}/intake/{intake_token}/")
    found["intake form (phone)"] = violations(phone)
    phone.goto(f"{live_server.url}/hc/{intake_token}/")
    found["has anything changed (phone)"] = violations(phone)
    phone.screenshot(path=ARTIFACTS / "health-check-phone.png", full_page=True)
    # The client's pages for paying online, where the practice takes cards.
    practice.online_booking, practice.no_show_fee = True, 35
    practice.save()
    StripeAccount.objects.create(
        practice=practice, secret_key="sk_test_a11y", webhook_secret="whsec_a", save_cards=True
    )
    token = booking.issue_link(Appointment.objects.filter(practice=practice, unpaid=True)[0].client)
    for name, path in [("pay what is owed", "pay"), ("save a card", "card")]:
        phone.goto(f"{live_server.url}/b/{token}/{path}/")
        found[f"{name} (phone)"] = violations(phone)

    failing = {name: problems for name, problems in found.items() if problems}
    assert CheckIn.objects.exists()
    assert not failing, json.dumps(failing, indent=1, ensure_ascii=False)
