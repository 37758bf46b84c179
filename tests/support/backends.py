"""E-mail backends for fault tests: each message a file (so another process's sends can be
counted), after an optional pause that plays a slow provider."""

import os
import threading
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    """Writes every accepted message to FAULT_MAIL_DIR, FAULT_MAIL_DELAY seconds after
    being handed it. Settings come from the environment so a worker process can use it."""

    def send_messages(self, messages):
        folder = Path(os.environ["FAULT_MAIL_DIR"])
        delay = float(os.environ.get("FAULT_MAIL_DELAY", "0"))
        for message in messages:
            time.sleep(delay)
            name = folder / f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
            partial = name.with_suffix(".part")
            partial.write_bytes(message.message().as_bytes())
            partial.rename(name)  # a reader never sees half a message
        return len(messages)


class RecordingBackend(BaseEmailBackend):
    """In-process: keeps every accepted message, calls `after_accepting(message)` (a fault
    to inject at that moment) and pauses `delay` seconds first, like a slow provider."""

    sent = []
    lock = threading.Lock()
    delay = 0.0
    after_accepting = None

    def send_messages(self, messages):
        for message in messages:
            time.sleep(RecordingBackend.delay)
            with RecordingBackend.lock:
                RecordingBackend.sent.append(message)
            if RecordingBackend.after_accepting:
                RecordingBackend.after_accepting(message)
        return len(messages)
