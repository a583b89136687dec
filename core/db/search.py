"""Name search served by a trigram index: every list's ``q`` filter goes through ``matches``.

A substring search (``LIKE '%text%'``) cannot use a B-tree index, so it read every row of the
list (37-244 ms at 100,000 companies, issue 9). A trigram index can: the text's three-letter
pieces select the few candidate rows.

- PostgreSQL: a GIN index ``gin_trgm_ops`` (extension ``pg_trgm``) on each searched column
  serves ``ILIKE '%text%'`` as it is, so the clause is today's ``contains`` unchanged.
- SQLite: an FTS5 table ``<table>_search`` (``tokenize='trigram'``, external content, kept in
  step by triggers) holds the searched columns. The clause is ``contains`` *and*
  ``id IN (SELECT rowid FROM <table>_search WHERE … MATCH '"text"')``: FTS5 picks the candidate
  rows, and the ``LIKE`` re-check keeps exactly the old semantics on those few rows. The re-check
  matters for case: FTS5 folds the case of every Unicode letter while SQLite's ``LIKE`` folds
  ASCII only, so without it "müller" would find "MÜLLER" for long texts but not short ones.
  FTS5's own ``LIKE`` support is not used: it ignores ``ESCAPE``, which ``%`` and ``_`` need.

A text shorter than three characters has no trigram: both engines then read every row of the
list with the plain ``LIKE``/``ILIKE`` (correct, only not indexed). So does a text holding NUL
on SQLite (an FTS5 query string cannot hold one); PostgreSQL text never holds NUL, so nothing
matches there (the web layer refuses NUL before any of this, see ``core.web.guard``).

On SQLite ``matches`` answers a ``Searched`` clause: the SQL above, plus each row's own check
(the ``LIKE``; a correlated ``EXISTS`` through a foreign key) and the FTS5 queries, so a list
reads a rare text through its few rowids and a broad one from its own order, where the
postings of every match cost more than the old scan (``core.db.broad_search``).

On both engines the index is asked for the text's most selective word rather than the whole
text when a sample of the table says that word is as rare (``core.db.search_pieces``): every
trigram of a common word ("Client" among 100,000 "Client …" companies) is under every row,
and the index read all those entries for a text matching a hundred rows. ``refined`` rebuilds
a list's clause so, once a request; the whole text is still checked on every row found.

The audit log's filters (``action_contains``, ``user``) are not on this list: a trigram index on
an append-only log of millions of rows cost far more on every write than it saved its searches
(SQLite: 100,000 events took 271 s to bulk-load instead of 1.5 s, measured with the seeding of
benchmarks/bench_lists.py). The log's few distinct labels and actions are kept instead in a
dictionary, ``audit_labels``, which is indexed here like any searched table; a filter reads its
matching values there and the events through their B-tree index (``core.audit.labels``).

The indexed tables and columns are ``SEARCHED`` below; migration 2026-12-01T06:10 created
them. A column searched here but missing from ``SEARCHED`` is refused, not silently scanned.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable
from piccolo.table import Table

from core.db.broad_search import Searched

# table -> columns held by its trigram index (FTS5 table on SQLite, GIN indexes on PostgreSQL).
SEARCHED: dict[str, tuple[str, ...]] = {
    "companies": ("name",),
    "legal_entities": ("name", "legal_name"),
    "agreements": ("code",),
    "banks": ("name", "swift"),
    "bank_accounts": ("name", "holder", "number"),
    "portals": ("name", "fqdn"),
    "payment_systems": ("name",),
    "roles": ("name",),
    "users": ("email", "first_name", "last_name", "login"),
    "invitations": ("email",),
    "audit_labels": ("value",),  # the audit log's dictionary (migration 2026-12-01T11:50)
}
# The trigram tokenizer indexes three characters at a time; shorter texts have no trigram.
MIN_INDEXED_LENGTH = 3


def search_table(tablename: str) -> str:
    """The FTS5 table holding ``tablename``'s searched columns (SQLite)."""
    return f"{tablename}_search"


def fts_query(columns: Sequence[str], text: str) -> str:
    """``text`` as one FTS5 phrase limited to ``columns``: inside double quotes only a double
    quote is special (doubled), so ``*``, ``OR``, ``NEAR(``, ``:`` and ``-`` stay literal."""
    phrase = '"' + text.replace('"', '""') + '"'
    return "{" + " ".join(columns) + "} : " + phrase


