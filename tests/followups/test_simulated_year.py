"""A small practice lives through a year of simulated time, day by day, with the real
dispatcher running every hour; afterwards we check what the product promises clients."""

import datetime
import random
import re
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from complaints import services as complaint_services
from complaints.models import ComplaintStep, Incident
from followups import dispatch
from followups.models import FollowUp, Kind
from practice.front import metrics
from practice.models import Membership
from practice.payments import services as money
from practice.payments.models import Payment, Receipt, Refund
from sessions import services as session_services
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, ComplaintFactory, working_every_day

pytestmark = pytest.mark.slow

LONDON = zoneinfo.ZoneInfo("Europe/London")
FIRST_DAY = datetime.date(2025, 1, 6)
DAYS = 365
TICKS = range(7, 23)  # the dispatcher runs on the hour, 07:00 to 22:00
CHECKIN_LINK = re.compile(r"/checkin/([^/\s]+)/")
BOOK_LINK = re.compile(r"http://testserver(/b/[\w-]+/book/)")
SERVICE_LINK = re.compile(r'href="(/b/[\w-]+/book/[0-9a-f-]{36}/)"')
TIME_LINK = re.compile(r'href="(/b/[\w-]+/book/[0-9a-f-]{36}/confirm/)\?at=([0-9TZ:-]+)"')
OUTCOMES = [
    (Appointment.Status.COMPLETED, 80),
    (Appointment.Status.CANCELLED_CLIENT, 10),
    (Appointment.Status.LATE_CANCELLATION, 4),
    (Appointment.Status.NO_SHOW, 3),
    (Appointment.Status.CANCELLED_PRACTICE, 3),
]


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


