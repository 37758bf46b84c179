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