def matches(columns: Column | Sequence[Column], text: str) -> Combinable:
    """Rows where any of ``columns`` contains ``text``, case-insensitively, ``%`` and ``_``
    literal (the semantics of ``core.web.listing.contains``), served by the trigram index.

    Columns are of one table, or reached from it through one foreign key
    (``Agreement.company.name``): those become ``company IN (SELECT id FROM companies WHERE …)``
    so the companies' index serves them, where a join would leave it unused.
    """
    return matches_any((columns, text))


def matches_any(*searches: tuple[Column | Sequence[Column], str]) -> Combinable:
    """Rows matching any of ``searches`` (``matches(columns, text)`` each, a text of its own
    each: the bank accounts' name or holder containing the text, or their number containing
    it without spaces), as one clause: on SQLite one ``Searched`` whose FTS5 probes and plain
    check cover every search, so a list reads the whole ``OR`` by its cheapest exact way. An
    ``OR`` of two ``Searched`` clauses is neither to ``core.db.broad_search``: it was always
    read through every posting of both texts.

    The clause reads the whole text from the index; ``refined`` (which a list awaits before
    reading, ``core.web.listing``) gives it reading a more selective word of it instead
    (``core.db.search_pieces``), for the same rows."""
    groups: dict[tuple[str, str], list[Column]] = {}
    for columns, text in searches:
        columns = [columns] if isinstance(columns, Column) else list(columns)
        if not columns:
            raise ValueError("matches() needs at least one column")
        for column in columns:
            chain = column._meta.call_chain
            if len(chain) > 1:
                raise ValueError("matches() follows one foreign key, not a chain of them")
            key = chain[0]._meta.db_column_name if chain else ""
            groups.setdefault((key, text), []).append(column)
    return _clause(groups, {})


# (foreign key, text) -> the word of the text the index reads (``core.db.search_pieces``)
Pieces = dict[tuple[str, str], str]


def _clause(groups: dict[tuple[str, str], list[Column]], pieces: Pieces) -> Combinable:
    def indexed(known: Known | None = None) -> Combinable:
        clauses = [
            _through_foreign_key(group, text, known, pieces.get((key, text), text))
            if key
            else _on_table(group, text, known, pieces.get((key, text), text))
            for (key, text), group in groups.items()
        ]
        return reduce(lambda a, b: a | b, clauses)

    if not all(_fts_served(text) for _, text in groups):
        from core.db.engine import is_postgres

        found = Refinable(indexed(), groups, pieces)
        if is_postgres():
            found.sure, found.exact = _sure(groups), _sure_first(groups)
        return found
    # SQLite: what core.db.broad_search needs to pick the cheapest exact read (its docstring)
    plain = [
        _correlated(group, text) if key else _like(group, text)
        for (key, text), group in groups.items()
    ]
    probes = [
        (
            search_table(_searched_table(group)._meta.tablename),
            _fts_query(group, pieces.get((key, text), text)),
        )
        for (key, text), group in groups.items()
    ]
    found = Searched(indexed(), reduce(lambda a, b: a | b, plain), probes, indexed)
    found.refine = Refine(groups, pieces)
    return found


class Refine:
    """What a search clause needs to be rebuilt on its most selective words: its groups of
    columns and texts, and the words already chosen (none, at first)."""

    __slots__ = ("_done", "groups", "pieces")

    def __init__(self, groups: dict[tuple[str, str], list[Column]], pieces: Pieces) -> None:
        self.groups, self.pieces = groups, pieces
        self._done: list[Combinable] = []

    async def __call__(self, clause: Combinable) -> Combinable:
        """``clause`` rebuilt on each text's most selective word, when one is better than the
        text (``search_pieces.piece``); ``clause`` itself otherwise or once refined. Chosen
        once per clause, so once a request."""
        from core.db import search_pieces

        if self.pieces:
            return clause
        if not self._done:
            pieces: Pieces = {}
            for (key, text), group in self.groups.items():
                if len(text) < MIN_INDEXED_LENGTH or "\x00" in text:
                    continue  # no index read to narrow (``_on_table``: a plain LIKE/ILIKE)
                table = _searched_table(group)
                names = [c._meta.db_column_name for c in group]
                word = await search_pieces.piece(table, names, text)
                if word != text:
                    pieces[(key, text)] = word
            rebuilt = _clause(self.groups, pieces) if pieces else clause
            if getattr(rebuilt, "sure", None) is not None or isinstance(rebuilt, Searched):
                rebuilt.density = await _density(self.groups)
            self._done.append(rebuilt)
        return self._done[0]