class Year:
    """The practice's diary and what clients do, driven one hour at a time."""

    def __init__(self, practice, owner, browser):
        self.practice, self.owner, self.browser = practice, owner, browser
        self.membership = Membership.objects.get(user=owner, practice=practice)
        self.rng = random.Random(7)  # noqa: S311 - a repeatable simulation
        self.replies = {}  # token -> answer, for check-ins received
        self.read = 0  # e-mails already looked at
        self.worse_on = {}  # appointment pk -> day the client said worse
        self.withdrawn_at = None
        self.clients = []
        self.rebooked_from_links = 0
        self.waived = 0
        # A group-discount offer: three codes worth 20 each, one of them client 6's.
        self.codes = [
            v.code
            for v in money.make_vouchers(
                practice, count=3, amount=Decimal("20.00"), label="Group discount"
            )
        ]
        for n in range(8):
            person = ClientFactory(
                practice=practice,
                status=Client.Status.ACTIVE,
                first_name=f"Client{n}",
                preferred_channel="sms" if n in (1, 2) else "email",
                mobile=f"+4477009000{n:02d}",
                email_consent=n != 3,  # client 3 never agreed to e-mail
                sms_consent=True,
            )
            person.rhythm = 14 + 7 * (n % 4)
            self.clients.append(person)
            self.book(person, at(FIRST_DAY + datetime.timedelta(days=n), 9 + n))

    def book(self, person, start):
        return AppointmentFactory(practice=self.practice, client=person, start=start)

    def live(self, day):
        for hour in TICKS:
            with time_machine.travel(at(day, hour), tick=False):
                self.finish_sessions(day, hour)
                dispatch.dispatch()
                self.answer_checkins(day)
        self.come_back(day)
        if day == FIRST_DAY + datetime.timedelta(days=120):
            self.withdraw_consent(day)

    def come_back(self, day):
        """A client who cancelled and did not rebook books again after the follow-ups
        (on the 12th day); the booking stops what is left of the sequence."""
        for person in self.clients:
            last = person.appointments.order_by("-start").first()
            if last.status in Appointment.CANCELLED and last.start.astimezone(
                LONDON
            ).date() == day - datetime.timedelta(days=12):
                with time_machine.travel(at(day, 23), tick=False):
                    if not self.rebook_from_link(person):
                        self.book(
                            person,
                            at(
                                day + datetime.timedelta(days=3),
                                last.start.astimezone(LONDON).hour,
                            ),
                        )

    def rebook_from_link(self, person):
        """Tap "choose a time" in their latest e-mail of the last two weeks that has one
        and book the first free time, as a client on a phone would. False when there is
        no such e-mail (the client hears by text, or gave no consent)."""
        latest = (
            FollowUp.objects.filter(
                client=person,
                channel="email",
                status=FollowUp.Status.SENT,
                sent_at__gte=timezone.now() - datetime.timedelta(days=14),
                body__contains="/book/",
            )
            .order_by("-sent_at")
            .first()
        )
        if latest is None:
            return False
        page = self.browser.get(BOOK_LINK.search(latest.body).group(1))
        assert page.status_code == 200
        html = page.content.decode()
        if not TIME_LINK.search(html):  # more than one service: take the first
            html = self.browser.get(SERVICE_LINK.search(html).group(1)).content.decode()
        confirm, start = TIME_LINK.search(html).groups()
        done = self.browser.post(confirm, {"start": start})
        assert done.status_code == 302, done.content.decode()
        self.rebooked_from_links += 1
        return True

    def finish_sessions(self, day, hour):
        """An hour after it starts, each session is marked with what happened."""
        ended = Appointment.objects.filter(
            practice=self.practice,
            status=Appointment.Status.BOOKED,
            start__lte=at(day, hour) - datetime.timedelta(hours=1),
        )
        for appointment in ended:
            outcome = self.rng.choices(*zip(*OUTCOMES, strict=True))[0]
            session_services.change_status(appointment, outcome, by=self.owner)
            person = next(c for c in self.clients if c.pk == appointment.client_id)
            self.take_money(appointment, person)
            if outcome in Appointment.CANCELLED and self.rng.random() < 0.5:
                days = 2  # rebooks straight away
            elif outcome in Appointment.CANCELLED:
                continue  # the cancellation follow-ups have to bring them back
            else:
                days = person.rhythm
            next_day = appointment.start.astimezone(LONDON).date() + datetime.timedelta(days)
            self.book(person, at(next_day, appointment.start.astimezone(LONDON).hour))

    def take_money(self, appointment, person):
        """What the therapist records after the session: most pay by cash or card (some
        with a tip), client 5 by a package of five bought at the first visit, client 6
        first with a group-discount code; a few are left owed. A missed session owes the
        policy's fee: every other one is waived, the rest paid."""
        appointment.refresh_from_db()
        if appointment.status in Appointment.CANCELLED and not hasattr(appointment, "fee"):
            return
        [session] = money.paid_for(Appointment.objects.filter(pk=appointment.pk))
        if appointment.status != Appointment.Status.COMPLETED:
            self.waived += 1
            if self.waived % 2:
                money.waive_fee(appointment.fee, by=self.owner, reason="First time")
            else:
                money.record_payment(
                    person, by=self.owner, amounts={session: session.owed}, method="card"
                )
            return
        index = self.clients.index(person)
        if index == 5:
            usable = [p for p in money.packages_of(person) if money.usable_for(p, session)]
            if not usable:
                package, _ = money.sell_package(
                    person,
                    by=self.owner,
                    service=None,
                    sessions=5,
                    price=session.price * 5 * Decimal("0.9"),
                    method="card",
                )
                usable = [p for p in money.packages_of(person) if p.pk == package.pk]
            Appointment.objects.filter(pk=session.pk).update(unpaid=True)
            money.use_package(usable[0], session, by=self.owner)
        elif index == 6 and self.codes:
            code = self.codes.pop()
            money.pay_with_voucher(
                person, by=self.owner, code=code, amounts={session: Decimal("20.00")}
            )
            [rest] = money.paid_for(Appointment.objects.filter(pk=session.pk))
            money.record_payment(person, by=self.owner, amounts={rest: rest.owed}, method="cash")
        elif self.rng.random() < 0.05:
            Appointment.objects.filter(pk=session.pk).update(unpaid=True)  # owed
        else:
            tip = Decimal("5.00") if self.rng.random() < 0.2 else Decimal("0.00")
            method = self.rng.choice(["cash", "card", "transfer"])
            money.record_payment(
                person, by=self.owner, amounts={session: session.owed}, method=method, tip=tip
            )

    def answer_checkins(self, day):
        """Clients answer the check-in e-mails they got, mostly at once."""
        fresh, self.read = mail.outbox[self.read :], len(mail.outbox)
        for message in fresh:
            found = CHECKIN_LINK.search(message.body)
            if not found or found.group(1) in self.replies:
                continue
            token = found.group(1)
            answer = "worse" if self.rng.random() < 0.1 else "better"
            self.replies[token] = answer
            response = self.browser.post(
                reverse("checkin_reply", args=[token]), {"answer": answer, "comment": "Sore"}
            )
            assert response.status_code == 200
            if answer == "worse":
                checkin = Incident.objects.order_by("-pk").first().checkin
                self.worse_on[checkin.appointment_id] = day

    def withdraw_consent(self, day):
        person = self.clients[0]
        with time_machine.travel(at(day, 23), tick=False):
            person.refresh_from_db()
            person.record_consent("email", False, "asked by phone", by=self.owner)
            self.withdrawn_at = timezone.now()


