"""Bring clients in from a CSV file exported by other software.

Columns are matched by their header, in whatever order and spelling other programs use.
Every row is checked before anything is saved; duplicates of existing clients (or of an
earlier row) by e-mail or mobile are reported and skipped, never created twice. A cell that
cannot be read (a malformed e-mail, phone or date) is left out and said so; the client is
still added with the rest of the row.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django import forms
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from practice.text import clean

from .forms import normalise_phone
from .models import Client

MAX_ROWS = 5000

# Our field -> the headers other programs use for it (compared lower-case, no spaces/_/-).
HEADERS = {
    "first_name": ["firstname", "givenname", "forename", "first"],
    "last_name": ["lastname", "surname", "familyname", "last"],
    "full_name": ["name", "fullname", "clientname", "client"],
    "email": ["email", "emailaddress", "mail"],
    "mobile": [
        "mobile",
        "phone",
        "mobilephone",
        "cell",
        "cellphone",
        "telephone",
        "tel",
        "phonenumber",
        "mobilenumber",
    ],
    "date_of_birth": ["dateofbirth", "dob", "birthday", "birthdate"],
    "notes": ["notes", "note", "comments", "comment"],
}
LOOKUP = {alias: name for name, aliases in HEADERS.items() for alias in aliases}


def header_key(text):
    return "".join(ch for ch in text.lower() if ch.isalnum())


@dataclass
class Row:
    number: int  # the line in the file, counting the header as 1
    values: dict
    errors: list = field(default_factory=list)
    left_out: list = field(default_factory=list)  # cells we could not read, in words
    duplicate_of: str = ""

    @property
    def importable(self):
        return not self.errors and not self.duplicate_of


@dataclass
class Preview:
    rows: list = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # file header -> our field
    ignored: list = field(default_factory=list)  # file headers we do not use
    problem: str = ""  # a problem with the whole file

    @property
    def importable(self):
        return [row for row in self.rows if row.importable]

    @property
    def duplicates(self):
        return [row for row in self.rows if row.duplicate_of and not row.errors]

    @property
    def with_errors(self):
        return [row for row in self.rows if row.errors]

    @property
    def partial(self):
        """Rows added without the cells that could not be read."""
        return [row for row in self.importable if row.left_out]


def decode(data):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def preview(text, practice):
    """Read the CSV text and check every row against the practice's clients."""
    result = Preview()
    text = clean(text)  # no NUL for the database, no direction overrides in names
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        result.problem = "The file is empty."
        return result
    positions = {}
    for index, title in enumerate(header):
        name = LOOKUP.get(header_key(title))
        if name and name not in positions:
            positions[name] = index
            result.columns[title] = name
        else:
            result.ignored.append(title)
    if "email" not in positions and "mobile" not in positions:
        result.problem = "No e-mail or phone column found: one of them is needed for each client."
        return result
    if not ({"first_name", "last_name"} <= positions.keys() or "full_name" in positions):
        result.problem = "No name column found: use first and last name, or one name column."
        return result

    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(result.rows) >= MAX_ROWS:
            result.problem = f"Only the first {MAX_ROWS} clients are read; split the file."
            break
        raw = {name: (cells[i].strip() if i < len(cells) else "") for name, i in positions.items()}
        result.rows.append(check_row(number, raw, practice))
    mark_duplicates(result.rows, practice)
    return result


def check_row(number, raw, practice):
    row = Row(number, {})
    first, last = raw.get("first_name", ""), raw.get("last_name", "")
    if not (first or last) and raw.get("full_name"):
        first, _, last = raw["full_name"].rpartition(" ")
        first, last = (first or last), (last if first else "")
    row.values = {"first_name": first[:80], "last_name": last[:80], "notes": raw.get("notes", "")}
    if not first and not last:
        row.errors.append("No name.")
    try:
        row.values["email"] = (
            forms.EmailField().clean(raw.get("email", "")) if raw.get("email") else ""
        )
    except forms.ValidationError:
        row.left_out.append(f"e-mail “{raw['email']}” (not a valid address)")
        row.values["email"] = ""
    try:
        row.values["mobile"] = normalise_phone(raw.get("mobile", ""), practice.country.code)
    except forms.ValidationError:
        row.left_out.append(f"phone “{raw['mobile']}” (not a phone number)")
        row.values["mobile"] = ""
    if not (raw.get("email") or raw.get("mobile")):
        row.errors.append("No e-mail or phone.")
    row.values["date_of_birth"], problem = parse_date(raw.get("date_of_birth", ""), practice)
    if problem:
        row.left_out.append(problem)
    return row


def parse_date(text, practice):
    """Return (date or None, problem). Day-first, except for practices in the US."""
    if not text:
        return None, ""
    formats = ["%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]
    if practice.country.code != "US":
        formats.remove("%m/%d/%Y")
    for fmt in formats:
        try:
            value = datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if datetime.date(1900, 1, 1) <= value <= datetime.date.today():
            return value, ""
        return None, f"date of birth “{text}” (out of range)"
    return None, f"date of birth “{text}” (not a date: use 2025-01-31 or 31/01/2025)"


def name_key(first, last):
    return ("name", f"{first.strip().lower()} {last.strip().lower()}")


def mark_duplicates(rows, practice):
    """Mark rows whose e-mail or mobile is already a client, or an earlier row. A row left
    with neither (its cells could not be read) is matched by name instead."""
    emails = {r.values["email"].lower() for r in rows if r.values.get("email")}
    mobiles = {r.values["mobile"] for r in rows if r.values.get("mobile", "").startswith("+")}
    nameless = [r for r in rows if not r.values.get("email") and not r.values.get("mobile")]
    by_name = Q()
    for row in nameless:
        by_name |= Q(
            first_name__iexact=row.values["first_name"], last_name__iexact=row.values["last_name"]
        )
    existing = {}
    matches = (
        Client.objects.filter(practice=practice)
        .annotate(email_lower=Lower("email"))
        .filter(
            Q(email_lower__in=emails)
            | Q(mobile__in=mobiles)
            | (by_name if nameless else Q(pk=None))
        )
        .only("first_name", "last_name", "email", "mobile")
    )
    for client in matches:
        existing.setdefault(("email", client.email.lower()), client.full_name)
        existing.setdefault(("mobile", client.mobile), client.full_name)
        existing.setdefault(name_key(client.first_name, client.last_name), client.full_name)
    seen = {}
    for row in rows:
        keys = [
            ("email", row.values.get("email", "").lower()),
            ("mobile", row.values.get("mobile")),
        ]
        keys = [key for key in keys if key[1]] or [
            name_key(row.values["first_name"], row.values["last_name"])
        ]
        for key in keys:
            if key in existing:
                row.duplicate_of = f"already a client: {existing[key]}"
                break
            if key in seen:
                row.duplicate_of = f"same {key[0]} as line {seen[key]}"
                break
        for key in keys:
            seen.setdefault(key, row.number)


@transaction.atomic
def import_clients(result, practice):
    """Create a client for every importable row; return the clients created."""
    clients = [
        Client(
            practice=practice,
            first_name=row.values["first_name"],
            last_name=row.values["last_name"],
            email=row.values["email"],
            mobile=row.values["mobile"],
            date_of_birth=row.values["date_of_birth"],
            private_notes=row.values["notes"][:5000],
            status=Client.Status.ACTIVE,
            source=Client.Source.RETURNING,
        )
        for row in result.importable
    ]
    return Client.objects.bulk_create(clients)
