"""Evaluating a compiled rate tree: the guide's worked examples (§7.3.3 to 7.3.5) answer the
guide's prices for several events each; Others, incomplete nodes, inherited rules and odd
event values behave as docs/rate-trees.md says; and on random trees the compiled evaluator
agrees with a plain walk of the nodes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rate_tree_document import SMS_ATTRIBUTES, VALUES, trees

from core.catalogue.domains.service import registered
from core.catalogue.trees import examples, nodes
from core.catalogue.trees.compiled import compile_tree
from core.catalogue.trees.document import dump_evaluation, parse

DOMAINS = registered()


def _compiled(document: dict, service_type: str = "pay_as_you_go"):
    return compile_tree(parse(document, service_type, DOMAINS), DOMAINS)


def _tiers(evaluation: nodes.Evaluation) -> list[tuple[int | None, Decimal]]:
    return [(t.up_to, t.price) for t in evaluation.scale.tiers]


def test_sms_example():
    tree = _compiled(examples.sms())

    def message(**attributes):
        return tree.evaluate("sms", "sms_message", attributes)

    mo = message(direction="MO", country="ES", network=examples.VODAFONE_ES)
    assert (mo.result, mo.price_type, mo.path) == ("free", "free", ("sms", "sms_message", "MO"))
    assert (mo.billing_rule, mo.quantity_rule) == ("submitted", "segments")

    vodafone = message(direction="MT", country="ES", network="21401", sender_id="Shop")
    assert (vodafone.result, vodafone.price_type, vodafone.price) == (
        "price",
        "flat",
        Decimal("0.04"),
    )
    assert vodafone.path == ("sms", "sms_message", "MT", "ES", "21401")
    assert vodafone.scale is None and vodafone.quantity_rule == "segments"

    digi = message(direction="mt", country="es", network="21422", sender_id="Shop")
    assert (digi.result, digi.price_type, digi.price) == ("price", "scale", None)
    assert digi.scale.scale == "tier" and digi.scale.counter_group == ("sender_id",)
    assert _tiers(digi) == [(1000, Decimal("0.005")), (None, Decimal("0.004"))]
    assert digi.path == ("sms", "sms_message", "MT", "ES", "21422")

    orange = message(direction="MT", country="ES", network="21403")
    assert orange.price == Decimal("0.08") and orange.path[-1] == "*"
    no_network = message(direction="MT", country="ES")
    assert no_network.price == Decimal("0.08") and no_network.path == (
        "sms",
        "sms_message",
        "MT",
        "ES",
        "*",
    )

    france = message(direction="MT", country="FR", network="20801")
    assert france.path == ("sms", "sms_message", "MT", "*")
    assert _tiers(france) == [
        (10000, Decimal("0.05")),
        (50000, Decimal("0.04")),
        (None, Decimal("0.03")),
    ]
    assert france.scale.counter_group == ()

    nowhere = message(country="ES")
    assert (nowhere.result, nowhere.path, nowhere.price_type) == (
        "not_found",
        ("sms", "sms_message"),
        None,
    )

    setup = tree.evaluate("sms", "sender_id_setup_fee", {"network": "21401"})
    assert (setup.result, setup.price) == ("price", Decimal("50"))
    assert (setup.billing_rule, setup.quantity_rule) == ("submitted", "messages")  # defaults
    assert tree.evaluate("sms", "sender_id_setup_fee", {"network": "21422"}).result == "not_found"

    usage = tree.evaluate(
        "sms", "sender_id_usage_fee", {"network": "21401", "periodicity": "monthly"}
    )
    assert (usage.price, usage.quantity_rule) == (Decimal("10"), "full_period")
    usage = tree.evaluate("sms", "sender_id_usage_fee", {"network": "21422"})
    assert (usage.price, usage.quantity_rule) == (Decimal("15"), "full_period")

    assert tree.evaluate("sms", "platform_fee", {}).path == ("sms",)
    assert tree.evaluate("rcs", "rcs_message", {}).path == ()


def test_whatsapp_example():
    tree = _compiled(examples.whatsapp())

    def message(region, category, pricing_type="regular"):
        attributes = {"whatsapp_region": region, "pricing_category": category}
        attributes["pricing_type"] = pricing_type
        return tree.evaluate("whatsapp", "whatsapp_message", attributes)

    auth = message("argentina", "authentication")
    assert auth.path == ("whatsapp", "whatsapp_message", "argentina", "authentication", "regular")
    assert _tiers(auth)[0] == (120_000, Decimal("0.0289"))
    assert _tiers(auth)[-1] == (None, Decimal("0.0217"))
    assert len(auth.scale.tiers) == 6
    assert _tiers(message("argentina", "utility"))[2] == (4_500_000, Decimal("0.026"))
    assert message("Argentina", "authentication_international").price == Decimal("0.028")
    assert message("argentina", "marketing").price == Decimal("0.0618")
    service = message("argentina", "service", "free_customer_service")
    assert (service.result, service.path[-1]) == ("free", "service")
    referral = message("argentina", "referral_conversion", "free_entry_point")
    assert (referral.result, referral.path[-1]) == ("free", "*")
    # the guide prices the regular type only: another type under a priced category is not found
    unpriced = message("argentina", "marketing", "free_entry_point")
    assert (unpriced.result, unpriced.path) == (
        "not_found",
        ("whatsapp", "whatsapp_message", "argentina", "marketing"),
    )

    assert _tiers(message("egypt", "utility"))[4] == (80_000_000, Decimal("0.00421"))
    intl = message("egypt", "authentication_international")
    assert _tiers(intl)[0] == (300_000, Decimal("0.065")) and intl.scale.scale == "tier"
    assert _tiers(message("egypt", "authentication"))[1] == (2_000_000, Decimal("0.0049"))
    assert message("egypt", "marketing").price == Decimal("0.1073")
    assert message("egypt", "service").result == "free"
    assert message("egypt", "marketing_lite").result == "free"
    brazil = message("brazil", "marketing")
    assert (brazil.result, brazil.path) == ("not_found", ("whatsapp", "whatsapp_message"))
    assert (auth.billing_rule, auth.quantity_rule) == ("submitted", "messages")


@pytest.mark.parametrize(
    ("event", "country", "price"),
    [
        (event, country, price)
        for event, prices in examples.RCS_PRICES.items()
        for country, price in prices.items()
    ],
)
def test_rcs_example_prices(event, country, price):
    tree = _compiled(examples.rcs())
    found = tree.evaluate("rcs", "rcs_message", {"billing_event": event, "country": country})
    assert (found.result, found.price) == ("price", Decimal(price))
    assert found.path == ("rcs", "rcs_message", event, country)
    assert (found.billing_rule, found.quantity_rule) == ("delivered", "messages")


def test_rcs_example_others():
    tree = _compiled(examples.rcs())
    p2a = tree.evaluate(
        "rcs", "rcs_message", {"billing_event": "p2a_conversation", "country": "ES"}
    )
    assert (p2a.price, p2a.path, p2a.billing_rule) == (
        Decimal("1.5"),
        ("rcs", "rcs_message", "*"),
        "delivered",
    )
    assert tree.evaluate("rcs", "rcs_message", {"country": "FR"}).price == Decimal("1.5")
    germany = tree.evaluate(
        "rcs", "rcs_message", {"billing_event": "basic_message", "country": "DE"}
    )
    assert (germany.result, germany.path) == ("not_found", ("rcs", "rcs_message", "basic_message"))
    assert germany.billing_rule == "delivered"


def _sms(rate: dict, **resource) -> dict:
    entry = {"resource": "sms_message", "rate": rate, **resource}
    return {"format": 1, "domains": [{"domain": "sms", "resources": [entry]}]}


def test_rules_are_inherited_from_the_nearest_node():
    rate = {
        "depends_on": "direction",
        "children": [
            {
                "value": "MT",
                "rate": {
                    "depends_on": "country",
                    "billing_rule": "delivered",
                    "children": [
                        {"value": "ES", "rate": {"type": "flat", "price": "1"}},
                        {
                            "value": "FR",
                            "rate": {"type": "flat", "price": "2", "billing_rule": "submitted"},
                        },
                    ],
                },
            },
            {"value": "MO", "rate": {"type": "free", "quantity_rule": "messages"}},
        ],
    }
    tree = _compiled(_sms(rate, billing_rule="submitted", quantity_rule="segments"))

    def rules_of(**attributes):
        found = tree.evaluate("sms", "sms_message", attributes)
        return found.billing_rule, found.quantity_rule

    assert rules_of(direction="MT", country="ES") == ("delivered", "segments")
    assert rules_of(direction="MT", country="FR") == ("submitted", "segments")
    assert rules_of(direction="MO") == ("submitted", "messages")
    bare = _compiled(_sms({"type": "flat", "price": "1"}))
    found = bare.evaluate("sms", "sms_message", {})
    assert (found.billing_rule, found.quantity_rule) == (
        nodes.DEFAULT_BILLING_RULE,
        nodes.DEFAULT_QUANTITY_RULE,
    )
    assert (found.result, found.path) == ("price", ("sms", "sms_message"))


@pytest.mark.parametrize(
    ("leaf", "result"),
    [
        ({"type": "free"}, "free"),
        ({"type": "blocked"}, "blocked"),
        ({"type": "not_included"}, "not_included"),
    ],
)
def test_leaf_results(leaf, result):
    tree = _compiled(_sms(leaf))
    found = tree.evaluate("sms", "sms_message", {})
    assert (found.result, found.price_type, found.price, found.scale) == (
        result,
        leaf["type"],
        None,
        None,
    )


def test_pack_tree_says_included():
    rate = {
        "depends_on": "country",
        "children": [
            {"value": "ES", "rate": {"type": "included"}},
            {"value": "*", "rate": {"type": "not_included"}},
        ],
    }
    tree = _compiled(_sms(rate), "unit_pack")
    assert tree.evaluate("sms", "sms_message", {"country": "ES"}).result == "included"
    assert tree.evaluate("sms", "sms_message", {"country": "PT"}).result == "not_included"


def test_incomplete_nodes_are_not_found_where_they_stand():
    rate = {
        "depends_on": "country",
        "children": [
            {"value": "ES"},
            {"value": "FR", "rate": {"depends_on": "network"}},
            {"value": "*", "rate": {"type": "flat", "price": "1"}},
        ],
    }
    tree = _compiled(_sms(rate))
    spain = tree.evaluate("sms", "sms_message", {"country": "ES"})
    assert (spain.result, spain.path) == ("not_found", ("sms", "sms_message", "ES"))
    france = tree.evaluate("sms", "sms_message", {"country": "FR", "network": "20801"})
    assert (france.result, france.path) == ("not_found", ("sms", "sms_message", "FR"))
    unpriced = _compiled(
        {"format": 1, "domains": [{"domain": "sms", "resources": [{"resource": "platform_fee"}]}]}
    )
    assert unpriced.evaluate("sms", "platform_fee", {}).path == ("sms", "platform_fee")


def test_odd_event_values_name_no_child():
    rate = {
        "depends_on": "country",
        "children": [
            {"value": "ES", "rate": {"type": "flat", "price": "1"}},
            {"value": "*", "rate": {"type": "flat", "price": "2"}},
        ],
    }
    tree = _compiled(_sms(rate))
    for odd in (34, None, ["ES"], {"ES": 1}, "*", "", "E\x00S"):
        found = tree.evaluate("sms", "sms_message", {"country": odd})
        assert found.price == Decimal("2"), odd
    assert tree.evaluate("sms", "sms_message", {"country": "es"}).price == Decimal("1")
    # a free-text attribute is compared exactly
    senders = _compiled(
        _sms({"depends_on": "sender_id", "children": [{"value": "Acme", "rate": {"type": "free"}}]})
    )
    assert senders.evaluate("sms", "sms_message", {"sender_id": "Acme"}).result == "free"
    assert senders.evaluate("sms", "sms_message", {"sender_id": "ACME"}).result == "not_found"


def test_folded_values_without_others_stop_where_nothing_matches():
    rate = {
        "depends_on": "country",
        "children": [{"value": "ES", "rate": {"type": "flat", "price": "1"}}],
    }
    tree = _compiled(_sms(rate))
    assert tree.evaluate("sms", "sms_message", {"country": "es"}).price == Decimal("1")
    for odd in ("zz", "ZZ", None, 34, ["ES"]):
        found = tree.evaluate("sms", "sms_message", {"country": odd})
        assert (found.result, found.path) == ("not_found", ("sms", "sms_message")), odd


def test_unknown_or_odd_domain_and_resource_are_not_found():
    tree = _compiled(examples.sms())
    for domain, resource, path in (
        ("voice", "sms_message", ()),
        (["sms"], "sms_message", ()),
        ("sms", "nope", ("sms",)),
        ("sms", ["sms_message"], ("sms",)),
    ):
        found = tree.evaluate(domain, resource, {})
        assert (found.result, found.path) == ("not_found", path), (domain, resource)


def test_evaluation_as_the_api_answers_it():
    tree = _compiled(examples.sms())
    digi = tree.evaluate(
        "sms", "sms_message", {"direction": "MT", "country": "ES", "network": "21422"}
    )
    assert dump_evaluation(digi) == {
        "result": "price",
        "path": ["sms", "sms_message", "MT", "ES", "21422"],
        "price_type": "scale",
        "scale": {
            "scale": "tier",
            "counter_group": ["sender_id"],
            "tiers": [{"up_to": 1000, "price": "0.005"}, {"price": "0.004"}],
        },
        "billing_rule": "submitted",
        "quantity_rule": "segments",
    }
    usage = tree.evaluate("sms", "sender_id_usage_fee", {"network": "21422"})
    assert dump_evaluation(usage) == {
        "result": "price",
        "path": ["sms", "sender_id_usage_fee", "21422"],
        "price_type": "flat",
        "price": "15",
        "billing_rule": "submitted",
        "quantity_rule": "full_period",
    }
    assert dump_evaluation(tree.evaluate("sms", "sms_message", {"direction": "MO"})) == {
        "result": "free",
        "path": ["sms", "sms_message", "MO"],
        "price_type": "free",
        "billing_rule": "submitted",
        "quantity_rule": "segments",
    }
    assert dump_evaluation(tree.evaluate("voice", "call", {})) == {
        "result": "not_found",
        "path": [],
        "price_type": None,
        "billing_rule": "submitted",
        "quantity_rule": "messages",
    }


def test_evaluations_are_shared_not_rebuilt():
    tree = _compiled(examples.sms())
    event = {"direction": "MT", "country": "ES", "network": "21401"}
    assert tree.evaluate("sms", "sms_message", event) is tree.evaluate(
        "sms", "sms_message", dict(event)
    )
    assert tree.leaves == 8  # MO, Vodafone, DIGI, rest of Spain, world; setup 1; usage 2


# --- random trees: the compiled evaluator agrees with a plain walk ----------------------------


def _walk(tree: nodes.Tree, attributes: dict) -> tuple:
    """The reference: follow the named child, else Others, from the resource down."""
    resource = tree.domains[0].resources[0]
    path = ["sms", "sms_message"]
    billing = resource.billing_rule or nodes.DEFAULT_BILLING_RULE
    quantity = resource.quantity_rule or nodes.DEFAULT_QUANTITY_RULE
    rate = resource.rate
    while True:
        if rate is None:
            return ("not_found", tuple(path), None, None)
        billing = rate.billing_rule or billing
        quantity = rate.quantity_rule or quantity
        if rate.type != nodes.DEPENDS_ON:
            return (rate.type, tuple(path), rate.price, billing, quantity)
        value = attributes.get(rate.depends_on)
        match = [c for c in rate.children if c.value == value and value != "*"]
        match = match or [c for c in rate.children if c.value == "*"]
        if not match:
            return ("not_found", tuple(path), None, None)
        path.append(match[0].value)
        rate = match[0].rate


def _answer(evaluation: nodes.Evaluation) -> tuple:
    if evaluation.result == "not_found":
        return ("not_found", evaluation.path, None, None)
    return (
        evaluation.price_type,
        evaluation.path,
        evaluation.price,
        evaluation.billing_rule,
        evaluation.quantity_rule,
    )


def _leaf_events(tree: nodes.Tree) -> list[tuple[dict, tuple]]:
    """For every leaf, an event naming its values (an unknown value where Others leads)."""
    found = []
    root = tree.domains[0].resources[0].rate
    stack = [(root, {}, ("sms", "sms_message"))]
    while stack:
        rate, event, path = stack.pop()
        if rate is None:
            continue
        if rate.type != nodes.DEPENDS_ON:
            found.append((event, path))
            continue
        for child in rate.children:
            value = "UNKNOWN-VALUE" if child.value == "*" else child.value
            stack.append((child.rate, {**event, rate.depends_on: value}, (*path, child.value)))
    return found


events = st.fixed_dictionaries(
    {},
    optional={a: st.sampled_from([*VALUES[a], "ZZ", "es", "mt"]) for a in SMS_ATTRIBUTES},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.lists(events, max_size=10))
def test_compiled_agrees_with_a_plain_walk(tree, random_events):
    compiled = compile_tree(tree, DOMAINS)
    for event, path in _leaf_events(tree):
        found = compiled.evaluate("sms", "sms_message", event)
        assert found.path == path and found.result != "not_found"
    for event in random_events:
        exact = {k: v.upper() if k in ("country", "direction") else v for k, v in event.items()}
        assert _answer(compiled.evaluate("sms", "sms_message", event)) == _walk(tree, exact)