@pytest.fixture
def year(practice, owner, client, settings):
    settings.QUIET_HOURS = (20, 9)
    settings.SITE_URL = "http://testserver"
    practice.time_zone = "Europe/London"
    practice.online_booking = True
    practice.no_show_fee = Decimal("35.00")
    practice.late_cancellation_fee = Decimal("20.00")
    practice.save()
    working_every_day(practice, owner, starts=8, ends=21)
    with time_machine.travel(at(FIRST_DAY - datetime.timedelta(days=1), 12), tick=False):
        simulation = Year(practice, owner, client)
    complaints = []
    for offset in range(DAYS):
        day = FIRST_DAY + datetime.timedelta(days=offset)
        if offset in (40, 200):  # a complaint comes in by phone at noon
            with time_machine.travel(at(day, 12), tick=False):
                complaints.append(
                    ComplaintFactory(
                        practice=practice, client=simulation.clients[4], received_at=at(day, 12)
                    )
                )
        if offset == 41:  # the first one is answered the next morning
            with time_machine.travel(at(day, 9, 30), tick=False):
                complaint_services.record_step(
                    complaints[0], ComplaintStep.Step.LISTENED, owner, note="Called back"
                )
        if offset == 45:  # and settled with part of the last payment given back
            with time_machine.travel(at(day, 10), tick=False):
                latest = Payment.objects.filter(client=complaints[0].client).first()
                money.refund(
                    latest,
                    by=owner,
                    amount=Decimal("15.00"),
                    reason="Agreed",
                    complaint=complaints[0],
                )
        if offset == 150:  # a receipt made out wrongly is cancelled, and the payment taken again
            with time_machine.travel(at(day, 18), tick=False):
                wrong = Receipt.objects.filter(
                    payment__client=simulation.clients[7], kind="receipt", payment__voided_at=None
                ).first()
                money.cancel_receipt(wrong, by=owner, reason="Wrong client")
                sessions = [item.appointment for item in wrong.payment.items.all()]
                again = money.paid_for(Appointment.objects.filter(pk__in=[s.pk for s in sessions]))
                money.record_payment(
                    simulation.clients[7],
                    by=owner,
                    amounts={s: s.owed for s in again},
                    method="cash",
                )
        simulation.live(day)
    simulation.complaints = complaints
    return simulation


