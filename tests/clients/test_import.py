import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import Client

from ..factories import ClientFactory

URL = reverse("clients:import")

CSV = (
    "Surname;First Name;E-mail Address;Mobile;DOB;Notes;Loyalty points\n"
    "Stone;Ada;ada@example.com;07911 123456;31/01/1980;Likes firm pressure;12\n"
    "Reed;Ben;not-an-email;;;;\n"
    "Hale;Robin;robin@example.com;;1990-02-30;;\n"
    "Quinn;Kim;KIM@example.com;;;;\n"
    "Quinn;Kimberly;kim@example.com;;;;\n"
    "Moss;Lee;;07400 123456;;;\n"
    "\n"
)


def upload(client, text, name="clients.csv"):
    file = SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")
    return client.post(URL, {"file": file})


def test_the_preview_checks_every_row_and_saves_nothing(owner_client, practice):
    ClientFactory(practice=practice, first_name="Lee", mobile="+447400123456", email="")

    response = upload(owner_client, CSV)

    result = response.context["result"]
    assert result.columns == {
        "Surname": "last_name",
        "First Name": "first_name",
        "E-mail Address": "email",
        "Mobile": "mobile",
        "DOB": "date_of_birth",
        "Notes": "notes",
    }
    assert result.ignored == ["Loyalty points"]
    by_line = {row.number: row for row in result.rows}
    assert by_line[2].importable
    assert by_line[2].values["mobile"] == "+447911123456"
    assert by_line[2].values["date_of_birth"] == datetime.date(1980, 1, 31)
    # A cell that cannot be read is left out and said so; the client is still added.
    assert by_line[3].importable and by_line[3].values["email"] == ""
    assert by_line[3].left_out == ["e-mail “not-an-email” (not a valid address)"]
    assert by_line[4].importable and by_line[4].values["date_of_birth"] is None
    assert "not a date" in by_line[4].left_out[0]
    html = response.content.decode()
    assert (
        "Will be added, <strong>without</strong> e-mail “not-an-email” (not a valid address)"
        in (html)
    )
    assert by_line[5].importable
    assert by_line[6].duplicate_of == "same email as line 5"
    assert by_line[7].duplicate_of.startswith("already a client")
    assert Client.objects.count() == 1


def test_confirming_imports_the_good_rows_once(owner_client, practice):
    text = upload(owner_client, CSV).context["csv_text"]

    done = owner_client.post(URL, {"csv_text": text})
    again = owner_client.post(URL, {"csv_text": text})

    assert len(done.context["created"]) == 5
    assert again.context["created"] == []
    names = sorted(Client.objects.filter(practice=practice).values_list("first_name", flat=True))
    assert names == ["Ada", "Ben", "Kim", "Lee", "Robin"]
    assert Client.objects.get(first_name="Ben").email == ""
    listed = done.content.decode().split('id="left-out"')[1].split("</ul>")[0]
    assert "Line 3, Ben Reed: e-mail “not-an-email” (not a valid address)" in listed
    assert "Line 4, Robin Hale: date of birth “1990-02-30” (not a date" in listed
    ada = Client.objects.get(first_name="Ada")
    assert ada.private_notes == "Likes firm pressure"
    assert not ada.email_consent and not ada.sms_consent


def test_a_file_without_contact_columns_is_explained(owner_client):
    response = upload(owner_client, "Name,Notes\nAda Stone,hi\n")

    assert "No e-mail or phone column" in response.context["form"].errors["file"][0]


def test_a_file_that_is_not_csv_is_refused_next_to_the_field(owner_client):
    response = upload(owner_client, "Name,Email\n", name="clients.xlsx")

    assert "Choose a .csv file" in response.context["form"].errors["file"][0]


def test_a_single_name_column_is_split(owner_client, practice):
    text = upload(owner_client, "Client,Email\nMary Ann Smith,mas@example.com\n").context[
        "csv_text"
    ]
    owner_client.post(URL, {"csv_text": text})

    imported = Client.objects.get()
    assert (imported.first_name, imported.last_name) == ("Mary Ann", "Smith")


def test_import_goes_into_the_current_practice_only(outsider_client, practice, other_practice):
    ClientFactory(practice=practice, email="ada@example.com")
    text = "First name,Last name,Email\nAda,Stone,ada@example.com\n"

    outsider_client.post(URL, {"csv_text": text})

    assert Client.objects.filter(practice=other_practice).count() == 1


def test_a_row_with_no_way_to_reach_the_client_is_still_refused(owner_client):
    result = upload(owner_client, "First name,Last name,Email,Mobile\nAda,Stone,,\n").context[
        "result"
    ]

    [row] = result.rows
    assert row.errors == ["No e-mail or phone."] and not row.importable
