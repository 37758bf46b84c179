"""What other apps hold about one session (the messages planned for it, its check-in
answer), listed on the session's page.

Sessions sit below the apps that know these things, so they register a provider in their
AppConfig.ready: a function that takes an appointment and returns clients.timeline.Entry
objects using a fixed number of queries.
"""

_providers = []


def register(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def for_appointment(appointment):
    """Every app's entries for this session, oldest first."""
    entries = [entry for provider in _providers for entry in provider(appointment)]
    entries.sort(key=lambda entry: entry.when)
    return entries
