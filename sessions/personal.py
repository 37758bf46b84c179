"""What other apps show a client on their personal link's page (their receipts, say).

Sessions sit below the apps that know these things, so they register a provider in their
AppConfig.ready: a function that takes the client and the link's token and returns a
section, {"title": ..., "items": [(label, url or ""), ...]}, or None, in a fixed number of
queries.
"""

_providers = []


def register(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections_for(client, token):
    sections = (provider(client, token) for provider in _providers)
    return [section for section in sections if section and section["items"]]
