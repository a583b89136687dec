"""``/api/v1/dictionaries``: the dictionaries, a page of one's values, one value.

Permission: any signed-in user (``signed_in()``), no permission area. The values are
reference data (ISO codes, public network codes, Meta's markets) that every rate tree shows,
so a user with no role reads them too; client-portal users are refused by the API's guard
like on every route until their portal exists (issue 8). A tenant dictionary answers only its
caller's tenant's values, read within the caller's scope. A dictionary of a plugin switched off
for the caller's company is not listed and answers 404, as the plugin's own routes do.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get
from litestar.params import FromPath, Parameter

from core.access.guards import signed_in
from core.catalogue.dictionaries.schemas import DictionaryList, DictionaryOut, ValueOut, ValuePage
from core.catalogue.dictionaries.service import registry as dictionaries
from core.plugins import registry
from core.web import csv_export
from core.web.context import principal_of
from core.web.listing import ListQuery, ListQueryParam, make_page, paging

READ = [signed_in()]
TAGS = ["Dictionaries"]
Key = Annotated[str, Parameter(max_length=64)]
ValueKey = Annotated[str, Parameter(max_length=200)]


def _out(value: dictionaries.Value) -> ValueOut:
    return ValueOut(key=value.key, label=value.label, extra=value.extra, missed=value.missed)


@get(
    "/dictionaries",
    summary="The dictionaries rate-tree attributes take values from",
    guards=READ,
    tags=TAGS,
)
async def list_dictionaries(request: Request) -> DictionaryList:
    scope = principal_of(request).scope
    items = []
    for key, dictionary in sorted((await dictionaries.visible(scope)).items()):
        index = await dictionaries.index_for(dictionary, scope)
        items.append(
            DictionaryOut(
                key=key,
                label=dictionary.name,
                size=len(index.values),
                scoped=dictionary.scoped,
                source=dictionary.describe_source(),
                plugin=registry.plugin_of("dictionaries", key),
            )
        )
    return DictionaryList(items=items)


@get(
    "/dictionaries/{key:str}",
    summary="Values of one dictionary; q searches keys, labels and the dictionary's searched "
    "fields (a country's French name, a network's operator)",
    dependencies={"list_query": paging("key", dictionaries.SORTABLE, "asc")},
    guards=READ,
    tags=TAGS,
)
async def dictionary_values(
    request: Request,
    key: FromPath[Key],
    list_query: ListQueryParam,
    q: Annotated[str | None, Parameter(max_length=100)] = None,
    format: csv_export.ExportFormat = "json",
) -> ValuePage:
    scope = principal_of(request).scope
    dictionary = dictionaries.declaration(key, await dictionaries.visible(scope))
    index = await dictionaries.index_for(dictionary, scope)
    if format == "csv":

        async def batch(query: ListQuery):
            rows, total, cursors = dictionaries.page(index, q, query)
            return [_out(v) for v in rows], total, cursors

        return await csv_export.respond(f"dictionary-{key}", ValueOut, batch, list_query)
    rows, total, cursors = dictionaries.page(index, q, list_query)
    out = make_page([_out(v) for v in rows], total, list_query, ValuePage, cursors)
    out.dictionary, out.dictionary_label = key, dictionary.name
    return out


@get(
    "/dictionaries/{key:str}/{value:str}",
    summary="One value; a key the dictionary does not hold answers as a missed option "
    "(missed: true, its key as label), so a tree naming a dropped value still shows",
    guards=READ,
    tags=TAGS,
)
async def dictionary_value(
    request: Request, key: FromPath[Key], value: FromPath[ValueKey]
) -> ValueOut:
    scope = principal_of(request).scope
    dictionary = dictionaries.declaration(key, await dictionaries.visible(scope))
    index = await dictionaries.index_for(dictionary, scope)
    return _out(index.resolve(value))


API_HANDLERS = [list_dictionaries, dictionary_values, dictionary_value]
