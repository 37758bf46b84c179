"""Events of the follow-up engine that apps above it listen to."""

from django.dispatch import Signal

# Sent with checkin= when a client first answers "worse", inside the transaction that
# keeps the answer (the complaints app opens a draft incident for the session).
checkin_worse = Signal()
