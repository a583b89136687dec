"""A scope's rate tree as one document: read it, replace it whole (issue 12 item 6).

The document is parsed against the domains the caller's company may price and the service's
type before any row is touched, so a broken document costs no write and answers every
problem under its JSON path; a good one replaces the stored tree in one transaction with one
audit event ("Rate tree replaced", with the node counts: a 100,000-node tree is not 100,000
changes in the log) and moves the scope's ``tree_version``, which retires every cached
compiled tree of the scope in every process. Editing the tree of the scope in force applies
at once, as the guide says.
"""

from __future__ import annotations

from core.access.guards import refuse_client_writes
from core.audit.recorder import AuditContext, Change, record_event
from core.catalogue.domains.service import available
from core.catalogue.enabled import overlap
from core.catalogue.scopes import service as scopes
from core.catalogue.trees import document, store
from core.catalogue.trees.schemas import IncompleteOut, TreeReplaced
from core.db.engine import transaction
from tenants.scope import Scope


async def get_document(scope: Scope, scope_id: int) -> dict:
    await scopes.owned_scope(scope, scope_id)
    return document.dump(await store.read_tree(scope_id))


async def replace_tree(ctx: AuditContext, scope: Scope, scope_id: int, raw: object) -> TreeReplaced:
    refuse_client_writes(scope, "rate trees")
    row = await scopes.owned_scope(scope, scope_id)
    tree = document.parse(raw, row["service_type"], await available(scope))
    async with transaction():
        row = await scopes.owned_scope(scope, scope_id, lock=True)
        if not row["draft"]:
            domains = [d.domain for d in tree.domains]
            await overlap.refuse_new_domains(row["service"], domains, "domains")
        before = await store.count_rows(scope_id)
        after = await store.write_tree(scope_id, tree)
        await scopes.bump_tree_version(scope_id)
        version = row["tree_version"] + 1
        change = Change(
            scopes.TABLE,
            "update",
            scope_id,
            {"nodes": before, "tree_version": row["tree_version"]},
            {"nodes": after, "tree_version": version},
            scope.company_id,
        )
        await record_event(ctx, "Rate tree replaced", [change])
    return TreeReplaced(
        scope_id=scope_id,
        tree_version=version,
        nodes=after,
        incomplete=[IncompleteOut(p, r) for p, r in document.incomplete(tree)],
    )
