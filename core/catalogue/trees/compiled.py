"""A rate tree compiled for evaluation (issue 12 item 7): what rating asks of a scope's tree
for every event, so it is built once per tree and answers without I/O or scans.

Each branch becomes a slotted object holding a dict from value to child (one hash probe per
level, whatever the number of siblings), its Others child apart, and the case folding of its
attribute's dictionary. Every leaf, and every place a walk can stop short, is an
``nodes.Evaluation`` built at compile time with its path and inherited rules already resolved,
so an evaluation allocates nothing: it walks the dicts and returns a shared frozen answer.

An event value is tried as given first and folded only when that misses, so a well-formed
event (``ES``, ``21401``) costs one probe per level and ``es`` still meets ``ES``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from core.catalogue.trees import nodes, rules

if TYPE_CHECKING:
    from core.catalogue.domains.service import Domain

_RESULTS = {
    nodes.FLAT: nodes.RESULT_PRICE,
    nodes.SCALE: nodes.RESULT_PRICE,
    nodes.FREE: nodes.RESULT_FREE,
    nodes.INCLUDED: nodes.RESULT_INCLUDED,
    nodes.NOT_INCLUDED: nodes.RESULT_NOT_INCLUDED,
    nodes.BLOCKED: nodes.RESULT_BLOCKED,
}


class _Branch:
    """A ``depends_on`` node; ``not_found`` is the answer when no child and no Others match.

    ``miss`` is what a value the dict does not hold leads to, settled once the children are
    known (``seal``): Others, else ``not_found``, or, when the attribute's values fold, a
    ``_Fold`` that retries the folded value first. The hot loop then makes one ``dict.get``
    call per level with ``miss`` as its default, and tests nothing else.
    """

    __slots__ = ("attribute", "children", "fold", "lookup", "miss", "not_found", "others")

    def __init__(
        self, attribute: str, fold: Callable[[str], str] | None, not_found: nodes.Evaluation
    ) -> None:
        self.attribute = attribute
        self.children: dict[str, _Branch | nodes.Evaluation] = {}
        self.lookup = self.children.get  # bound once: one attribute load less per level
        self.others: _Branch | nodes.Evaluation | None = None
        self.fold = fold
        self.not_found = not_found
        self.miss: _Branch | nodes.Evaluation | _Fold = not_found

    def seal(self) -> None:
        fallback = self.others if self.others is not None else self.not_found
        self.miss = fallback if self.fold is None else _Fold(self, fallback)


class _Fold:
    """A miss on a branch whose attribute folds case: ``es`` still meets ``ES``. Taken only
    when the value as given names no child, so a well-formed event never pays the fold."""

    __slots__ = ("branch", "fallback")

    def __init__(self, branch: _Branch, fallback: _Branch | nodes.Evaluation) -> None:
        self.branch = branch
        self.fallback = fallback

    def retry(self, get: Callable[[str], object]) -> _Branch | nodes.Evaluation:
        branch = self.branch
        value = get(branch.attribute)
        if value is None:
            return self.fallback
        return branch.lookup(branch.fold(value), self.fallback)  # type: ignore[misc, arg-type]


_Node = _Branch | nodes.Evaluation


class CompiledTree:
    """``evaluate`` answers what the tree says of one event; safe to share between tasks
    (nothing in it changes after compilation)."""

    __slots__ = ("_roots", "leaves")

    def __init__(self, roots: dict[str, dict[str, _Node]], leaves: int) -> None:
        self._roots = roots
        self.leaves = leaves

    def evaluate(
        self, domain: str, resource: str, attributes: Mapping[str, str]
    ) -> nodes.Evaluation:
        """The leaf the event's attributes lead to: at each branch the child named by the
        event's value of its attribute, else Others, else ``not_found`` where the walk
        stopped. An absent attribute matches Others only."""
        try:
            node = self._roots[domain][resource]
        except (KeyError, TypeError):  # TypeError: a key that is not text (a list) names none
            return _missing(domain, resource, isinstance(domain, str) and domain in self._roots)
        get = attributes.get
        try:
            while True:
                while type(node) is _Branch:
                    node = node.lookup(get(node.attribute), node.miss)
                if type(node) is not _Fold:
                    return node  # type: ignore[return-value]
                node = node.retry(get)  # type: ignore[union-attr]
        except TypeError:
            # A value that is not text (a number, a list) names no child: read it as absent.
            texts = {k: v for k, v in attributes.items() if isinstance(v, str)}
            return self.evaluate(domain, resource, texts)


def _missing(domain: str, resource: str, domain_known: bool) -> nodes.Evaluation:
    path = (domain,) if domain_known else ()
    return nodes.Evaluation(nodes.RESULT_NOT_FOUND, path)


def _leaf(rate: nodes.Rate, path: tuple[str, ...], billing: str, quantity: str) -> nodes.Evaluation:
    scale = None
    if rate.type == nodes.SCALE:
        scale = nodes.Scale(rate.scale or nodes.TIER, tuple(rate.tiers), tuple(rate.counter_group))
    return nodes.Evaluation(
        result=_RESULTS[rate.type],
        path=path,
        price_type=rate.type,
        price=rate.price if rate.type == nodes.FLAT else None,
        scale=scale,
        billing_rule=billing,
        quantity_rule=quantity,
    )


def _attributes_of(domains: Mapping[str, Domain], domain: str, resource: str) -> dict[str, object]:
    found = domains.get(domain)
    if found is None:
        return {}
    for declared in found.declaration.resources:
        if declared.key == resource:
            return {a.name: a for a in declared.attributes}
    return {}


def compile_tree(tree: nodes.Tree, domains: Mapping[str, Domain] | None = None) -> CompiledTree:
    """The evaluator of ``tree``. ``domains`` gives each attribute's dictionary (for its case
    folding); by default every registered domain, as a tree read back from storage may name a
    domain its company has since switched off and still must evaluate the same."""
    if domains is None:
        from core.catalogue.domains.service import registered

        domains = registered()
    roots: dict[str, dict[str, _Node]] = {}
    leaves = 0
    for domain in tree.domains:
        resources = roots.setdefault(domain.domain, {})
        for resource in domain.resources:
            path = (domain.domain, resource.resource)
            billing = resource.billing_rule or nodes.DEFAULT_BILLING_RULE
            quantity = resource.quantity_rule or nodes.DEFAULT_QUANTITY_RULE
            if resource.rate is None:
                resources[resource.resource] = nodes.Evaluation(
                    nodes.RESULT_NOT_FOUND, path, billing_rule=billing, quantity_rule=quantity
                )
                continue
            declared = _attributes_of(domains, domain.domain, resource.resource)
            root, count = _compile_rate(resource.rate, path, billing, quantity, declared)
            resources[resource.resource] = root
            leaves += count
    return CompiledTree(roots, leaves)


def _compile_rate(
    rate: nodes.Rate,
    path: tuple[str, ...],
    billing: str,
    quantity: str,
    declared: Mapping[str, object],
) -> tuple[_Node, int]:
    """One resource's nodes, walked with a stack (no recursion, whatever the stored depth)."""
    leaves = 0

    def make(rate: nodes.Rate, path: tuple[str, ...], billing: str, quantity: str) -> _Node:
        nonlocal leaves
        billing = rate.billing_rule or billing
        quantity = rate.quantity_rule or quantity
        if rate.type != nodes.DEPENDS_ON:
            leaves += 1
            return _leaf(rate, path, billing, quantity)
        attribute = rate.depends_on or ""
        branch = _Branch(
            attribute,
            rules.normaliser(declared.get(attribute)),  # type: ignore[arg-type]
            nodes.Evaluation(
                nodes.RESULT_NOT_FOUND, path, billing_rule=billing, quantity_rule=quantity
            ),
        )
        stack.append((branch, rate, path, billing, quantity))
        return branch

    stack: list[tuple[_Branch, nodes.Rate, tuple[str, ...], str, str]] = []
    root = make(rate, path, billing, quantity)
    while stack:
        branch, parent, at, billing, quantity = stack.pop()
        for child in parent.children:
            child_path = (*at, child.value)
            if child.rate is None:
                node: _Node = nodes.Evaluation(
                    nodes.RESULT_NOT_FOUND, child_path, billing_rule=billing, quantity_rule=quantity
                )
            else:
                node = make(child.rate, child_path, billing, quantity)
            if child.value == nodes.OTHERS:
                branch.others = node
            else:
                branch.children[child.value] = node
        branch.seal()
    return root, leaves
