"""Each dashboard figure against a small practice computed by hand."""

import datetime
import zoneinfo

import pytest

from followups.models import Kind
from practice.front import metrics

from ..factories import AppointmentFactory, CheckInFactory, ClientFactory, FollowUpFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)


def at(days_ago):
    return NOW - datetime.timedelta(days=days_ago)


def test_rebooking_rates(practice):
    ada, ben, cy = (ClientFactory(practice=practice) for _ in range(3))
    # Ada: 200 and 170 days ago (rebooked within 60), then 100 (not rebooked: next is 20).
    for days in (200, 170, 100, 20):
        AppointmentFactory(client=ada, start=at(days), status="completed")
    # Ben: one completed session, never back.
    AppointmentFactory(client=ben, start=at(150), status="completed")
    # Cy: cancels twice; rebooks 10 days after the first cancellation only.
    AppointmentFactory(client=cy, start=at(120), status="cancelled_client")
    AppointmentFactory(client=cy, start=at(110), status="completed")
    AppointmentFactory(client=cy, start=at(50), status="late_cancellation")

    figures = metrics.rebooking(practice, NOW)

    # Completed in window (365..30 days ago): Ada 200, 170, 100; Ben 150; Cy 110 -> 5.
    # Followed within 60 days: Ada 200 (170), Ada 170 (no: next is 100, 70 days) -> 1 of 5.
    assert (figures["sessions"], figures["sessions_rebooked"]) == (5, 1)
    assert figures["after_sessions"] == 20
    assert (figures["cancellations"], figures["cancellations_rebooked"]) == (2, 1)
    assert figures["after_cancellations"] == 50


def test_check_in_figures(practice):
    client = ClientFactory(practice=practice)
    answers = [("better", 4), ("better", 5), ("worse", None), ("", None)]
    for n, (answer, rating) in enumerate(answers):
        checkin = CheckInFactory(
            appointment__client=client,
            answer=answer,
            rating=rating,
            answered_at=at(9 - n) if answer else None,
        )
        FollowUpFactory(
            client=client,
            appointment=checkin.appointment,
            kind=Kind.CHECKIN,
            status="sent",
            sent_at=at(10 + n),
        )

    figures = metrics.checkins(practice, NOW)

    assert (figures["sent"], figures["answered"]) == (4, 3)
    assert figures["response_rate"] == 75
    assert (figures["better_share"], figures["same_share"], figures["worse_share"]) == (67, 0, 33)
    assert figures["rating"] == 4.5


def test_the_answer_rate_counts_answers_to_the_messages_it_counts(practice):
    """Answers to a check-in sent before the window, or to one never sent, are not in it:
    the seeded practice once showed "101% answer check-ins"."""
    client = ClientFactory(practice=practice)
    sent = CheckInFactory(appointment__client=client, answer="same", answered_at=at(5))
    FollowUpFactory(
        client=client, appointment=sent.appointment, kind=Kind.CHECKIN, status="sent", sent_at=at(6)
    )
    old = CheckInFactory(appointment__client=client, answer="better", answered_at=at(5))
    FollowUpFactory(
        client=client,
        appointment=old.appointment,
        kind=Kind.CHECKIN,
        status="sent",
        sent_at=at(400),
    )
    CheckInFactory(appointment__client=client, answer="better", answered_at=at(5))  # never sent

    figures = metrics.checkins(practice, NOW)

    assert (figures["sent"], figures["answered"], figures["response_rate"]) == (1, 1, 100)
    assert figures["same_share"] == 100


def test_visits_and_clients_per_month(practice):
    ada, ben = ClientFactory(practice=practice), ClientFactory(practice=practice)
    october = datetime.datetime(2026, 10, 5, 10, 0, tzinfo=LONDON)
    AppointmentFactory(client=ada, start=october, status="completed")
    AppointmentFactory(client=ada, start=october + datetime.timedelta(days=14), status="completed")
    AppointmentFactory(client=ben, start=october, status="completed")
    AppointmentFactory(client=ben, start=october, status="no_show")

    rows = metrics.months(practice, NOW)

    assert len(rows) == 12
    assert rows[0]["month"] == datetime.date(2025, 12, 1)
    assert rows[-1]["month"] == datetime.date(2026, 11, 1)
    october_row = next(r for r in rows if r["month"] == datetime.date(2026, 10, 1))
    assert (october_row["visits"], october_row["clients"]) == (3, 2)
    assert sum(r["visits"] for r in rows) == 3
    drawn = metrics.chart(rows)
    assert len(drawn["bars"]) == 12 and len(drawn["line"].split()) == 12


@pytest.mark.parametrize("visits", [2, 3])
def test_sources_count_regulars_from_three_visits(practice, visits):
    regular = ClientFactory(practice=practice, source="promotion")
    ClientFactory(practice=practice, source="promotion")
    ClientFactory(practice=practice, source="search")
    for n in range(visits):
        AppointmentFactory(client=regular, start=at(30 * n + 1), status="completed")

    rows = {row["source"]: row for row in metrics.sources(practice)}

    promotion = rows["Promotion or voucher"]
    assert promotion["clients"] == 2
    assert promotion["regulars"] == (1 if visits == 3 else 0)
    assert rows["Web search"]["regulars"] == 0


@pytest.mark.parametrize(
    "now",
    [
        datetime.datetime(2026, 12, 3, 9, 0, tzinfo=LONDON),
        datetime.datetime(2026, 3, 31, 23, 30, tzinfo=LONDON),
        datetime.datetime(2026, 1, 1, 0, 5, tzinfo=LONDON),
        datetime.datetime(2026, 7, 31, 12, 0, tzinfo=LONDON),
    ],
)
def test_the_twelve_months_end_with_this_one(practice, now):
    rows = metrics.months(practice, now)

    months = [row["month"] for row in rows]
    assert months[-1] == now.date().replace(day=1)
    assert len(set(months)) == 12
    assert months == sorted(months)
    assert months[0].replace(year=months[0].year + 1) > months[-1]


@pytest.mark.parametrize(
    ("highest", "ticks"),
    [(0, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]), (38, [0, 10, 20, 30, 40])],
)
def test_the_chart_labels_its_axis_with_round_values(highest, ticks):
    rows = [{"month": datetime.date(2026, m, 1), "visits": 0, "clients": 0} for m in range(1, 13)]
    rows[4]["visits"] = highest

    drawn = metrics.chart(rows)

    assert [tick["value"] for tick in drawn["ticks"]] == ticks
    assert drawn["ticks"][0]["y"] == drawn["height"]
    assert drawn["ticks"][-1]["y"] == 20
    tallest = max(drawn["bars"], key=lambda bar: bar["h"])
    assert tallest["y"] >= 20
