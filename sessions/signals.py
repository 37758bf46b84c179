"""Events other apps listen to."""

from django.dispatch import Signal

# Sent by services.change_status with appointment=, old_status=, by= (the follow-up engine
# plans check-ins after a completion and follow-ups after a cancellation).
appointment_status_changed = Signal()