class Refinable(WhereRaw):
    """A search clause as SQL (PostgreSQL's, or SQLite's for a text with no trigram), which
    ``refined`` may rebuild on a more selective word of its text.

    PostgreSQL's ``ILIKE`` folds the case of both sides on every row it checks (1-2 µs a row,
    ten times a ``LIKE``): a capped total of a text most rows hold checked 10,001 rows, 13-20
    ms at 100,000 companies. ``sure`` is a cheaper test that proves a match (the text as
    typed, lower-, upper- or capitalised, case-sensitively, on the list's own columns): more
    than the cap of rows passing it is the capped total (``broad_search.capped_count``)."""

    __slots__ = ("density", "exact", "refine", "sure")

    def __init__(self, clause: Combinable, groups, pieces: Pieces) -> None:
        super().__init__("{}", clause.querystring)
        self.refine = Refine(groups, pieces)
        self.sure: Combinable | None = None
        # the share of the table's rows holding the text, from its sample (``refined``)
        self.density = 0.0
        # the exact test with ``sure`` tried first, for a search of the list's own columns
        self.exact: Combinable | None = None


def _spellings(text: str) -> list[str]:
    """Texts whose case-sensitive ``LIKE`` match proves an ``ILIKE`` match of ``text``: the
    text as typed, and for ASCII its lower-, upper- and capitalised forms (which fold to the
    same letters on every engine; other scripts' case rules may depend on the neighbours)."""
    if not text.isascii():
        return [text]
    return list(dict.fromkeys([text, text.lower(), text.upper(), text.capitalize()]))


def _sure_like(column: Column, text: str) -> Combinable:
    from core.web.listing import like_pattern

    name = column._meta.get_full_name(with_alias=False)
    checks = [
        WhereRaw(f"{name} LIKE {{}} ESCAPE '\\'", like_pattern(spelling))
        for spelling in _spellings(text)
    ]
    return reduce(lambda a, b: a | b, checks)


def _sure(groups: dict[tuple[str, str], list[Column]]) -> Combinable | None:
    """Rows surely matching (``Refinable``): the list's own columns' case-sensitive matches
    (a foreign key's are left out: a row matching less than the search is still sure)."""
    checks = [
        _sure_like(column, text)
        for (key, text), group in groups.items()
        if not key and "\x00" not in text
        for column in group
    ]
    return reduce(lambda a, b: a | b, checks) if checks else None


async def _density(groups: dict[tuple[str, str], list[Column]]) -> float:
    """The largest sampled share of rows holding a text of the search in the list's own
    columns (``search_pieces.density``): the search matches at least as many."""
    from core.db import search_pieces

    shares = [
        await search_pieces.density(
            _searched_table(group), [c._meta.db_column_name for c in group], text
        )
        for (key, text), group in groups.items()
        if not key
    ]
    return max(shares, default=0.0)


def _sure_first(groups: dict[tuple[str, str], list[Column]]) -> Combinable | None:
    """The search's exact test, each column's ``ILIKE`` tried only where its sure test failed
    (``CASE`` keeps that order); ``None`` for a search through a foreign key (its check per
    row is a subquery, which the planner prices high enough to compile the count with JIT,
    12 ms) or of a text holding NUL."""
    from core.web.listing import like_pattern

    if any(key or "\x00" in text for key, text in groups):
        return None
    checks = [
        WhereRaw(
            f"CASE WHEN {{}} THEN TRUE ELSE {column._meta.get_full_name(with_alias=False)} "
            "ILIKE {} ESCAPE '\\' END",
            _sure_like(column, text).querystring,
            like_pattern(text),
        )
        for (_, text), group in groups.items()
        for column in group
    ]
    return reduce(lambda a, b: a | b, checks)


async def refined(where: list) -> list:
    """``where`` with each search clause read through its most selective words (``Refine``):
    the same rows, fewer index entries read."""
    result = []
    for clause in where:
        refine = getattr(clause, "refine", None)
        result.append(await refine(clause) if isinstance(refine, Refine) else clause)
    return result


def _searched_table(columns: list[Column]) -> type[Table]:
    """The table whose trigram index serves ``columns`` (for ``Agreement.company.name``, the
    foreign key's target: piccolo gives a followed column its target table)."""
    return columns[0]._meta.table


# (FTS5 table, query) -> the rowids it matches as a JSON array, when a few
# (``core.db.broad_search``): one table may be asked two texts (``matches_any``)
Known = dict[tuple[str, str], str]


def _fts_query(columns: list[Column], text: str) -> str:
    return fts_query([c._meta.db_column_name for c in columns], text)


