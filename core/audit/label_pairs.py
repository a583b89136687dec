"""SQLite: the audit log's text filters read as (label, action) ranges of one index (issue 9).

The ``(arm, user_label, action, created_at, id)`` index (migration ``2026-12-01T20:20``) holds
each (label, action) pair's events of an arm as one range in time order. Given
``user_label IN (…) AND action IN (…)`` SQLite seeks each pair's range, and for a page sorted
by ``created_at`` stops reading a range as soon as its next event cannot enter the page (its
ORDER BY … LIMIT over IN-driven ranges, the query plan's "TEMP B-TREE" then sorts a few rows
per pair): a page costs a few index entries per pair whether the text matches ten events or
most of the log, and a capped total reads exactly its matches, index-only. At 1,000,000 events:
``user=user7@`` (2%) page 0.2 ms, ``user=user1&action_contains=company`` (5%) 0.2 ms, where
its user ranges alone (``+action``) took 36 ms to sort.

So the strategy does not depend on how many events a text matches (a per-label event count
kept by the dictionary's triggers would have picked between a read in the list's order and
the label ranges, and cost every write of the log; none is kept): it depends on the number of
pairs, the seeks of each read. A filter's values are read from the dictionary first (one
query), and the clauses are written with them as a JSON array (``json_each``, one parameter):

- ``user`` and ``action_contains``: the labels and actions matching each text;
- ``user`` alone: the matching labels and every action of the dictionary. ``action IN (every
  action)`` holds for every event (the dictionary holds every value an event holds, its
  triggers see every write), so the rows are the same; it only lets SQLite seek the pairs;
- ``action_contains`` alone: the matching actions, each one range of ``(arm, action,
  created_at, id)``.

More than ``MAX_PAIRS`` pairs (a log of many users and actions, ``user=@``), or a text holding
NUL: ``None``, and the caller keeps ``core.audit.labels.label_contains`` (the list's order
first, ``core.db.broad_search``). Either way the same rows (tests/test_audit_labels.py reads
every list both ways). PostgreSQL needs none of this: ``label_filter`` hands its planner the
values as constants, and it weighs them against its statistics.
"""

from __future__ import annotations

import json

from piccolo.custom_types import Combinable

from core.audit.labels import DICTIONARY, RARE, Covered

# The most (label, action) pairs a read seeks: at 350 pairs a page took 1 ms at 1,000,000
# events; beyond this the list's order first (``label_contains``) bounds the work instead.
MAX_PAIRS = 1_000


async def pair_filters(user: str | None, action: str | None) -> list[Combinable] | None:
    """The clauses of the ``user`` and ``action_contains`` texts as pair ranges, ``None`` when
    there would be more than ``MAX_PAIRS`` (or a text holds NUL: the caller's path keeps it
    out of the trigram index; or on PostgreSQL); ``1 = 0`` when a text matches no value."""
    from core.db.engine import is_postgres

    if not user and not action:
        return []
    if is_postgres() or MAX_PAIRS < 1 or "\x00" in (user or "") + (action or ""):
        return None
    labels = await _values("user_label", user) if user else None
    actions = await _values("action", action) if action else None
    if labels is not None and actions is None:
        actions = await _values("action", None)
    if labels == [] or actions == []:
        return [Covered("1 = 0")]
    pairs = len(actions or ()) * (len(labels) if labels is not None else 1)
    if pairs > MAX_PAIRS:
        return None
    clauses: list[Combinable] = []
    if labels is not None:
        # SQLite's statistics say a company holds a few events: told the labels are rare, it
        # seeks their ranges rather than read the arm in order checking each event
        clauses.append(_within("user_label", labels, rare=True))
    clauses.append(_within("action", actions or [], rare=labels is None))
    return clauses


def _within(kind: str, values: list[str], rare: bool) -> Covered:
    """``kind IN (values)``, ``rare``: wrapped in ``likelihood(…, RARE)``."""
    test = f'"audit_events"."{kind}" IN (SELECT value FROM json_each({{}}))'
    if rare:
        test = f"likelihood({test}, {RARE})"
    return Covered(test, json.dumps(values))


async def _values(kind: str, text: str | None) -> list[str]:
    """The dictionary's values of ``kind`` containing ``text`` (every one: ``text`` None),
    exactly as ``label_contains`` selects them; no more than ``MAX_PAIRS + 1``."""
    from core.audit.models import AuditEvent
    from core.db.search import MIN_INDEXED_LENGTH, fts_query, search_table
    from core.web.listing import like_pattern

    sql = f"SELECT value FROM {DICTIONARY} WHERE kind = '{kind}'"
    args: list[str] = []
    if text is not None:
        sql += " AND value LIKE {} ESCAPE '\\'"
        args.append(like_pattern(text))
        if len(text) >= MIN_INDEXED_LENGTH:
            fts = search_table(DICTIONARY)
            sql += f' AND id IN (SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH {{}})'
            args.append(fts_query(("value",), text))
    rows = await AuditEvent.raw(f"{sql} LIMIT {MAX_PAIRS + 1}", *args)
    return [row["value"] for row in rows]
