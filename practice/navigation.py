"""The main navigation, in one place for the base layout."""

from django.urls import NoReverseMatch, reverse

# (label, URL name, for owners only)
SECTIONS = [
    ("Dashboard", "dashboard", False),
    ("Clients", "clients:list", False),
    ("Sessions", "sessions:day", False),
    ("Payments", "payments:list", False),
    ("Complaints", "complaints:list", False),
    ("Follow-ups", "followups:list", False),
    ("Referrals", "practice:referrals", False),
    ("Settings", "practice:settings", True),
]


def navigation(request):
    """Context processor: nav items with their URL, or None for sections not built yet."""
    if getattr(request, "practice", None) is None:
        return {"nav_items": []}
    items = []
    is_owner = request.membership.is_owner
    for label, url_name, owners_only in SECTIONS:
        if owners_only and not is_owner:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None
        active = url is not None and request.path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}


NIL_ID = "00000000-0000-0000-0000-000000000000"


def url_for_ids(url_name):
    """A function from a public id to the path of `url_name`, for long lists of rows.

    reverse() costs about 30 µs; a busy day's list of sessions would spend milliseconds on
    it. The path is reversed once with a placeholder id and each row's id put in its place,
    so the URLconf stays the only place that knows the shape of the path."""
    pattern = reverse(url_name, args=[NIL_ID])
    return lambda public_id: pattern.replace(NIL_ID, str(public_id))
