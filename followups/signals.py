"""Events of the follow-up engine that apps above it listen to."""

from django.dispatch import Signal

# Sent with checkin= when a client first answers "worse", inside the transaction that
# keeps the answer (the complaints app opens a draft incident for the session).
checkin_worse = Signal()

# Sent with followup= and status= (sent, failed, or scheduled again after a failed try) once
# the dispatcher has written a try's outcome; `fields` holds what it wrote (last_error ...).
# The complaints app follows the insurer reports it sends this way.
followup_finished = Signal()
