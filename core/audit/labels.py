"""The audit log's text filters, answered from its dictionary of labels (issue 9).

``user`` (a part of the label an event was recorded with) and ``action_contains`` were
``LIKE '%text%'`` over every event in scope: 89 ms on SQLite and over a second on PostgreSQL at
1,000,000 events. The log holds few distinct labels and actions, and the database keeps them in
``audit_labels`` (migration ``2026-12-01T11:50``), covered by a trigram index. A filter is then
"the column is one of the dictionary's values that contain the text": a read of the small
dictionary, then of the events through their ``(user_label, id)`` / ``(action, id)`` index.

Exactly the old rows: the dictionary holds every value any event holds (a value no event holds
any more matches no event), the values are compared with the same ``LIKE``/``ILIKE`` as before,
and each event keeps the label it was recorded with, so a deleted user's or an old e-mail's
events still match. The dictionary is global and never shown: it only names values, the events
are still read within the caller's scope.

On SQLite the clause is a ``Searched`` (``core.db.broad_search``) whose ``plain`` form is the old
``LIKE``: a text most events match is read from the list's order first, a bounded run of rows,
where the dictionary's answer (most values) would read the events of every matching value.
"""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable

from core.db.broad_search import Searched
from core.db.search import fts_query, search_table

DICTIONARY = "audit_labels"
KINDS = ("user_label", "action")


def label_contains(column: Column, text: str) -> Combinable:
    """Events whose ``column`` (``AuditEvent.user_label`` or ``.action``) contains ``text``,
    case-insensitively, ``%`` and ``_`` literal: ``core.web.listing.contains``, served by the
    dictionary."""
    from core.db.engine import is_postgres
    from core.db.search import MIN_INDEXED_LENGTH
    from core.web.listing import contains, like_pattern

    kind = column._meta.db_column_name
    if kind not in KINDS or column._meta.table._meta.tablename != "audit_events":
        raise ValueError(f"{kind} is not a column of the audit log's dictionary")
    name = f'"audit_events"."{kind}"'
    pattern = like_pattern(text)
    if is_postgres():
        if "\x00" in text:  # PostgreSQL text cannot hold NUL: nothing holds it
            return WhereRaw("1 = 0")
        # an array computed once: the planner weighs an index lookup per value against a read
        # in the list's order that stops after a page (see core.db.search._through_foreign_key)
        return WhereRaw(
            f"{name} = ANY(ARRAY(SELECT value FROM {DICTIONARY} "
            f"WHERE kind = '{kind}' AND value ILIKE {{}} ESCAPE '\\'))",
            pattern,
        )
    values = f"SELECT value FROM {DICTIONARY} WHERE kind = '{kind}' AND value LIKE {{}} ESCAPE '\\'"
    if len(text) >= MIN_INDEXED_LENGTH and "\x00" not in text:
        # the trigram index picks the candidate values, the LIKE re-checks them (as search.py)
        fts = search_table(DICTIONARY)
        indexed = WhereRaw(
            f'{name} IN ({values} AND id IN (SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH {{}}))',
            pattern,
            fts_query(("value",), text),
        )
    else:  # no trigram: the dictionary's values are few, each is read
        indexed = WhereRaw(f"{name} IN ({values})", pattern)
    return Searched(indexed, contains(column, text))