def test_a_year_of_follow_ups_keeps_every_promise(year, practice, owner_client):
    sent = FollowUp.objects.filter(practice=practice, status=FollowUp.Status.SENT)
    completed = Appointment.objects.filter(
        practice=practice, status=Appointment.Status.COMPLETED
    ).select_related("client")
    assert completed.count() > 100, "the year had a real diary"

    # Every completed session whose client may be contacted got its check-in within a day.
    for appointment in completed:
        checkin = sent.filter(kind=Kind.CHECKIN, appointment=appointment)
        channel_allowed = appointment.client.has_consent(appointment.client.preferred_channel)
        if not channel_allowed or appointment.start > at(FIRST_DAY, 0) + datetime.timedelta(
            days=DAYS - 2
        ):
            continue
        [message] = checkin
        assert message.sent_at - appointment.end <= datetime.timedelta(hours=24), appointment

    # Texts never went out during quiet hours (20:00-09:00, the practice's time).
    for message in sent.filter(channel="sms"):
        assert 9 <= message.sent_at.astimezone(LONDON).hour < 20, message

    # Every cancellation by the client got its follow-up sequence or a new booking.
    cancelled = Appointment.objects.filter(
        practice=practice,
        status__in=[Appointment.Status.CANCELLED_CLIENT, Appointment.Status.LATE_CANCELLATION],
        start__lt=at(FIRST_DAY, 0) + datetime.timedelta(days=DAYS - 1),
    )
    assert cancelled.exists()
    for appointment in cancelled:
        rebooked = Appointment.objects.filter(
            client=appointment.client, start__gt=appointment.start
        ).exists()
        first_step = FollowUp.objects.filter(
            appointment=appointment, kind=Kind.CANCELLATION, step=0
        ).first()
        assert rebooked or (first_step and first_step.status in ("sent", "skipped")), appointment

    # Every "worse" reply opened an incident the same day.
    assert year.worse_on, "some clients felt worse"
    for appointment_pk, day in year.worse_on.items():
        incident = Incident.objects.get(checkin__appointment_id=appointment_pk)
        assert incident.reported_at.astimezone(LONDON).date() == day

    # Nothing was sent twice, and nothing went by a channel the client had not agreed to.
    keys = list(sent.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    message_ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(message_ids) == len(set(message_ids))
    never_agreed = year.clients[3]
    assert not [m for m in mail.outbox if never_agreed.email in m.to]
    withdrew = year.clients[0]
    assert not sent.filter(client=withdrew, channel="email", sent_at__gt=year.withdrawn_at)
    assert sent.filter(client=withdrew, channel="email", sent_at__lt=year.withdrawn_at)

    # Clients came back from the links in their messages, and the dashboard credits each
    # booking once, to the latest message sent to that client in the 14 days before it.
    assert year.rebooked_from_links >= 3
    assert Appointment.objects.filter(booked_via=Appointment.Via.PERSONAL_LINK).count() == (
        year.rebooked_from_links
    )
    end = at(FIRST_DAY, 23) + datetime.timedelta(days=DAYS - 1)
    expected, paid_part = {}, Decimal("0.00")
    valued = money.money_paid(Appointment.objects.filter(practice=practice))
    for appointment in valued.filter(start__gt=F("created_at")):
        if appointment.status not in metrics.NOT_CANCELLED:
            continue
        if appointment.created_at < end - metrics.YEAR:
            continue
        before = [
            message
            for message in sent.filter(client=appointment.client, kind__in=metrics.BRINGING_KINDS)
            if appointment.created_at - datetime.timedelta(days=14)
            <= message.sent_at
            < appointment.created_at
        ]
        if before:
            latest = max(before, key=lambda message: (message.sent_at, message.pk))
            bookings, revenue = expected.get(latest.kind, (0, 0))
            # Its value: the money paid for it where recorded, else its price.
            known = appointment.money is not None
            value = appointment.money if known else appointment.price
            paid_part += appointment.money or 0
            expected[latest.kind] = (bookings + 1, revenue + value)
    figure = metrics.brought_back(practice, end)
    credited = {
        row["kind"]: (row["bookings"], row["revenue"]) for row in figure["rows"] if row["bookings"]
    }
    assert credited == expected
    assert figure["paid"] == paid_part and 0 < paid_part < figure["revenue"]
    assert expected.get(Kind.CANCELLATION, (0, 0))[0] >= year.rebooked_from_links
    with time_machine.travel(end, tick=False):
        page = owner_client.get(reverse("dashboard")).content.decode()
    assert "What the follow-ups brought back" in page
    assert f"<strong>{figure['bookings']} bookings</strong>" in page

    # Money reconciles: what was paid less what was given back is the dashboard's figure
    # and the sum of every receipt and credit note; each payment has its receipt.
    payments = Payment.objects.filter(practice=practice)
    paid = sum(p.amount for p in payments.filter(voided_at=None))
    given_back = sum(r.amount for r in Refund.objects.filter(practice=practice))
    receipts = Receipt.objects.filter(practice=practice)
    assert given_back == Decimal("15.00") and paid > 1000
    assert sum(r.amount for r in receipts) == paid - given_back
    assert all(payment.receipts.filter(kind="receipt").exists() for payment in payments)
    numbers = sorted(receipts.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    with time_machine.travel(end, tick=False):
        takings = money.takings(practice, end)
        assert takings["net"] == paid - given_back
        assert (
            takings["owed"] == sum(s.owed for c in year.clients for s in money.owed_sessions(c)) > 0
        )
        page = owner_client.get(reverse("dashboard")).content.decode()
    net = f"£{takings['net']:,.2f}"
    assert f"Paid in the last 12 months: <strong>{net}</strong>" in page
    # A package of five, a group-discount code, fees both waived and paid were in the year.
    assert Payment.objects.filter(practice=practice, package__isnull=False).count() >= 2
    assert Payment.objects.filter(practice=practice, method="voucher").count() == 3
    fees = [a.fee for a in Appointment.objects.filter(practice=practice, fee__isnull=False)]
    assert any(f.waived_at for f in fees) and any(not f.waived_at for f in fees)

    # The complaint nobody acknowledged shows as overdue on the dashboard.
    answered, ignored = year.complaints
    answered.refresh_from_db()
    assert answered.acknowledged_at is not None
    ignored.refresh_from_db()
    assert ignored.acknowledged_at is None
    assert ignored.is_overdue(now=ignored.received_at + datetime.timedelta(hours=25))
    with time_machine.travel(ignored.received_at + datetime.timedelta(hours=25), tick=False):
        page = owner_client.get(reverse("dashboard")).content.decode()
    assert "overdue" in page.lower()
