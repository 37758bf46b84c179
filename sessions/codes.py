"""Gift card and offer codes a client may give when booking online.

Sessions sit below the app that knows codes (practice.payments), which registers a checker
in its AppConfig.ready: an object with `accepted(practice)` (does the practice have any
codes: only then does the booking page ask) and `check(practice, code)`, which returns the
code as it is written and what is wrong with it ("" when nothing is)."""

_checkers = []


def register(checker):
    if checker not in _checkers:
        _checkers.append(checker)
    return checker


def accepted(practice):
    return any(checker.accepted(practice) for checker in _checkers)


def check(practice, code):
    for checker in _checkers:
        return checker.check(practice, code)
    return code, "Codes are not taken here."