def _fts_served(text: str) -> bool:
    """Whether ``text`` is searched through SQLite's FTS5 table (else a plain LIKE/ILIKE)."""
    from core.db.engine import is_postgres

    return not is_postgres() and len(text) >= MIN_INDEXED_LENGTH and "\x00" not in text


def _like(columns: list[Column], text: str) -> Combinable:
    from core.web.listing import contains

    return reduce(lambda a, b: a | b, [contains(c, text) for c in columns])


def _on_table(
    columns: list[Column], text: str, known: Known | None = None, piece: str | None = None
) -> Combinable:
    """``columns`` containing ``text``; the index asked for ``piece`` of it when given (a word
    of the text: the same rows, ``core.db.search_pieces``), the text checked on its rows."""
    from core.db.engine import is_postgres

    table = columns[0]._meta.table
    tablename = table._meta.tablename
    if len({c._meta.table._meta.tablename for c in columns}) != 1:
        raise ValueError("matches() searches the columns of one table")
    names = [c._meta.db_column_name for c in columns]
    missing = set(names) - set(SEARCHED.get(tablename, ()))
    if missing:
        raise ValueError(f"{tablename}.{', '.join(sorted(missing))} has no trigram index")
    if "\x00" in text and is_postgres():
        return WhereRaw("1 = 0")
    like = _like(columns, text)
    piece = piece or text
    if not _fts_served(text):
        return like if piece == text else _checked_on_piece(columns, piece, text)
    fts = search_table(tablename)
    pk = table._meta.primary_key._meta.db_column_name
    query = fts_query(names, piece)
    if known is not None and (fts, query) in known:
        # one JSON parameter read as a subquery: the shape of the FTS5 one, so the planner
        # drives the read from the rowids as it did (a literal list made it scan the scope)
        rowids = WhereRaw(
            f'"{tablename}"."{pk}" IN (SELECT value FROM json_each({{}}))', known[(fts, query)]
        )
        return rowids & like
    candidates = WhereRaw(
        f'"{tablename}"."{pk}" IN (SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH {{}})', query
    )
    return candidates & like


def _checked_on_piece(columns: list[Column], piece: str, text: str) -> Combinable:
    """PostgreSQL: ``column ILIKE '%piece%'`` for its trigram index, and the whole text
    checked on the rows found, written ``(column || '')`` so the planner does not ask the
    index for the text's trigrams too (which is what the piece avoids)."""
    from core.web.listing import contains, like_pattern

    checks = []
    for column in columns:
        name = column._meta.get_full_name(with_alias=False)
        checks.append(
            contains(column, piece)
            & WhereRaw(f"({name} || '') ILIKE {{}} ESCAPE '\\'", like_pattern(text))
        )
    return reduce(lambda a, b: a | b, checks)


def _through_foreign_key(
    columns: list[Column], text: str, known: Known | None = None, piece: str | None = None
) -> Combinable:
    """``key IN (SELECT id … matching)``. PostgreSQL gets ``key = ANY(ARRAY(SELECT …))``: an
    ``IN (subquery)`` inside an ``OR`` is a filter no index serves, so each row of the list was
    read; the array is computed once and leaves the planner both ways, an index on ``key``
    for a rare text and an ordered scan that stops after a page for one matching most rows."""
    from core.db.engine import is_postgres

    key = columns[0]._meta.call_chain[0]
    target = columns[0]._meta.table
    plain = [target._meta.get_column_by_name(c._meta.name) for c in columns]
    inner = target.select(target._meta.primary_key).where(_on_table(plain, text, known, piece))
    name = f'"{key._meta.table._meta.tablename}"."{key._meta.db_column_name}"'
    template = f"{name} = ANY(ARRAY({{}}))" if is_postgres() else f"{name} IN ({{}})"
    return WhereRaw(template, inner.querystrings[0])


def _correlated(columns: list[Column], text: str) -> Combinable:
    """``EXISTS (SELECT … WHERE id = row.key AND LIKE …)``: the foreign row of each listed row
    checked alone, for a bounded read in the list's order, where ``key IN (SELECT …)`` would
    first read every row of the foreign table that matches (all of them, for a broad text)."""
    key = columns[0]._meta.call_chain[0]
    target = columns[0]._meta.table
    plain = [target._meta.get_column_by_name(c._meta.name) for c in columns]
    target_pk = target._meta.primary_key
    listed = f'"{key._meta.table._meta.tablename}"."{key._meta.db_column_name}"'
    same = WhereRaw(f'"{target._meta.tablename}"."{target_pk._meta.db_column_name}" = {listed}')
    inner = target.select(target_pk).where(same, _like(plain, text))
    return WhereRaw("EXISTS ({})", inner.querystrings[0])
