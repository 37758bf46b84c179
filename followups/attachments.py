"""Files an e-mail of a given kind carries, from the app that makes them (the list of
colleagues is the top floor's). An app registers a provider for a kind in its
AppConfig.ready: a function that takes the follow-up and returns [(filename, bytes,
mimetype)], or raises channels.ChannelError when there is nothing fit to send."""

_providers = {}


def register(kind, provider):
    _providers[kind] = provider
    return provider


def for_followup(followup):
    provider = _providers.get(followup.kind)
    return provider(followup) if provider else []
