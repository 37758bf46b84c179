"""Events of the clients app that apps above it listen to."""

from django.dispatch import Signal

# Sent with submission= and flags= (the red flags it raised that the client did not have
# before) once an intake the client sent is applied and committed. The follow-up engine
# tells the therapist before the client's next session.
red_flags_raised = Signal()
