from django_scopes import scopes_disabled

from practice.tooling import seeding
from sessions.models import SessionNote


def test_every_seeded_signed_note_verifies_after_a_reload(db):
    # A year of history crosses both clock changes of the practice's time zone.
    practice = seeding.seed_practices(1, clients=8, years=1, seed=3).practices[0]

    with scopes_disabled():
        notes = SessionNote.objects.filter(practice=practice).exclude(signed_at=None)
        notes = list(notes.select_related("appointment", "client"))
        assert len(notes) > 20
        assert practice.time_zone == "Europe/London"
        assert [note.pk for note in notes if not note.verify()] == []
