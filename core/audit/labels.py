"""The audit log's text filters, answered from its dictionary of labels (issue 9).

``user`` (a part of the label an event was recorded with) and ``action_contains`` were
``LIKE '%text%'`` over every event in scope: 89 ms on SQLite and over a second on PostgreSQL at
1,000,000 events. The log holds few distinct labels and actions, and the database keeps them in
``audit_labels`` (migration ``2026-12-01T11:50``), covered by a trigram index. A filter is then
"the column is one of the dictionary's values that contain the text": a read of the small
dictionary, then of the scope's events holding those values through the
``(company|tenant_id, action, created_at, id)`` and ``(company|tenant_id, user_label, action,
created_at, id)`` indexes (migrations ``2026-12-01T11:50:01``, ``T20:20``). With both filters
the user's leads and the action's is checked on the rows read (``lead``).

A capped total ("10,000+") has to find 10,001 matching events. The clauses are ``Covered``:
the total is counted arm by arm (``core.db.disjoint.counted_apart``), each from its arm's
index alone, both filters together as the (label, action) pairs of the second index; counted
once through the scope's join, each match was a row read from the table (80 ms on PostgreSQL
for ``user=user7@`` at 1,000,000 events, where the page itself took 2).

Exactly the old rows: the dictionary holds every value any event holds (a value no event holds
any more matches no event), the values are compared with the same ``LIKE``/``ILIKE`` as before,
and each event keeps the label it was recorded with, so a deleted user's or an old e-mail's
events still match. The dictionary is global and never shown: it only names values, the events
are still read within the caller's scope.

On SQLite a list first asks ``core.audit.label_pairs``: texts naming few (label, action)
pairs are read as those ranges of one index, whatever share of the log they match. Past its
limit the clause here is a ``Searched`` (``core.db.broad_search``) whose ``plain`` form is the
old ``LIKE``: a text most events match is read from the list's order first, a bounded run of
rows, where the dictionary's answer (most values) would read the events of every matching value.

On PostgreSQL the matching values are read first and written into the events' query as an
array of constants (``_literal``): its planner then weighs each value against its statistics
of the column (a rare value: its index; values most events hold: a read in the list's order
that stops after a page). Handed a subquery instead (``= ANY(ARRAY(SELECT …))``) it guesses
ten values of average frequency. No value is ``1 = 0``; more than ``MAX_VALUES`` keep the
subquery (a text that many values hold is broad).
"""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable

from core.db.broad_search import Searched
from core.db.search import fts_query, search_table

DICTIONARY = "audit_labels"
KINDS = ("user_label", "action")
# the most values handed to PostgreSQL as an array; its planner weighs each one
MAX_VALUES = 1_000
# SQLite: the share of events the planner is told a text filter keeps (see label_contains)
RARE = "0.000001"


class Covered(WhereRaw):
    """A text filter's clause: each arm of the scope has an index holding the column right
    after the arm (``(arm, user_label, action, …)``, ``(arm, action, …)``, migrations
    ``2026-12-01T11:50:01`` and ``T20:20``), so a capped total counts each arm from its index
    alone (``core.db.disjoint.covered``), 10,001 index entries instead of as many table rows."""

    arm_covered = True


class CoveredSearched(Searched):
    """SQLite's ``Searched`` form of a text filter, ``Covered`` likewise."""

    arm_covered = True


async def label_filter(column: Column, text: str, lead: bool = True) -> Combinable:
    """``label_contains``, with the matching values read first on PostgreSQL (see above)."""
    from core.db.engine import is_postgres
    from core.web.listing import like_pattern

    if not is_postgres() or "\x00" in text:
        return label_contains(column, text, lead)
    kind = _kind(column)
    rows = await column._meta.table.raw(
        f"SELECT value FROM {DICTIONARY} WHERE kind = '{kind}' AND value ILIKE {{}} ESCAPE '\\' "
        f"LIMIT {MAX_VALUES + 1}",
        like_pattern(text),
    )
    if not rows:
        return Covered("1 = 0")
    if len(rows) > MAX_VALUES:
        return label_contains(column, text, lead)
    values = ", ".join(_literal(r["value"]) for r in rows)
    return Covered(f'"audit_events"."{kind}" = ANY(ARRAY[{values}]::text[])')


