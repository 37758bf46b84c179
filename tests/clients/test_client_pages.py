import pytest
from django.urls import reverse

from clients.forms import ClientFilterForm
from clients.models import Client, ConsentEvent

from ..factories import ClientFactory

HOSTILE = '<script>alert("x")</script>'


def test_the_list_searches_filters_and_pages(owner_client, practice, other_practice):
    ClientFactory(practice=practice, first_name="Ada", last_name="Stone", mobile="+447911123456")
    ClientFactory(practice=practice, first_name="Ben", last_name="Reed", has_red_flags=True)
    ClientFactory(practice=other_practice, first_name="Ada", last_name="Elsewhere")
    url = reverse("clients:list")

    def names(**params):
        page = owner_client.get(url, params).context["page"]
        return [c.full_name for c in page.rows]

    assert names() == ["Ben Reed", "Ada Stone"]
    assert names(q="ada") == ["Ada Stone"]
    assert names(q="Ada Stone") == ["Ada Stone"]
    assert names(q="07911 123456") == ["Ada Stone"]
    assert names(flags="on") == ["Ben Reed"]
    assert names(intake_pending="on") == ["Ben Reed", "Ada Stone"]


@pytest.mark.parametrize("count", [3, 40])
def test_the_list_runs_a_fixed_number_of_queries(
    owner_client, practice, count, django_assert_max_num_queries
):
    ClientFactory.create_batch(count, practice=practice)
    with django_assert_max_num_queries(7):
        response = owner_client.get(reverse("clients:list"), {"sort": "newest"})
    assert len(response.context["page"].rows) == min(count, 25)


@pytest.mark.parametrize("sort", ["name", "newest", "updated"])
def test_the_list_pages_by_key_each_client_once_and_reads_only_what_it_shows(
    owner_client, practice, sort
):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(60):  # names that tie on the last name: the key goes on to the id
        ClientFactory(practice=practice, first_name=f"Jo{n % 7}", last_name=f"Ng{n % 4}")
    url = reverse("clients:list")
    seen, params = [], {"sort": sort}
    while True:
        with CaptureQueriesContext(connection) as queries:
            html = owner_client.get(url, params).content.decode()
        rows = re.findall(r'href="/clients/([0-9a-f-]{36})/"', html)
        seen += rows
        after = re.search(r'after=([0-9a-f-]{36})"', html)
        if not after:
            break
        params = {"sort": sort, "after": after.group(1)}
    expected = Client.objects.filter(practice=practice).order_by(*ClientFilterForm.SORTS[sort])
    assert seen == [str(c.public_id) for c in expected]  # all 60, each once, in order
    listing = [q["sql"] for q in queries.captured_queries if "LIMIT 26" in q["sql"]]
    assert listing
    for health in ("private_notes", "red_flags", "allergies", "diagnosis_code", "address"):
        assert f'"clients_client"."{health}"' not in listing[0]

    last = owner_client.get(url, {"sort": sort, "last": "1"}).content.decode()
    assert re.findall(r'href="/clients/([0-9a-f-]{36})/"', last) == seen[-25:]
    before = re.search(r'before=([0-9a-f-]{36})"', last).group(1)
    previous = owner_client.get(url, {"sort": sort, "before": before}).content.decode()
    assert re.findall(r'href="/clients/([0-9a-f-]{36})/"', previous) == seen[-50:-25]


def test_a_client_is_added_with_consent_recorded(owner_client, owner, practice):
    response = owner_client.post(
        reverse("clients:create"),
        {
            "first_name": "Ada",
            "last_name": "Stone",
            "email": "ada@example.com",
            "mobile": "07911 123456",
            "preferred_channel": "email",
            "email_consent": "on",
            "status": "active",
        },
    )

    record = Client.objects.get()
    assert response.url == reverse("clients:detail", args=[record.public_id])
    assert record.mobile == "+447911123456"
    event = ConsentEvent.objects.get(client=record, channel="email")
    assert event.given and event.by == owner


def test_the_client_form_keeps_input_on_a_bad_phone(owner_client):
    response = owner_client.post(
        reverse("clients:create"),
        {
            "first_name": "Ada",
            "last_name": "Stone",
            "mobile": "abc",
            "preferred_channel": "sms",
            "status": "active",
            "private_notes": "Likes the window open",
        },
    )

    assert "mobile" in response.context["form"].errors
    assert "Likes the window open" in response.content.decode()


def test_hostile_text_is_shown_escaped(owner_client, practice, settings):
    record = ClientFactory(
        practice=practice,
        first_name=HOSTILE,
        private_notes=HOSTILE,
        red_flags=["pregnancy"],
        has_red_flags=True,
        allergies=HOSTILE,
    )

    pages = [
        owner_client.get(reverse("clients:detail", args=[record.public_id])),
        owner_client.get(reverse("clients:list")),
    ]

    for page in pages:
        html = page.content.decode()
        assert HOSTILE not in html
        assert "&lt;script&gt;" in html


def test_the_detail_page_shows_the_red_flag_banner(owner_client, practice):
    record = ClientFactory(practice=practice, red_flags=["blood_clots"], has_red_flags=True)

    html = owner_client.get(reverse("clients:detail", args=[record.public_id])).content.decode()

    assert 'id="red-flags"' in html
    assert "Blood clots (DVT)" in html
    assert "may rule massage out" in html


def test_hostile_text_is_escaped_in_the_admin(client, owner, practice):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    record = ClientFactory(practice=practice, first_name=HOSTILE)

    pages = [
        client.get(reverse("admin:clients_client_changelist")),
        client.get(reverse("admin:clients_client_change", args=[record.pk])),
    ]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert HOSTILE not in html
        assert "&lt;script&gt;" in html


def test_the_search_is_served_by_trigram_indexes_on_postgresql(practice):
    from django.db import connection

    from clients.views import search_filter

    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes exist on PostgreSQL only")
    ClientFactory(practice=practice, last_name="Okafor")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would not need them
        plan = Client.objects.filter(search_filter("okaf")).explain()

    assert "client_search_last_name" in plan


def add_with_mobile(owner_client, typed):
    data = {"first_name": "Ada", "last_name": "Stone", "status": "active"}
    data |= {"mobile": typed, "preferred_channel": "sms"}
    return owner_client.post(reverse("clients:create"), data)


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("GB", "07911 654321", "+447911654321"),  # a range our numbering data does not list
        ("GB", "+44 7911 654321", "+447911654321"),
        ("IE", "087 123 4567", "+353871234567"),
        ("US", "(415) 555-0132", "+14155550132"),
    ],
)
def test_a_mobile_is_read_in_the_practices_country(owner_client, practice, country, typed, stored):
    practice.country = country
    practice.save(update_fields=["country"])
    add_with_mobile(owner_client, typed)
    assert Client.objects.get().mobile == stored


@pytest.mark.parametrize("typed", ["12345", "07911 65432199999", "abc"])
def test_a_mobile_of_the_wrong_length_is_refused(owner_client, typed):
    response = add_with_mobile(owner_client, typed)
    assert "This does not look like a phone number" in response.content.decode()
    assert not Client.objects.exists()
