"""Text as people typed it, minus the characters that only do harm here.

- NUL: PostgreSQL cannot store it (a query with one fails), and nobody types it.
- Bidirectional formatting controls (embeddings, overrides, isolates): invisible, they
  reorder what follows them, so a name or an answer could make a note, a list or an
  insurer's report read differently from what was typed. Right-to-left text needs none
  of them (the Unicode bidi algorithm orders Arabic and Hebrew by itself); the plain
  direction marks (U+200E, U+200F, U+061C), which cannot reorder a run, are kept.
"""

import re

HARMFUL = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")


def clean(value):
    """`value` without NUL and bidirectional formatting controls."""
    return HARMFUL.sub("", value) if isinstance(value, str) else value


def clean_querydict(data):
    """A copy of a QueryDict with every value cleaned, or the same one if none needs it."""
    if not any(HARMFUL.search(value) for values in data.lists() for value in values[1]):
        return data
    cleaned = data.copy()
    for key, values in data.lists():
        cleaned.setlist(clean(key), [clean(value) for value in values])
    cleaned._mutable = False
    return cleaned
