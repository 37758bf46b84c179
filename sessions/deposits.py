"""A deposit a client pays online before a time they chose is theirs.

Sessions sit below the app that takes payments (practice.payments), which registers a taker
in its AppConfig.ready: an object with `asked(hold)` (the amount the practice asks for the
held time, or None) and `checkout(hold, token)`, the address of the page that takes it (the
held time is booked when the payment is reported; `token` is the confirmation link's, for
the pages Stripe's returns to), and `allow(response)`, which lets the page's form go on to
that page (its Content-Security-Policy)."""

_takers = []


def register(taker):
    if taker not in _takers:
        _takers.append(taker)
    return taker


def asked(hold):
    for taker in _takers:
        return taker.asked(hold)
    return None


def checkout(hold, token):
    for taker in _takers:
        return taker.checkout(hold, token)
    return None


def allow(response):
    for taker in _takers:
        return taker.allow(response)
    return response
