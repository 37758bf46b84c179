"""No page or file of this app is kept by a browser or a proxy (health data): every URL,
signed in or public, answers `Cache-Control: no-store, private`."""

from django.test import Client
from django.urls import NoReverseMatch, reverse

from .. import sweep as tenancy_sweep

# The calendar feed is fetched by the phone's calendar app, which keeps it a few minutes
# on the phone alone ("private"); it carries times and names, no health data.
OWN_CACHING = {"calendar_feed"}


def test_every_url_answers_no_store(practice, owner, outsider):
    result = tenancy_sweep.build_cases(practice)
    as_owner = tenancy_sweep.signed_in(owner)
    urls = [(case.name, case.url, as_owner) for case in result.cases]
    for name, arguments in tenancy_sweep.walk():
        if not arguments:
            try:
                urls.append((name, reverse(name), as_owner))
            except NoReverseMatch:  # unnamed patterns
                continue
    anonymous = Client()
    urls += [(name, good, anonymous) for name, good, _ in result.public]
    urls += [("login", reverse("login"), anonymous)]
    assert len(urls) > 100

    kept = []
    for name, url, browser in urls:
        response = browser.get(url)  # a POST-only view answers 405, with the header too
        header = response.get("Cache-Control", "")
        if name in OWN_CACHING:
            assert "private" in header
        elif not ("no-store" in header and "private" in header):
            kept.append(f"{name} {url} ({response.status_code}): {header!r}")
    assert kept == []
