"""Realistic practice data, made quickly with bulk inserts: the demo, the benchmarks and
the query-budget tests all use it.

Each client gets their own rhythm (every 2 to 8 weeks), a first and a last visit inside
the seeded years, intake answers, sessions that were mostly kept and sometimes cancelled or
missed, signed notes with areas and ratings, the messages that went with them in every
state, check-in answers, and now and then a complaint or an incident. A random seed makes
the same data every time.
"""

import datetime
import hashlib
import random
import secrets
import zoneinfo
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope

from clients import agreements
from clients.models import Client, IntakeFormVersion, IntakeSubmission
from complaints.models import Complaint, ComplaintStep, Incident
from followups.models import CheckIn, FollowUp, Kind
from practice.models import Membership, Practice
from practice.payments import services as money
from practice.payments.models import Payment
from sessions import body
from sessions.models import Appointment, NoteArea, Service, SessionNote, Technique, WorkingHours
from sessions.services import current_transaction

BATCH = 2000
# Payments are recorded here for the sessions of the last two weeks, each with its receipt
# rendered as the app renders it (about 50 ms each: a longer stretch would make seeding a
# large practice take many minutes). Earlier sessions were paid before the app took money.
MONEY_DAYS = 14
TWO_DAYS = datetime.timedelta(days=2)

FIRST_NAMES = [
    "Ada",
    "Alex",
    "Amira",
    "Ben",
    "Bea",
    "Cara",
    "Chen",
    "Dara",
    "Eli",
    "Esme",
    "Farah",
    "Finn",
    "Gita",
    "Hana",
    "Ivo",
    "Jade",
    "Jonah",
    "Kai",
    "Lena",
    "Leo",
    "Maya",
    "Milo",
    "Nadia",
    "Noor",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Sofia",
    "Tariq",
    "Uma",
    "Vera",
    "Wes",
    "Yara",
    "Zane",
    "Ines",
    "Luca",
    "Mei",
    "Ravi",
]
LAST_NAMES = [
    "Abbott",
    "Baker",
    "Chowdhury",
    "Dimitrov",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Underwood",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zhou",
    "Achebe",
    "Brennan",
    "Costa",
    "Duarte",
]
COMPLAINTS = [
    "Lower back stiffness after long days at the desk.",
    "Neck and shoulder tension, worse when stressed.",
    "Tight calves from running three times a week.",
    "Headaches that start at the base of the skull.",
    "Hip ache on the left after gardening.",
]
ASSESSMENTS = [
    "Hypertonic upper trapezius both sides; eased with sustained pressure.",
    "Lumbar paraspinals tight, more on the right; good response to myofascial work.",
    "Trigger points in the gastrocnemius; range improved after the session.",
    "Suboccipital tension; headache eased by the end of the session.",
    "Gluteal tension on the left; stretching advised.",
]
HOME_CARE = [
    "Heat for 15 minutes in the evening; gentle neck stretches.",
    "Stretch calves after each run; drink water.",
    "Take breaks from the desk every hour.",
    "Foam roller on the thighs twice a week.",
]
TECHNIQUE_MIX = [("Swedish",), ("Deep tissue", "Trigger point"), ("Myofascial release",)]
CONDITIONS = [
    "high_blood_pressure",
    "pregnancy",
    "diabetes",
    "recent_injury",
    "blood_clots",
    "blood_thinners",
]


# Regions drawn on the back figure; the others (chest, abdomen, shin ...) only on the front.
ON_THE_BACK = {shape["region"] for shape in body.shapes("back")}


@dataclass
class Seeded:
    practices: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    logins: list = field(default_factory=list)  # (practice, e-mail, password) made here

    def add(self, name, number):
        self.counts[name] = self.counts.get(name, 0) + number


