"""What the operator sees of backups: the health pages, the admin's list, and the commands'
refusals. (The backup and restore themselves: test_restore_drill.py, on PostgreSQL.)"""

import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from practice import backups
from practice.models import Backup
from practice.tasks import take_backup

NOW = datetime.datetime(2026, 12, 6, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def backups_on(settings):
    settings.BACKUP_GPG_RECIPIENT = "backups@practice.example"
    settings.BACKUP_MAX_AGE_HOURS = 24
    return settings


def taken(hours_ago):
    return Backup.objects.create(
        taken_at=NOW - datetime.timedelta(hours=hours_ago),
        filename=f"default-practice-{hours_ago}.psql.bin.gz.gpg",
        size_bytes=195_500,
        seconds=0.4,
    )


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
def test_without_backups_set_up_the_health_pages_say_nothing_of_them(client, settings):
    settings.BACKUP_GPG_RECIPIENT = ""

    assert client.get(reverse("health")).content.decode() == "ok\n"
    response = client.get(reverse("health_backups"))
    assert (response.status_code, response.content) == (200, b"ok\n")


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
def test_no_backup_yet_turns_the_health_pages_red(client, backups_on):
    health = client.get(reverse("health"))
    watched = client.get(reverse("health_backups"))

    assert health.status_code == 200  # an old backup is no reason to stop serving
    assert health.content.decode() == "ok\nerror: backups: no backup has been taken\n"
    assert (watched.status_code, watched.content) == (503, b"error: no backup has been taken\n")


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
def test_a_backup_older_than_a_day_turns_them_red_and_a_new_one_green(
    client, backups_on, django_assert_max_num_queries
):
    taken(hours_ago=30)

    with django_assert_max_num_queries(1):
        health = client.get(reverse("health")).content.decode()
    watched = client.get(reverse("health_backups"))
    assert health == "ok\nerror: backups: the last backup is 30 hours old\n"
    assert (watched.status_code, watched.content) == (
        503,
        b"error: the last backup is 30 hours old\n",
    )

    taken(hours_ago=2)
    assert client.get(reverse("health")).content.decode() == "ok\n"
    assert client.get(reverse("health_backups")).status_code == 200


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
def test_the_admin_shows_when_each_backup_was_taken_and_how_big(client, owner, backups_on):
    taken(hours_ago=30)
    taken(hours_ago=2)
    owner.is_staff = True
    owner.save()
    client.force_login(owner)
    url = reverse("admin:practice_backup_changelist")

    assert client.get(url).status_code == 403  # a practice's staff account: not theirs

    owner.is_superuser = True
    owner.save()
    page = client.get(url).content.decode()
    assert "default-practice-2.psql.bin.gz.gpg" in page
    assert "190.9\xa0KB" in page
    assert "30 h (too old)" in page
    assert "2 h (too old)" not in page


@pytest.mark.django_db
def test_without_a_key_no_backup_is_taken_unencrypted(settings):
    settings.BACKUP_GPG_RECIPIENT = ""

    assert take_backup() is None
    with pytest.raises(CommandError, match="set BACKUP_GPG_RECIPIENT"):
        call_command("backup")
    assert not Backup.objects.exists()


@pytest.mark.django_db
def test_a_restore_never_overwrites_a_database_that_holds_anything(backups_on):
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore")
    assert backups.is_empty() is False


def test_a_server_without_backups_is_warned_by_check_deploy(settings):
    from practice.checks import backups_configured

    settings.BACKUP_GPG_RECIPIENT = ""
    settings.DEBUG = False
    [warning] = backups_configured(None)
    assert "BACKUP_GPG_RECIPIENT" in warning.msg

    settings.BACKUP_GPG_RECIPIENT = "backups@practice.example"
    assert backups_configured(None) == []


def test_a_poll_of_the_health_page_loads_no_session_and_runs_at_most_one_query(
    owner_client, backups_on, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        response = owner_client.get("/health/")  # with a signed-in member's cookie
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert owner_client.get("/health/backups/").status_code in (200, 503)