def _literal(value: str) -> str:
    """``value`` as a constant in the SQL text, not a parameter: asyncpg prepares each statement
    and PostgreSQL plans it generically after five runs, which for an array parameter guesses
    ten values of average frequency, so a rare value was looked for by reading a reseller's
    whole log (2.3 s at 1,000,000 events). An escape string (``E'…'``) means the same whatever
    ``standard_conforming_strings`` says: backslash and quote are escaped, NUL cannot occur in
    PostgreSQL text, and braces are doubled for piccolo's template."""
    quoted = "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted.replace("{", "{{").replace("}", "}}")


def _kind(column: Column) -> str:
    kind = column._meta.db_column_name
    if kind not in KINDS or column._meta.table._meta.tablename != "audit_events":
        raise ValueError(f"{kind} is not a column of the audit log's dictionary")
    return kind


def label_contains(column: Column, text: str, lead: bool = True) -> Combinable:
    """Events whose ``column`` (``AuditEvent.user_label`` or ``.action``) contains ``text``,
    case-insensitively, ``%`` and ``_`` literal: ``core.web.listing.contains``, served by the
    dictionary, in one query (the form an export or a count may keep).

    On SQLite one filter of a list ``lead``s: it is the one read through its index, or from
    the list's order when most events match. Another one (``lead=False``) is only checked on
    the rows read, ``+column`` keeping SQLite off its index: two ``Searched`` clauses, and the
    list's order was not tried at all (``core.db.broad_search`` tries one), while the second's
    index made SQLite sort a quarter of the log for ``user=user1&action_contains=company``."""
    from core.db.engine import is_postgres
    from core.db.search import MIN_INDEXED_LENGTH
    from core.web.listing import contains, like_pattern

    kind = _kind(column)
    name = f'"audit_events"."{kind}"'
    pattern = like_pattern(text)
    if is_postgres():
        if "\x00" in text:  # PostgreSQL text cannot hold NUL: nothing holds it
            return Covered("1 = 0")
        # an array computed once: the planner weighs an index lookup per value against a read
        # in the list's order that stops after a page (see core.db.search._through_foreign_key)
        return Covered(
            f"{name} = ANY(ARRAY(SELECT value FROM {DICTIONARY} "
            f"WHERE kind = '{kind}' AND value ILIKE {{}} ESCAPE '\\'))",
            pattern,
        )
    values = f"SELECT value FROM {DICTIONARY} WHERE kind = '{kind}' AND value LIKE {{}} ESCAPE '\\'"
    # SQLite's statistics say a company holds a few events (a reseller holds a third of the
    # log), so it would read the scope's index in order and check every event; ``likelihood``
    # says few events match, and it reads the (arm, column, created_at, id) index instead
    # (migration 2026-12-01T11:50:01). A text most events match never gets here: its page and
    # count are read from the list's order first (``Searched``).
    if len(text) >= MIN_INDEXED_LENGTH and "\x00" not in text:
        # the trigram index picks the candidate values, the LIKE re-checks them (as search.py)
        fts = search_table(DICTIONARY)
        values += f' AND id IN (SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH {{}})'
        args = (pattern, fts_query(("value",), text))
    else:  # no trigram: the dictionary's values are few, each is read
        args = (pattern,)
    if not lead:
        return Covered(f"+{name} IN ({values})", *args)
    indexed = WhereRaw(f"likelihood({name} IN ({values}), {RARE})", *args)
    # no FTS5 probe (``Searched.narrowed``): a few matching values may still be most of the
    # log's events, so a text is never taken as rare from its dictionary rows alone
    return CoveredSearched(indexed, contains(column, text), [], _not_narrowed)


def _not_narrowed(_known: dict[tuple[str, str], str]) -> None:
    return None
