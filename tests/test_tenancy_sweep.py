"""Every URL that names an object answers 404 to another practice (see tests/sweep.py)."""

import pytest
from django.http import JsonResponse
from django.urls import path
from django_scopes import scopes_disabled

from practice.models import Membership
from practice.tenancy import practice_required

from . import sweep as tenancy_sweep


def test_every_object_url_is_scoped_to_its_practice(practice, owner, outsider):
    result = tenancy_sweep.build_cases(practice)
    assert result.unknown == [], "URLs the sweep does not know how to test (see tests/sweep.py)"
    assert len(result.cases) >= 10  # the practice URLs and the admin's
    assert tenancy_sweep.sweep(result.cases, owner, outsider) == []
    assert len(result.public) == len(tenancy_sweep.PUBLIC_URLS)
    assert tenancy_sweep.sweep_public(result.public) == []


# A view that forgets the scope: it looks the membership up across all practices.
@practice_required
def leaky_membership(request, public_id):
    with scopes_disabled():
        membership = Membership.objects.get(public_id=public_id)
    return JsonResponse({"email": membership.user.email})


urlpatterns = [
    path("leak/<uuid:public_id>/", leaky_membership, name="leak"),
    path("accounts/login/", lambda request: JsonResponse({}), name="login"),
]


@pytest.mark.urls(__name__)
def test_the_sweep_catches_a_view_that_forgets_the_scope(practice, owner, outsider):
    object_urls = {"leak": lambda p: {"public_id": Membership.objects.get(practice=p).public_id}}
    result = tenancy_sweep.build_cases(practice, object_urls)
    assert [case.name for case in result.cases] == ["leak"]

    problems = tenancy_sweep.sweep(result.cases, owner, outsider)

    assert len(problems) == 1
    assert "another practice got 200, not 404" in problems[0]


@pytest.mark.urls(__name__)
def test_the_sweep_refuses_a_url_it_does_not_know(practice):
    result = tenancy_sweep.build_cases(practice, object_urls={})
    assert result.unknown == ["leak ['public_id']"]


def test_ids_in_the_query_string_answer_404_for_garbage_and_other_practices(
    practice, owner, outsider
):
    assert tenancy_sweep.sweep_query_ids(owner, outsider, practice) == []


def test_every_id_read_from_a_query_string_goes_through_the_one_helper():
    """A view that reads an id from request.GET itself would escape the sweep above."""
    import re
    from pathlib import Path

    from django.conf import settings

    reads_an_id = re.compile(r"request\.GET(?:\.get)?[\[(]\s*[\"'](\w*(?:client|member|_id))")
    apps = ("clients", "sessions", "complaints", "followups", "practice")
    found = [
        f"{path}: {match.group(1)}"
        for app in apps
        for path in Path(settings.BASE_DIR, app).rglob("*.py")
        for match in reads_an_id.finditer(path.read_text())
    ]
    assert found == []


def test_no_malformed_filter_answers_500(practice, owner):
    assert tenancy_sweep.sweep_filters(owner) == []


def test_no_two_pages_share_an_address():
    """A route written twice sends one of its pages to the other's view (a 404 at best).
    Only Django's own pages may be shadowed: the project puts its sign-in pages first."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def routes(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            here = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from routes(pattern, here)
            elif isinstance(pattern, URLPattern):
                yield here, pattern.callback.__module__

    ours = [route for route, module in routes(get_resolver()) if "django.contrib" not in module]
    assert sorted({route for route in ours if ours.count(route) > 1}) == []
