"""One chronological timeline per client, filled by every app that knows about them.

An app registers a provider: a function that takes a client and returns Entry objects,
using a fixed number of queries. The client page merges them, newest first.
"""

from dataclasses import dataclass, field

_providers = []


@dataclass
class Entry:
    when: object  # an aware datetime
    kind: str  # "session", "note", "intake", ... (a CSS hook and a label)
    title: str
    url: str = ""
    detail: str = ""
    flags: list = field(default_factory=list)


def register(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def for_client(client):
    entries = [entry for provider in _providers for entry in provider(client)]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
