"""Tenancy: every row belongs to one practice, and every request sees only its own.

Used by every app, with the base model of every practice-owned row
(practice/tenant_model.py):
- CurrentPracticeMiddleware: picks the signed-in user's current practice and activates
  its scope (and time zone) for the whole request. Anonymous requests get an empty scope:
  they can read no tenant rows unless a view opens a scope on purpose.
- get_for_practice / practice_required / owner_required: what views call.
"""

import uuid
import zoneinfo
from functools import wraps
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from .models import Membership
from .two_factor import needs_code

SESSION_KEY = "current_practice_id"


class CurrentPracticeMiddleware:
    """Set request.practice, request.membership and request.memberships; open the scope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.practice = None
        request.membership = None
        request.memberships = []
        if request.user.is_authenticated:
            request.memberships = memberships_of(request.user)
            request.membership = choose_membership(request.memberships, request.session)
            request.practice = request.membership.practice if request.membership else None

        if request.practice is None:
            with scope():
                return self.get_response(request)
        with (
            scope(practice=request.practice),
            timezone.override(zoneinfo.ZoneInfo(request.practice.time_zone)),
        ):
            return self.get_response(request)


def memberships_of(user):
    """Return the user's memberships with their practices, ordered by practice name."""
    # The one legitimate cross-practice query: which practices may this user enter?
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user)
            .select_related("practice")
            .order_by("practice__name", "pk")
        )


def choose_membership(memberships, session):
    """The membership the session last switched to, else the first one."""
    wanted = session.get(SESSION_KEY)
    for membership in memberships:
        if membership.practice_id == wanted:
            return membership
    return memberships[0] if memberships else None


def switch_practice(request, membership):
    request.session[SESSION_KEY] = membership.practice_id


def get_for_practice(request, model_or_queryset, **lookup):
    """Return the object of the current practice matching lookup, or raise Http404."""
    if request.practice is None:
        raise Http404("No practice selected.")
    queryset = model_or_queryset
    if isinstance(model_or_queryset, type) and issubclass(model_or_queryset, models.Model):
        queryset = model_or_queryset.objects.all()
    return get_object_or_404(queryset.filter(practice=request.practice), **lookup)


def object_from_query(request, model_or_queryset, name, field="public_id"):
    """The current practice's object whose id is in the query string as `name`, or None
    when it is not given. Anything that is not an id we issue (`abc`, `None`), or an id of
    another practice, answers 404, like a missing page."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        value = uuid.UUID(value)
    except ValueError:
        raise Http404(f"No such {name}.") from None
    return get_for_practice(request, model_or_queryset, **{field: value})


def practice_required(view):
    """Let in signed-in members of a practice; others sign in or create a practice first."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            # Imported here: auth.views loads the user model, which imports this module.
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        # Imported here for the same reason: the OTP models load after this module.
        if target := needs_code(request):
            return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        if request.practice is None:
            return redirect("practice:create")
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    """Like practice_required, and the member must be an owner (assistants get 403)."""

    @practice_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_owner:
            raise PermissionDenied("Only the practice owner can do this.")
        return view(request, *args, **kwargs)

    wrapper.owner_only = True  # for the test that tries every such URL as an assistant
    return wrapper
