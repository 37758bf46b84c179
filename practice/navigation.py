"""The main navigation, in one place for the base layout."""

from django.urls import NoReverseMatch, reverse

SECTIONS = [
    ("Dashboard", "dashboard"),
    ("Clients", "clients:list"),
    ("Sessions", "sessions:day"),
    ("Complaints", "complaints:list"),
    ("Follow-ups", "followups:list"),
    ("Referrals", "practice:referrals"),
    ("Settings", "practice:settings"),
]


def navigation(request):
    """Context processor: nav items with their URL, or None for sections not built yet."""
    if getattr(request, "practice", None) is None:
        return {"nav_items": []}
    items = []
    for label, url_name in SECTIONS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None
        active = url is not None and (
            request.path == url
            or (url != "/" and request.path.startswith(url) and url_name != "dashboard")
        )
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
