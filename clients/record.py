"""A client's whole record, for their right of access: one zip with JSON and PDFs.

Every app that keeps something about a client registers a part: a function that takes
the client and returns a Part. The JSON holds each part under its name; the files go
into the zip beside it.
"""

import io
import json
import zipfile
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone

_parts = []

README = """\
The whole record {practice} holds about {name}, exported on {date}.

record.json   everything as data: contact details and consent, intake answers,
              sessions and their notes, messages, check-ins, complaints, incidents
*.pdf         the session notes and any incident reports, as printed
"""


@dataclass
class Part:
    name: str
    data: object
    files: dict = field(default_factory=dict)  # path in the zip -> bytes


def register(provider):
    if provider not in _parts:
        _parts.append(provider)
    return provider


def collect(client):
    return [provider(client) for provider in _parts]


def as_zip(client):
    """The export as zip bytes: record.json, a short README and every PDF."""
    parts = collect(client)
    data = {"practice": client.practice.name, "exported_at": timezone.now().isoformat()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            data[part.name] = part.data
            for path, content in part.files.items():
                archive.writestr(path, content)
        archive.writestr("record.json", json.dumps(data, indent=2, ensure_ascii=False))
        archive.writestr(
            "README.txt",
            README.format(
                practice=client.practice.name,
                name=client.full_name,
                date=timezone.localdate().isoformat(),
            ),
        )
    return buffer.getvalue()


def plain(instance, exclude=()):
    """A model row as JSON-ready data: its own columns, without internal keys."""
    row = {}
    for model_field in instance._meta.concrete_fields:
        if model_field.name in ("id", "practice", *exclude) or isinstance(
            model_field, models.ForeignKey
        ):
            continue
        row[model_field.name] = json_value(getattr(instance, model_field.attname))
    return row


def json_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(value)
