import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import path
from django.utils import timezone
from django_scopes import ScopeError, scope

from practice.models import Membership
from practice.tenancy import get_for_practice

from ..factories import MembershipFactory


def test_a_query_without_a_practice_scope_raises(practice, owner):
    with scope(), pytest.raises(ScopeError):
        list(Membership.objects.all())


def test_a_practice_scope_sees_only_that_practice(practice, owner, other_practice, outsider):
    with scope(practice=practice):
        assert list(Membership.objects.values_list("user", flat=True)) == [owner.pk]


def test_get_for_practice_answers_404_for_another_practices_row(practice, other_practice):
    theirs = MembershipFactory(practice=other_practice)
    request = RequestFactory().get("/")
    request.practice = practice

    with pytest.raises(Http404):
        get_for_practice(request, Membership, public_id=theirs.public_id)
    mine = MembershipFactory(practice=practice)
    assert get_for_practice(request, Membership, public_id=mine.public_id) == mine


def count_memberships(request):
    return HttpResponse(str(Membership.objects.count()))


def current_time_zone(request):
    return HttpResponse(timezone.get_current_timezone_name())


urlpatterns = [
    path("count/", count_memberships),
    path("tz/", current_time_zone),
    path("accounts/login/", count_memberships, name="login"),
]


@pytest.mark.urls(__name__)
def test_a_signed_in_request_is_scoped_to_the_current_practice(client, owner, outsider):
    MembershipFactory.create_batch(2, practice=Membership.objects.get(user=owner).practice)
    client.force_login(owner)

    assert client.get("/count/").content == b"3"


@pytest.mark.urls(__name__)
def test_an_anonymous_request_cannot_read_practice_rows(client, owner):
    with pytest.raises(ScopeError):
        client.get("/count/")


@pytest.mark.urls(__name__)
def test_a_request_runs_in_the_practice_time_zone(client, owner, practice):
    practice.time_zone = "America/Vancouver"
    practice.save()
    client.force_login(owner)

    assert client.get("/tz/").content == b"America/Vancouver"
