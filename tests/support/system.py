"""What a test needs from the machine that `make system-deps` installs.

Outside CI a missing package skips the test with the target that installs it; in CI it is
a failure, so no test can silently stop running there.
"""

import os
import shutil
import subprocess

import pytest


def require(available, what):
    if available:
        return
    message = f"{what} is not installed: `make system-deps` installs it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def fonts_cover(text):
    """Whether an installed font has a glyph for every character of `text` (fontconfig)."""
    if not shutil.which("fc-list"):
        return False
    for char in set(text):
        if char.isascii():
            continue
        found = subprocess.run(
            ["fc-list", f":charset={ord(char):x}", "family"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        if not found.stdout.strip():
            return False
    return True