def seed_practices(number, *, clients, years, owner=None, seed=2026, today=None):
    """Create `number` practices with `clients` clients each; return what was made."""
    from practice.models import User
    from practice.services import create_practice

    result = Seeded()
    for index in range(number):
        user, password = owner, None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(
                f"seed-owner-{secrets.token_hex(4)}@example.com",
                password,
                first_name="Seed",
                last_name="Owner",
            )
        membership = create_practice(
            user, name=f"Seeded practice {index + 1}", time_zone="Europe/London"
        )
        if password:
            result.logins.append((membership.practice, user.email, password))
        fill(membership, clients=clients, years=years, seed=seed + index, today=today, into=result)
    return result


def fill(membership, *, clients, years, seed=2026, today=None, into=None):
    """Add seeded clients and their history to an existing practice."""
    result = into or Seeded()
    rng = random.Random(seed)  # noqa: S311 - made-up data, repeatable on purpose
    with scope(practice=membership.practice), transaction.atomic():
        ignore_no_trigger_quickly()
        _Seeder(membership, rng, today or timezone.now(), years, result).run(clients)
    result.practices.append(membership.practice)
    return result


def ignore_no_trigger_quickly():
    """Every django-pgtrigger trigger first reads the `pgtrigger.ignore` setting, inside an
    exception block; unset, the read fails and PostgreSQL rolls back a subtransaction, and
    each such rollback walks the whole list of checks deferred to the commit. Signed notes'
    areas and techniques are such checks, so a large seed spent its commit in that walk
    (quadratic: over 16 minutes for 5,000 clients). Set for this transaction to ignore no
    trigger, the read succeeds: every trigger still runs."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


class _Seeder:
    def __init__(self, membership, rng, now, years, result):
        self.practice: Practice = membership.practice
        self.owner = membership.user
        self.rng = rng
        self.now = now
        self.zone = zoneinfo.ZoneInfo(self.practice.time_zone)
        self.start = now - datetime.timedelta(days=int(365 * years))
        self.result = result
        # Who drifts away draws from a sequence of its own, so the rest of the made-up
        # history stays what it was for the same seed.
        self.story = random.Random(f"story-{rng.getstate()[1][0]}")  # noqa: S311
        self.services = list(Service.objects.filter(practice=self.practice, active=True))
        self.techniques = {t.name: t for t in Technique.objects.filter(practice=self.practice)}

    def run(self, number):
        people = self.clients(number)
        self.intakes(people)
        appointments = self.appointments(people)
        completed = [a for a in appointments if a.status == Appointment.Status.COMPLETED]
        self.notes(completed)
        checkins = self.checkins(completed)
        self.followups(appointments)
        self.complaints_and_incidents(people, completed, checkins)
        self.recent_trouble(completed, checkins)
        self.money(appointments)

    # --- Clients and intake -----------------------------------------------------------

    def clients(self, number):
        rng = self.rng
        people = []
        for n in range(number):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            status = rng.choices(
                [
                    Client.Status.ACTIVE,
                    Client.Status.INACTIVE,
                    Client.Status.PROSPECT,
                    Client.Status.MOVED_ON,
                ],
                weights=[70, 17, 9, 4],
            )[0]
            flags = [rng.choice(CONDITIONS)] if rng.random() < 0.1 else []
            people.append(
                Client(
                    practice=self.practice,
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}.{n}@example.com".lower(),
                    mobile=f"+4477{rng.randrange(10**8):08d}",
                    date_of_birth=datetime.date(rng.randint(1945, 2004), rng.randint(1, 12), 1),
                    emergency_contact_name=f"{rng.choice(FIRST_NAMES)} {last}",
                    emergency_contact_phone=f"+4477{rng.randrange(10**8):08d}",
                    preferred_channel=rng.choice(["email", "sms"]),
                    email_consent=rng.random() < 0.85,
                    sms_consent=rng.random() < 0.6,
                    source=rng.choice([s for s, _ in Client.Source.choices]),
                    status=status,
                    red_flags=flags,
                    has_red_flags=bool(flags),
                    intake_completed_at=None if status == Client.Status.PROSPECT else self.now,
                )
            )
        Client.objects.bulk_create(people, batch_size=BATCH)
        # The first visit and the rhythm are drawn now; created_at follows the first visit.
        for person in people:
            span = (self.now - self.start).days
            person.rhythm = rng.randint(14, 56)
            person.first_visit = self.start + datetime.timedelta(days=rng.randrange(span))
            person.created_at = person.first_visit - datetime.timedelta(days=rng.randint(1, 10))
            if person.status == Client.Status.PROSPECT:
                person.first_visit = None
            elif person.intake_completed_at:
                person.intake_completed_at = person.created_at
            person.health_checked_at = person.intake_completed_at  # the form was the check
        Client.objects.bulk_update(
            people, ["created_at", "intake_completed_at", "health_checked_at"], batch_size=BATCH
        )
        self.result.add("clients", len(people))
        return people

    def intakes(self, people):
        submissions = []
        form = IntakeFormVersion.current(self.practice)  # the form they answered
        for person in people:
            answers = {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "mobile": person.mobile,
                "conditions": person.red_flags,
                "pain_area_1": self.rng.choice(["Lower back", "Neck", "Shoulders", "Calves"]),
                "pain_level_1": self.rng.randint(2, 8),
                "main_concern": self.rng.choice(COMPLAINTS),
                "medications": "Warfarin" if "blood_thinners" in person.red_flags else "",
                "allergies": self.rng.choice(["", "", "", "Nut oils", "Lanolin"]),
                # What every real form asks for before it can be sent.
                "agreements": [agreements.TREATMENT, agreements.CANCELLATIONS],
            }
            submissions.append(
                IntakeSubmission(
                    practice=self.practice,
                    client=person,
                    version=1,
                    form_version=form,
                    via=IntakeSubmission.Via.LINK,
                    answers=answers,
                    submitted_at=person.created_at,
                    signed_name=person.full_name,
                    nonce=secrets.token_hex(16),
                    applied=True,
                )
            )
        IntakeSubmission.objects.bulk_create(submissions, batch_size=BATCH)
        self.result.add("intake submissions", len(submissions))

    # --- Sessions and notes -----------------------------------------------------------

    def appointments(self, people):
        rng, made = self.rng, []
        weights = {
            Appointment.Status.COMPLETED: 88,
            Appointment.Status.CANCELLED_CLIENT: 6,
            Appointment.Status.LATE_CANCELLATION: 2,
            Appointment.Status.CANCELLED_PRACTICE: 1,
            Appointment.Status.NO_SHOW: 3,
        }
        statuses, chances = list(weights), list(weights.values())
        drifting = {p.pk for p in self.drifting(people)}
        for person in people:
            if person.first_visit is None:
                continue
            stops = person.status in (Client.Status.INACTIVE, Client.Status.MOVED_ON)
            last = self.now
            if stops:
                last = person.first_visit + (self.now - person.first_visit) * rng.uniform(0.2, 0.9)
            elif person.pk in drifting:  # still a client, but has not come for a while
                stops = True
                away = person.rhythm * self.story.uniform(2.2, 3.2)
                last = self.now - datetime.timedelta(days=away)
            day = person.first_visit
            while True:
                start = self.at_hour(day)
                if start > last:
                    if not stops and start < self.now + datetime.timedelta(days=60):
                        made.append(self.appointment(person, start, Appointment.Status.BOOKED))
                    break
                status = rng.choices(statuses, chances)[0]
                made.append(self.appointment(person, start, status))
                day += datetime.timedelta(days=person.rhythm + rng.randint(-4, 4))
        # A few sessions of the last month not paid yet, drawn apart from the rest of the
        # history (which stays as it was for the same seed): the payments page's "owed".
        unpaid = random.Random(f"unpaid-{self.rng.getstate()[1][0]}")  # noqa: S311
        month_ago = self.now - datetime.timedelta(days=30)
        for appointment in made:
            done = appointment.status == Appointment.Status.COMPLETED
            if done and month_ago < appointment.start < self.now and unpaid.random() < 0.08:
                appointment.unpaid = True
        Appointment.objects.bulk_create(made, batch_size=BATCH)
        self.result.add("appointments", len(made))
        return made

    def drifting(self, people, share=0.12, at_least=2):
        """Active clients who quietly stop coming: the dashboard's "slipping away". Only
        clients with a few visits behind them, so that they have a rhythm to miss."""
        settled = [
            p
            for p in people
            if p.status == Client.Status.ACTIVE
            and p.first_visit is not None
            and (self.now - p.first_visit).days > p.rhythm * 6
        ]
        chosen = [p for p in settled if self.story.random() < share]
        return chosen if len(chosen) >= at_least else settled[:at_least]

    def at_hour(self, moment):
        local = moment.astimezone(self.zone)
        hour = 9 + self.rng.randrange(9)
        return local.replace(hour=hour, minute=0, second=0, microsecond=0)

    def appointment(self, person, start, status):
        service = self.rng.choice(self.services)
        done = status != Appointment.Status.BOOKED
        return Appointment(
            practice=self.practice,
            client=person,
            service=service,
            start=start,
            duration_minutes=service.duration_minutes,
            price=service.price,
            status=status,
            minutes_late=self.rng.choice([None] * 9 + [10]) if done else None,
            cancellation_reason="Unwell" if status in Appointment.CANCELLED else "",
            status_changed_at=start if done else None,
        )

    def notes(self, completed):
        rng = self.rng
        notes, extras = [], []
        recent = self.now - datetime.timedelta(days=3)
        signed_in = current_transaction()
        for appointment in completed:
            pain_before = rng.randint(2, 8)
            note = SessionNote(
                practice=self.practice,
                appointment=appointment,
                client=appointment.client,
                subjective=rng.choice(COMPLAINTS),
                pain_before=pain_before,
                posture="Shoulders rounded forward." if rng.random() < 0.4 else "",
                palpation="Tender points along the upper trapezius.",
                assessment=rng.choice(ASSESSMENTS),
                home_care=rng.choice(HOME_CARE),
                next_visit=f"In {appointment.client.rhythm // 7} weeks",
                pain_after=max(0, pain_before - rng.randint(1, 4)),
                pressure_checked=True,
                consent_confirmed=True,
            )
            regions = rng.sample(body.REGIONS, rng.randint(1, 3))
            areas = [
                NoteArea(
                    practice=self.practice,
                    note=note,
                    region=key,
                    side=rng.choice(["left", "right", "both"]),
                    aspect="back" if key in ON_THE_BACK else "front",
                    tension=rng.choice(["mild", "moderate"]),
                    pressure=rng.randint(2, 5),
                    max_pain=rng.randint(1, 6),
                )
                for key, _ in regions
            ]
            techniques = [
                self.techniques[n] for n in rng.choice(TECHNIQUE_MIX) if n in self.techniques
            ]
            if appointment.start < recent or rng.random() < 0.5:
                content = note.canonical(areas=areas, techniques=[t.name for t in techniques])
                note.signed_at = appointment.start + datetime.timedelta(hours=2)
                note.signed_by = self.owner
                note.signed_content = content
                note.signed_hash = note.content_hash = SessionNote.hash_of(content)
                note.signed_in = signed_in  # its areas and techniques follow in this transaction
            notes.append(note)
            extras.append((areas, techniques))
        SessionNote.objects.bulk_create(notes, batch_size=BATCH)
        all_areas, links = [], []
        through = SessionNote.techniques.through
        for note, (areas, techniques) in zip(notes, extras, strict=True):
            for area in areas:
                area.note = note
            all_areas.extend(areas)
            links.extend(through(sessionnote=note, technique=t) for t in techniques)
        Appointment.objects.filter(
            practice=self.practice, note__signed_at__isnull=False, note_signed=False
        ).update(note_signed=True)
        NoteArea.objects.bulk_create(all_areas, batch_size=BATCH)
        through.objects.bulk_create(links, batch_size=BATCH)
        self.result.add("session notes", len(notes))
        self.result.add("note areas", len(all_areas))

    # --- Messages ---------------------------------------------------------------------

    def checkins(self, completed):
        rng, made = self.rng, []
        for appointment in completed:
            if rng.random() > 0.6:
                continue
            answer = rng.choices(["better", "same", "worse", ""], [60, 20, 3, 17])[0]
            answered = appointment.start + datetime.timedelta(hours=26)
            made.append(
                CheckIn(
                    practice=self.practice,
                    appointment=appointment,
                    client=appointment.client,
                    token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
                    answer=answer,
                    comment="Still a little sore in the evening." if answer == "worse" else "",
                    rating=rng.randint(3, 5) if answer else None,
                    answered_at=answered if answer else None,
                    alerted_at=answered if answer == "worse" else None,
                    seen_at=answered if answer == "worse" else None,
                )
            )
        CheckIn.objects.bulk_create(made, batch_size=BATCH)
        self.result.add("check-ins", len(made))
        return made

    def followups(self, appointments):
        rng, made = self.rng, []
        first_seen = set()
        for appointment in appointments:
            person = appointment.client
            channel = person.preferred_channel
            consent = person.has_consent(channel)
            past = appointment.start < self.now
            reminder_due = appointment.start - datetime.timedelta(hours=24)
            made.append(
                self.followup(appointment, Kind.REMINDER, reminder_due, channel, consent, past)
            )
            if appointment.status == Appointment.Status.COMPLETED:
                due = appointment.start.astimezone(self.zone).replace(hour=10) + datetime.timedelta(
                    days=1
                )
                made.append(self.followup(appointment, Kind.CHECKIN, due, channel, consent, True))
                if person.pk not in first_seen:
                    made.append(
                        self.followup(appointment, Kind.THANK_YOU, due, channel, consent, True)
                    )
            elif appointment.status in Appointment.CANCELLED:
                for step, days in enumerate((0, 3, 10)):
                    due = appointment.start + datetime.timedelta(days=days)
                    row = self.followup(appointment, Kind.CANCELLATION, due, channel, consent, True)
                    row.step = step
                    if step and rng.random() < 0.5:
                        row.status, row.skip_reason = FollowUp.Status.CANCELLED, "booked again"
                        row.sent_at = None
                    made.append(row)
            first_seen.add(person.pk)
        sent = [row for row in made if row.status == FollowUp.Status.SENT]
        for row in rng.sample(sent, k=min(len(sent), max(1, len(made) // 400))):
            row.status, row.attempts = FollowUp.Status.FAILED, 5
            row.last_error = "The mail server did not answer."
        FollowUp.objects.bulk_create(made, batch_size=BATCH)
        self.result.add("follow-ups", len(made))

    def followup(self, appointment, kind, due, channel, consent, past):
        if not consent:
            status, sent = FollowUp.Status.SKIPPED, None
        elif past and due < self.now:
            status, sent = FollowUp.Status.SENT, due
        else:
            status, sent = FollowUp.Status.SCHEDULED, None
        return FollowUp(
            practice=self.practice,
            client=appointment.client,
            appointment=appointment,
            kind=kind,
            channel=channel,
            to=appointment.client.email if channel == "email" else appointment.client.mobile,
            due_at=due,
            expires_at=appointment.start if kind == Kind.REMINDER else due + TWO_DAYS,
            status=status,
            skip_reason="" if consent else "no consent for this channel",
            attempts=1 if sent else 0,
            sent_at=sent,
            idempotency_key=f"seed:{kind}:{appointment.public_id}:{due.timestamp():.0f}",
            subject="Your session" if channel == "email" else "",
        )

    # --- This week's trouble ----------------------------------------------------------

    def recent_trouble(self, completed, checkins):
        """What a therapist finds on a Monday: a client who felt worse after a session this
        week (not yet called, with the draft incident it opened) and a complaint received
        yesterday that nobody has acknowledged."""
        recent = [a for a in completed if a.start < self.now - datetime.timedelta(hours=30)]
        if not recent:
            return
        session = max(recent, key=lambda a: a.start)
        answered = min(session.start + datetime.timedelta(hours=26), self.now)
        checkin = next((c for c in checkins if c.appointment_id == session.pk), None)
        if checkin is None:
            checkin = CheckIn.objects.create(
                practice=self.practice,
                appointment=session,
                client=session.client,
                token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
            )
        checkin.answer, checkin.rating = CheckIn.Answer.WORSE, 2
        checkin.comment = "A sharp pain low in my back since the evening after."
        checkin.answered_at = checkin.alerted_at = answered
        checkin.seen_at = None
        checkin.save()
        incident, _ = Incident.objects.update_or_create(
            checkin=checkin,
            defaults={
                "practice": self.practice,
                "client": session.client,
                "reported_at": answered,
                "reported_by": "the client, through the check-in after the session",
                "symptoms": checkin.comment,
                "status": Incident.Status.DRAFT,
            },
        )
        incident.sessions.add(session)
        other = max(
            (a for a in recent if a.client_id != session.client_id),
            key=lambda a: a.start,
            default=session,
        )
        Complaint.objects.create(
            practice=self.practice,
            client=other.client,
            received_at=self.now - datetime.timedelta(hours=30),
            received_via=Complaint.Via.EMAIL,
            category=Complaint.Category.PRESSURE,
            client_words="The pressure on my shoulders was much firmer than I asked for.",
        ).sessions.add(other)
        self.result.add("complaints", 1)
        self.result.add("incidents", 1)

    # --- Complaints and incidents -----------------------------------------------------

    def complaints_and_incidents(self, people, completed, checkins):
        rng = self.rng
        by_client = {}
        for appointment in completed:
            by_client.setdefault(appointment.client_id, []).append(appointment)
        seen = [p for p in people if p.pk in by_client]
        complaints, steps = [], []
        for person in rng.sample(seen, k=min(len(seen), max(1, len(seen) // 200))):
            session = rng.choice(by_client[person.pk])
            received = session.start + datetime.timedelta(days=1)
            closed = received < self.now - datetime.timedelta(days=14)
            complaint = Complaint(
                practice=self.practice,
                client=person,
                received_at=received,
                received_via=Complaint.Via.PHONE,
                category=rng.choice([c for c, _ in Complaint.Category.choices]),
                client_words="The pressure was too firm on my neck.",
                acknowledged_at=received + datetime.timedelta(hours=3) if closed else None,
                closed_at=received + datetime.timedelta(days=7) if closed else None,
                outcome="Apologised and agreed lighter pressure." if closed else "",
            )
            complaints.append(complaint)
            if closed:
                for offset, step in enumerate(
                    [
                        ComplaintStep.Step.LISTENED,
                        ComplaintStep.Step.APOLOGISED,
                        ComplaintStep.Step.CLOSED,
                    ]
                ):
                    steps.append(
                        ComplaintStep(
                            practice=self.practice,
                            complaint=complaint,
                            step=step,
                            done_at=received + datetime.timedelta(hours=3 + offset * 48),
                            by=self.owner,
                        )
                    )
        Complaint.objects.bulk_create(complaints)
        ComplaintStep.objects.bulk_create(steps)
        incidents = []
        for checkin in [c for c in checkins if c.answer == "worse"][::10]:
            incidents.append(
                Incident(
                    practice=self.practice,
                    client=checkin.client,
                    checkin=checkin,
                    onset_at=checkin.appointment.start + datetime.timedelta(hours=8),
                    reported_at=checkin.answered_at,
                    reported_by="the client, by check-in reply",
                    symptoms="Soreness and bruising on the lower back.",
                    status=Incident.Status.CLOSED,
                )
            )
        Incident.objects.bulk_create(incidents)
        through = Incident.sessions.through
        through.objects.bulk_create(
            through(incident=incident, appointment=incident.checkin.appointment)
            for incident in incidents
        )
        self.result.add("complaints", len(complaints))
        self.result.add("incidents", len(incidents))

    # --- Money ------------------------------------------------------------------------

    def money(self, appointments):
        """Payments of the last MONEY_DAYS through the app's own services (numbered receipts,
        the audit trail): most by cash, card or transfer, some with a tip; a group-discount
        offer's codes pay part of a few visits; one client in ten buys a package of five at the
        visit and has it taken from; a missed or late-cancelled session owes the policy's fee,
        four in ten of them waived. Drawn from a sequence of its own, so the rest of the
        history stays what it was for the same seed."""
        rng = random.Random(f"money-{self.rng.getstate()[1][0]}")  # noqa: S311
        since = self.now - datetime.timedelta(days=MONEY_DAYS)
        past = sorted((a for a in appointments if a.start < self.now), key=lambda a: a.start)
        recent = [a for a in past if a.start >= since]
        if len(recent) < 10:  # a small practice still has a few payments to show
            recent = past[-10:]
        practice = self.practice
        if practice.no_show_fee is None and practice.late_cancellation_fee is None:
            practice.no_show_fee, practice.late_cancellation_fee = 35, 20
            practice.save(update_fields=["no_show_fee", "late_cancellation_fee"])
        codes = [
            v.code
            for v in money.make_vouchers(
                practice, count=10, amount=20, label="Group discount", valid_from=since.date()
            )
        ]
        done = Appointment.Status.COMPLETED
        for session in recent:
            if session.status == done and not session.unpaid:
                self.pay(rng, session, codes)
            elif session.status in money.FEE_KINDS:
                fee = money.charge_fee(None, appointment=session, old_status=done)
                if fee is None:
                    continue
                if rng.random() < 0.4:
                    money.waive_fee(fee, by=self.owner, reason="First time: let go")
                else:
                    [owed] = money.paid_for(Appointment.objects.filter(pk=session.pk))
                    money.record_payment(
                        session.client, by=self.owner, amounts={owed: owed.owed}, method="card"
                    )
        self.result.add("payments", Payment.objects.filter(practice=practice).count())

    def pay(self, rng, session, codes):
        [owed] = money.paid_for(Appointment.objects.filter(pk=session.pk))
        if owed.owed <= 0:
            return
        draw, client, day = rng.random(), session.client, timezone.localdate(session.start)
        if draw < 0.05 and codes:
            part = min(owed.owed, 20)
            money.pay_with_voucher(client, by=self.owner, code=codes.pop(), amounts={owed: part})
            [owed] = money.paid_for(Appointment.objects.filter(pk=session.pk))
            if owed.owed > 0:
                money.record_payment(
                    client, by=self.owner, amounts={owed: owed.owed}, method="cash", paid_on=day
                )
        elif draw < 0.10 and session.service_id:
            package, _receipt = money.sell_package(
                client,
                by=self.owner,
                service=session.service,
                sessions=5,
                price=session.price * 5 * 9 / 10,
                method="card",
            )
            Appointment.objects.filter(pk=session.pk).update(unpaid=True)
            [package] = [p for p in money.packages_of(client) if p.pk == package.pk]
            money.use_package(package, session, by=self.owner)
        else:
            tip = 5 if rng.random() < 0.2 else 0
            method = rng.choice(["cash", "card", "card", "transfer"])
            money.record_payment(
                client,
                by=self.owner,
                amounts={owed: owed.owed},
                method=method,
                tip=tip,
                paid_on=day,
            )


def open_for_booking(practice):
    """Take bookings online on the seeded practice: its owner works 09:00-18:00 on
    weekdays, and its first service may be booked four weeks ahead. Returns the service."""
    with scope(practice=practice):
        owner = Membership.objects.filter(practice=practice, role=Membership.Role.OWNER).first()
        practice.online_booking = True
        practice.save(update_fields=["online_booking"])
        for weekday in range(5):
            WorkingHours.objects.update_or_create(
                practice=practice,
                therapist=owner.user,
                weekday=weekday,
                defaults={"starts": datetime.time(9), "ends": datetime.time(18)},
            )
        service = Service.objects.filter(practice=practice, active=True).order_by("pk").first()
        service.bookable_online, service.min_notice_hours, service.horizon_days = True, 12, 28
        service.save()
        return service
