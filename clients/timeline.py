"""One chronological timeline per client, filled by every app that knows about them.

An app registers a provider: a function that takes a client and a limit (None for all)
and returns Entry objects, at least its newest `limit`, using a fixed number of queries.
The client page merges them, newest first.
"""

from dataclasses import dataclass, field

from django.utils import timezone

_providers = []


@dataclass
class Entry:
    when: object  # an aware datetime
    kind: str  # "session", "note", "intake", ... (a CSS hook and a label)
    title: str
    url: str = ""
    detail: str = ""
    flags: list = field(default_factory=list)

    @property
    def when_text(self):
        """ "5 Mar 2026, 14:30" in the practice's time. strftime, not the |date filter,
        which costs eight times as much and the page shows forty of these."""
        return timezone.localtime(self.when).strftime("%-d %b %Y, %H:%M")


def register(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def for_client(client, limit=None):
    """The client's entries, newest first; with `limit`, only the newest that many (each
    provider then reads only its own newest `limit` rows, so a long history costs the
    same as a short one)."""
    entries = [entry for provider in _providers for entry in provider(client, limit)]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit] if limit else entries
