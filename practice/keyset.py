"""Long lists paged by key: a page starts after (or ends before) a row named in the link,
by that row's place in the list's order, so the database reads the page from an index of
that order however far into the list it is (where OFFSET would read and drop every row
before it), and a link stays right while rows are added.

`order` is the list's order_by, its last field unique (the primary key): ("last_name",
"first_name", "pk"), or ("-paid_on", "-pk").
"""

from dataclasses import dataclass, field

from django.db.models import Q


def beyond(order, row, backwards=False):
    """The rows after `row` in `order` (before it, `backwards`): a condition on the order's
    fields that an index in that order serves, its first field bounding where to start."""
    condition = None
    for name in reversed(order):
        column = name.lstrip("-")
        descending = name.startswith("-") != backwards
        value = getattr(row, column)
        step = Q(**{f"{column}__{'lt' if descending else 'gt'}": value})
        condition = step if condition is None else step | (Q(**{column: value}) & condition)
    first = order[0].lstrip("-")
    descending = order[0].startswith("-") != backwards
    start = Q(**{f"{first}__{'lte' if descending else 'gte'}": getattr(row, first)})
    return start & condition


def reversed_order(order):
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)


@dataclass
class Page:
    rows: list = field(default_factory=list)
    has_previous: bool = False
    has_next: bool = False

    @property
    def first(self):
        return self.rows[0] if self.rows else None

    @property
    def last(self):
        return self.rows[-1] if self.rows else None


def page(queryset, order, *, size, after=None, before=None, last=False):
    """One page of `queryset` in `order`: the first; the one after the row `after`; the one
    before the row `before`; or, `last`, the last. One query (of size + 1 rows)."""
    backwards = before is not None or last
    if after is not None:
        queryset = queryset.filter(beyond(order, after))
    elif before is not None:
        queryset = queryset.filter(beyond(order, before, backwards=True))
    rows = list(queryset.order_by(*(reversed_order(order) if backwards else order))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        return Page(rows, has_previous=more, has_next=before is not None)
    return Page(rows, has_previous=after is not None, has_next=more)
