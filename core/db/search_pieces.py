"""Which part of a searched text the trigram index should read (issue 9).

A trigram index answers ``'%Client 00005%'`` by reading the entries of every trigram of the
text and keeping the rows found under all of them. Among 100,000 companies named
``Client 0000123 Ltd`` the trigrams of "Client" are each under every row, so a text matching
a hundred rows read six lists of 100,000 entries; and the more rows, the longer those lists:
PostgreSQL's GIN scan took 12.7 ms for ``'%Client 00005%'`` and 0.35 ms for ``'%00005%'``,
the same hundred-odd rows (EXPLAIN ANALYZE, bench database of benchmarks/bench_lists.py).

So the index is asked for the rows holding the text's most selective *word* (a run of letters
and digits, as long as a trigram or longer), and the full text is checked on those rows as it
always is (``LIKE`` on SQLite, ``ILIKE`` on PostgreSQL): a row holding the text holds each of
its words, so the rows found are exactly the same, whichever word is read. Only the cost
depends on the choice, never the answer.

How selective a word is comes from a sample of the searched columns' values (``SAMPLE_ROWS``
rows picked at random by primary key across the whole table, kept ``SAMPLE_SECONDS`` per
process), the way a planner's statistics are a sample: the values are read to count, never
returned to anyone. A word replaces the text only when the sample finds it in no more rows
than the text itself (plus ``SLACK``, sampling noise): it then costs no more rows to re-check,
and reads fewer trigram entries. A table too small for a sample that says anything
(``MIN_SAMPLE``) is searched with the whole text, as is a text with no word to choose.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from piccolo.table import Table

SAMPLE_ROWS = 1_000
SAMPLE_SECONDS = 600.0
MIN_SAMPLE = 200
# a word the sample finds in this many more rows than the whole text still counts as as rare
SLACK = 2
MIN_WORD = 3  # a trigram: a shorter word has none (core.db.search.MIN_INDEXED_LENGTH)
_WORD = re.compile(r"[^\W_]+")
# (table, columns) -> (when read, each sampled row's values joined and case-folded)
_samples: dict[tuple[str, tuple[str, ...]], tuple[float, list[str]]] = {}


def words(text: str) -> list[str]:
    """The text's runs of letters and digits long enough to have a trigram, but the text
    itself (nothing to choose then)."""
    found = {w for w in _WORD.findall(text) if len(w) >= MIN_WORD and w != text}
    return sorted(found, key=lambda w: (len(w), w))


async def piece(table: type[Table], columns: Sequence[str], text: str) -> str:
    """``text``, or the word of it the trigram index reads cheapest for the same rows."""
    candidates = words(text)
    if not candidates:
        return text
    sample = await _sample(table, tuple(columns))
    if len(sample) < MIN_SAMPLE:
        return text

    def hits(part: str) -> int:
        folded = part.casefold()
        return sum(folded in value for value in sample)

    allowed = hits(text) + SLACK
    scored = [(hits(word), -len(word), word) for word in candidates]
    best = min(scored)
    return best[2] if best[0] <= allowed else text


async def density(table: type[Table], columns: Sequence[str], text: str) -> float:
    """The share of the table's sampled rows holding ``text`` in any of ``columns`` (0 for a
    table too small to say), which tells a text most rows hold from a rare one before any of
    the list is read (``core.db.broad_search``'s PostgreSQL count)."""
    sample = await _sample(table, tuple(columns))
    if len(sample) < MIN_SAMPLE:
        return 0.0
    folded = text.casefold()
    return sum(folded in value for value in sample) / len(sample)


async def _sample(table: type[Table], columns: tuple[str, ...]) -> list[str]:
    key = (table._meta.tablename, columns)
    kept = _samples.get(key)
    now = time.monotonic()
    if kept is not None and now - kept[0] < SAMPLE_SECONDS:
        return kept[1]
    rows = await table.raw(_sample_sql(table, columns))
    values = ["\n".join(str(row[c] or "") for c in columns).casefold() for row in rows]
    _samples[key] = (now, values)
    return values


def _sample_sql(table: type[Table], columns: tuple[str, ...]) -> str:
    """Rows at ``SAMPLE_ROWS`` random primary keys between the smallest and the largest: a
    few index lookups whatever the table's size (gaps in the ids only make it smaller)."""
    from core.db.engine import is_postgres

    name = table._meta.tablename
    pk = table._meta.primary_key._meta.db_column_name
    listed = ", ".join(f'"{c}"' for c in columns)
    bounds = f'SELECT MIN("{pk}") AS lo, MAX("{pk}") AS hi FROM "{name}"'
    if is_postgres():
        picks = (
            "SELECT b.lo + floor(random() * (b.hi - b.lo + 1))::bigint "
            f"FROM generate_series(1, {SAMPLE_ROWS}), ({bounds}) AS b"
        )
        return f'SELECT {listed} FROM "{name}" WHERE "{pk}" = ANY(ARRAY({picks}))'
    picks = (
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {SAMPLE_ROWS})"
        f" SELECT b.lo + abs(random() % (b.hi - b.lo + 1)) FROM n, ({bounds}) AS b"
    )
    return f'SELECT {listed} FROM "{name}" WHERE "{pk}" IN ({picks})'


def forget() -> None:
    """Drop the kept samples (tests that rewrite a table between searches)."""
    _samples.clear()
