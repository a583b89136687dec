"""The rate-tree document (docs/rate-trees.md): every validation rule answers its JSON path and
a message naming the node, all problems at once; dump is canonical and parse(dump(t)) == t;
hostile documents are refused without a crash."""

from __future__ import annotations

import copy
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalogue.domains.service import registered
from core.catalogue.services import service_types
from core.catalogue.trees import examples, nodes, rules, store
from core.catalogue.trees.document import dump, incomplete, parse
from core.errors import Invalid

DOMAINS = registered()


def _doc(rate: dict | None, resource: str = "sms_message", domain: str = "sms", **extra) -> dict:
    entry: dict = {"resource": resource, **extra}
    if rate is not None:
        entry["rate"] = rate
    return {"format": 1, "domains": [{"domain": domain, "resources": [entry]}]}


def _errors(document: object, service_type: str = "pay_as_you_go") -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        parse(document, service_type, DOMAINS)
    assert caught.value.status_code == 422
    return {e["field"]: e["message"] for e in caught.value.errors}


R = "domains[0].resources[0].rate"


def test_issue_example_parses_and_dumps_canonically():
    document = _doc(
        {
            "depends_on": "direction",
            "children": [
                {"value": "MO", "rate": {"type": "free"}},
                {
                    "value": "MT",
                    "rate": {
                        "depends_on": "country",
                        "children": [
                            {"value": "es", "rate": {"type": "flat", "price": "0.080"}},
                            {
                                "value": "*",
                                "rate": {
                                    "type": "scale",
                                    "scale": "tier",
                                    "counter_group": ["sender_id"],
                                    "tiers": [{"up_to": 10000, "price": "0.05"}, {"price": 0}],
                                },
                            },
                        ],
                    },
                },
            ],
        },
        billing_rule="submitted",
        quantity_rule="messages",
    )
    tree = parse(document, "pay_as_you_go", DOMAINS)
    resource = tree.domains[0].resources[0]
    assert (resource.billing_rule, resource.quantity_rule) == ("submitted", "messages")
    mt = resource.rate.children[1].rate
    assert mt.depends_on == "country"
    assert mt.children[0].value == "ES" and mt.children[0].rate.price == Decimal("0.08")
    assert mt.children[1].rate.tiers == [
        nodes.Tier(Decimal("0.05"), 10000),
        nodes.Tier(Decimal("0"), None),
    ]
    out = dump(tree)
    spain = out["domains"][0]["resources"][0]["rate"]["children"][1]["rate"]["children"]
    assert spain[0] == {"value": "ES", "rate": {"type": "flat", "price": "0.08"}}
    assert spain[1]["rate"] == {
        "type": "scale",
        "scale": "tier",
        "counter_group": ["sender_id"],
        "tiers": [{"up_to": 10000, "price": "0.05"}, {"price": "0"}],
    }
    assert list(out["domains"][0]["resources"][0]) == [
        "resource",
        "billing_rule",
        "quantity_rule",
        "rate",
    ]
    assert dump(parse(out, "pay_as_you_go", DOMAINS)) == out


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
def test_worked_examples_are_valid_and_stable(name):
    document = examples.EXAMPLES[name]()
    tree = parse(document, "pay_as_you_go", DOMAINS)
    assert dump(tree) == dump(parse(dump(tree), "pay_as_you_go", DOMAINS))
    assert parse(dump(tree), "pay_as_you_go", DOMAINS) == tree
    assert incomplete(tree) == []


def test_prices_dump_as_plain_decimals():
    rate = {"type": "scale", "scale": "back_to_first"}
    rate["tiers"] = [{"up_to": 5, "price": "10"}, {"up_to": 7, "price": "0.000001"}, {"price": 12}]
    out = dump(parse(_doc(rate), "pay_as_you_go", DOMAINS))
    tiers = out["domains"][0]["resources"][0]["rate"]["tiers"]
    assert [t["price"] for t in tiers] == ["10", "0.000001", "12"]


def test_document_level_rules():
    assert _errors([]) == {"document": "the document must be an object, got a list"}
    found = _errors({"format": 2, "domains": {}, "extra": 1})
    assert found == {
        "extra": "“extra” is not a key of the document",
        "format": "must be 1 (the only format there is)",
        "domains": "must be a list of domains, got an object",
    }
    assert _errors({"format": True, "domains": []})["format"].startswith("must be 1")


def test_domain_and_resource_rules():
    document = {
        "format": 1,
        "domains": [
            {"domain": "nope", "resources": []},
            {"domain": "sms", "resources": [{"resource": "sms_message"}, {"resource": "mms"}]},
            {"domain": "sms", "resources": []},
            {
                "domain": "rcs",
                "resources": [{"resource": "rcs_message"}, {"resource": "rcs_message"}],
            },
            {"domain": "whatsapp", "resources": "x", "colour": "red"},
            "sms",
        ],
    }
    found = _errors(document)
    assert found["domains[0].domain"].startswith("“nope” is not a service domain you may price")
    assert found["domains[1].resources[1].resource"].startswith(
        "“mms” is not a resource of sms (resources: sms_message, sender_id_setup_fee"
    )
    assert found["domains[2].domain"] == "domain “sms” appears twice"
    assert (
        found["domains[3].resources[1].resource"] == "resource “rcs_message” appears twice in rcs"
    )
    assert found["domains[4].resources"] == "must be a list of resources, got text"
    assert found["domains[4].colour"] == "“colour” is not a key of a domain"
    assert found["domains[5]"] == "a domain must be an object, got text"


def test_a_domain_the_company_may_not_price_is_refused():
    only_rcs = {"rcs": DOMAINS["rcs"]}
    found = {}
    with pytest.raises(Invalid) as caught:
        parse(_doc(None), "pay_as_you_go", only_rcs)
    found = {e["field"]: e["message"] for e in caught.value.errors}
    assert list(found) == ["domains[0].domain"]


def test_value_twice_under_one_parent_names_the_node():
    rate = {
        "depends_on": "direction",
        "children": [
            {
                "value": "MT",
                "rate": {
                    "depends_on": "country",
                    "children": [
                        {"value": "ES", "rate": {"type": "free"}},
                        {"value": "*", "rate": {"type": "free"}},
                        {"value": "es"},
                        {"value": "*"},
                    ],
                },
            },
            {"value": "mt"},
        ],
    }
    found = _errors(_doc(rate))
    assert found == {
        f"{R}.children[0].rate.children[2].value": (
            "value “ES” appears twice under “country” at sms / sms_message / MT"
        ),
        f"{R}.children[0].rate.children[3].value": (
            "value Others (“*”) appears twice under “country” at sms / sms_message / MT"
        ),
        f"{R}.children[1].value": "value “MT” appears twice under “direction” at sms / sms_message",
    }


def test_free_values_are_compared_exactly_and_dictionary_values_by_their_case():
    rate = {
        "depends_on": "sender_id",
        "children": [{"value": "Acme", "rate": {"type": "free"}}, {"value": "ACME"}],
    }
    tree = parse(_doc(rate), "pay_as_you_go", DOMAINS)
    assert [c.value for c in tree.domains[0].resources[0].rate.children] == ["Acme", "ACME"]
    wa = _doc(
        {"depends_on": "pricing_category", "children": [{"value": "Marketing"}]},
        resource="whatsapp_message",
        domain="whatsapp",
    )
    tree = parse(wa, "pay_as_you_go", DOMAINS)
    assert tree.domains[0].resources[0].rate.children[0].value == "marketing"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "a value must not be empty at sms / sms_message"),
        ("x" * 101, "a value has at most 100 characters at sms / sms_message"),
        ("A\x00B", "value “A?B” holds a control character at sms / sms_message"),
        ("A\nB", "value “A?B” holds a control character at sms / sms_message"),
        (" ACME", "value “ ACME” starts or ends with a space at sms / sms_message"),
        (12, "a value must be text, got a number at sms / sms_message"),
        (None, "a value must be text, got null at sms / sms_message"),
    ],
)
def test_value_rules(value, message):
    rate = {"depends_on": "sender_id", "children": [{"value": value}]}
    assert _errors(_doc(rate)) == {f"{R}.children[0].value": message}


def test_attribute_rules():
    rate = {
        "depends_on": "country",
        "children": [
            {"value": "ES", "rate": {"depends_on": "country", "children": []}},
            {"value": "FR", "rate": {"depends_on": "pricing_category"}},
            {"value": "IT", "rate": {"depends_on": "sender_id", "children": [{"value": "A"}]}},
        ],
    }
    found = _errors(_doc(rate))
    assert found == {
        f"{R}.children[0].rate.depends_on": (
            "attribute “country” is already used on the path at sms / sms_message / ES"
        ),
        f"{R}.children[1].rate.depends_on": (
            "“pricing_category” is not an attribute of sms_message (attributes: direction, "
            "country, mcc, network, sender_id) at sms / sms_message / FR"
        ),
    }
    assert _errors(_doc({"depends_on": "network"}, resource="platform_fee")) == {
        f"{R}.depends_on": "“network” is not an attribute of platform_fee (it has no "
        "attributes) at sms / platform_fee"
    }


def test_price_rules():
    rate = {
        "depends_on": "country",
        "children": [
            {"value": "ES", "rate": {"type": "flat", "price": "-0.01"}},
            {"value": "FR", "rate": {"type": "flat", "price": "0.0000001"}},
            {"value": "IT", "rate": {"type": "flat", "price": 0.5}},
            {"value": "DE", "rate": {"type": "flat", "price": "abc"}},
            {"value": "PT", "rate": {"type": "flat", "price": "1e30"}},
            {"value": "GB", "rate": {"type": "flat"}},
            {"value": "NL", "rate": {"type": "flat", "price": True}},
            {"value": "BE", "rate": {"type": "flat", "price": "NaN"}},
            {"value": "US", "rate": {"type": "flat", "price": 10**30}},
        ],
    }
    found = _errors(_doc(rate))
    at = f"{R}.children[{{}}].rate.price"
    assert found == {
        at.format(0): "price “-0.01” must not be negative at sms / sms_message / ES",
        at.format(1): "price “0.0000001”: has more than 6 decimal places at sms / sms_message / FR",
        at.format(2): "a price must be a decimal string like “0.08”, got a number",
        at.format(3): "price “abc”: is not an amount at sms / sms_message / DE",
        at.format(4): "price “1e30”: is too large at sms / sms_message / PT",
        at.format(5): "a price is required at sms / sms_message / GB",
        at.format(6): "a price must be a decimal string like “0.08”, got true/false",
        at.format(7): "price “NaN”: is not an amount at sms / sms_message / BE",
        at.format(8): (
            "price “1000000000000000000000000000000”: is too large at sms / sms_message / US"
        ),
    }


def _scale(tiers, **extra) -> dict:
    return _doc({"type": "scale", "scale": "tier", "tiers": tiers, **extra})


def test_scale_rules():
    assert _errors(_scale([])) == {
        f"{R}.tiers": "a scale needs a list of at least one tier at sms / sms_message"
    }
    found = _errors(
        _scale(
            [
                {"up_to": 100, "price": "1"},
                {"up_to": 100, "price": "1"},
                {"price": "1"},
                {"up_to": 0, "price": "1"},
                {"up_to": "9", "price": "1"},
                {"up_to": 10**16, "price": "1"},
                {"up_to": 2000, "price": "1", "colour": "red"},
                {"up_to": 3000, "price": "1"},
            ]
        )
    )
    t = f"{R}.tiers"
    assert found == {
        f"{t}[1].up_to": "thresholds must increase: 100 follows 100 at sms / sms_message",
        f"{t}[2].up_to": "every tier but the last needs up_to at sms / sms_message",
        f"{t}[3].up_to": "up_to must be from 1 to 1000000000000000 at sms / sms_message",
        f"{t}[4].up_to": "up_to must be a whole number, got text",
        f"{t}[5].up_to": "up_to must be from 1 to 1000000000000000 at sms / sms_message",
        f"{t}[6].colour": "“colour” is not a key of a tier at sms / sms_message",
        f"{t}[7].up_to": (
            "the last tier has no up_to (it covers every unit beyond) at sms / sms_message"
        ),
    }
    many = [{"up_to": i + 1, "price": "1"} for i in range(100)] + [{"price": "1"}]
    assert _errors(_scale(many)) == {f"{t}": "a scale has at most 100 tiers at sms / sms_message"}
    assert _errors(_doc({"type": "scale", "tiers": [{"price": "1"}]})) == {
        f"{R}.scale": "scale must be one of tier, back_to_first at sms / sms_message"
    }
    single = parse(_scale([{"price": "0.5"}]), "pay_as_you_go", DOMAINS)
    assert single.domains[0].resources[0].rate.tiers == [nodes.Tier(Decimal("0.5"))]


def test_counter_group_rules():
    found = _errors(_scale([{"price": "1"}], counter_group=["sender_id", "colour", "sender_id"]))
    assert found == {
        f"{R}.counter_group[1]": (
            "“colour” is not an attribute of sms_message (attributes: direction, country, mcc, "
            "network, sender_id)"
        ),
        f"{R}.counter_group[2]": (
            "attribute “sender_id” appears twice in counter_group at sms / sms_message"
        ),
    }
    assert _errors(_scale([{"price": "1"}], counter_group="sender_id")) == {
        f"{R}.counter_group": "counter_group must be a list of attribute keys at sms / sms_message"
    }


@pytest.mark.parametrize(
    ("service_type", "allowed", "refused"),
    [
        ("pay_as_you_go", ["flat", "scale", "free", "not_included", "blocked"], ["included"]),
        ("unit_pack", ["included", "not_included", "blocked"], ["flat", "scale", "free"]),
        ("monetary_pack", ["included", "not_included", "blocked"], ["flat", "scale", "free"]),
        ("bundle_initiator", ["included", "not_included"], ["flat", "blocked", "free"]),
        ("bundle_pack", ["included", "not_included"], ["scale", "blocked", "free"]),
    ],
)
def test_price_types_by_service_type(service_type, allowed, refused):
    leaves = {
        "flat": {"type": "flat", "price": "1"},
        "scale": {"type": "scale", "scale": "tier", "tiers": [{"price": "1"}]},
    }
    for type_ in allowed:
        rate = {
            "depends_on": "country",
            "children": [{"value": "ES", "rate": leaves.get(type_, {"type": type_})}],
        }
        parse(_doc(rate), service_type, DOMAINS)
    for type_ in refused:
        rate = {
            "depends_on": "country",
            "children": [{"value": "ES", "rate": leaves.get(type_, {"type": type_})}],
        }
        message = _errors(_doc(rate), service_type)[f"{R}.children[0].rate.type"]
        assert message.startswith(f"price type {type_} is not allowed for a {service_type} service")
        assert message.endswith("at sms / sms_message / ES")


def test_rate_shape_and_rules():
    rate = {
        "depends_on": "country",
        "billing_rule": "eventually",
        "children": [
            {"value": "ES", "rate": {"type": "flat", "price": "1", "tiers": []}},
            {"value": "FR", "rate": {"type": "gratis"}},
            {"value": "IT", "rate": {}},
            {"value": "DE", "rate": "free"},
            {"value": "PT", "rate": {"type": "free", "quantity_rule": "bytes"}, "note": "x"},
            "GB",
        ],
    }
    found = _errors(_doc(rate, quantity_rule="segments", billing_rule=3))
    c = f"{R}.children"
    assert found == {
        "domains[0].resources[0].billing_rule": (
            "must be one of submitted, delivered (or absent) at sms / sms_message"
        ),
        f"{R}.billing_rule": "must be one of submitted, delivered (or absent) at sms / sms_message",
        f"{c}[0].rate.tiers": "“tiers” is not a key of a flat rate at sms / sms_message / ES",
        f"{c}[1].rate.type": (
            "type must be one of flat, scale, free, included, not_included, blocked"
        ),
        f"{c}[2].rate.type": "a rate needs a type or depends_on at sms / sms_message / IT",
        f"{c}[3].rate": "a rate must be an object, got text at sms / sms_message / DE",
        f"{c}[4].rate.quantity_rule": (
            "must be one of messages, segments, full_period (or absent) at sms / sms_message / PT"
        ),
        f"{c}[4].note": "“note” is not a key of a child at sms / sms_message",
        f"{c}[5]": "a child must be an object, got text",
    }


def test_a_branch_needs_its_attribute():
    assert _errors(_doc({"type": "depends_on", "children": []})) == {
        f"{R}.depends_on": "a branch needs depends_on (attributes: direction, country, mcc, "
        "network, sender_id) at sms / sms_message"
    }


def test_depends_on_may_say_its_type():
    rate = {"type": "depends_on", "depends_on": "direction", "children": []}
    tree = parse(_doc(rate), "pay_as_you_go", DOMAINS)
    assert dump(tree)["domains"][0]["resources"][0]["rate"] == {
        "depends_on": "direction",
        "children": [],
    }


def test_incomplete_nodes_are_allowed_and_listed_in_document_order():
    document = {
        "format": 1,
        "domains": [
            {
                "domain": "sms",
                "resources": [
                    {"resource": "platform_fee"},
                    {
                        "resource": "sms_message",
                        "rate": {
                            "depends_on": "direction",
                            "children": [
                                {"value": "MT", "rate": {"depends_on": "country"}},
                                {"value": "MO"},
                            ],
                        },
                    },
                ],
            }
        ],
    }
    tree = parse(document, "pay_as_you_go", DOMAINS)
    assert incomplete(tree) == [
        ("domains[0].resources[0]", "no price type"),
        ("domains[0].resources[1].rate.children[0].rate", "depends on country with no children"),
        ("domains[0].resources[1].rate.children[1]", "no price type"),
    ]
    assert dump(tree)["domains"][0]["resources"][1]["rate"]["children"][1] == {"value": "MO"}


def test_all_problems_come_at_once_and_are_capped():
    children = [{"value": "", "rate": {"type": "flat", "price": "-1"}} for _ in range(600)]
    found = _errors(_doc({"depends_on": "sender_id", "children": children}))
    assert len(found) == 1001
    assert found["domains"] == "more than 1000 problems: the first 1000 are listed"


def test_node_limit(monkeypatch):
    monkeypatch.setattr(rules, "MAX_NODES", 50)
    children = [{"value": f"S{i}", "rate": {"type": "free"}} for i in range(40)]
    with pytest.raises(Invalid) as caught:
        parse(_doc({"depends_on": "sender_id", "children": children}), "pay_as_you_go", DOMAINS)
    assert caught.value.errors[0]["message"] == "a tree holds at most 50 nodes"


def test_deep_nesting_is_refused_without_recursion():
    rate: dict = {"type": "free"}
    for _ in range(5000):
        rate = {"depends_on": "sender_id", "children": [{"value": "A", "rate": rate}]}
    found = _errors(_doc(rate))
    assert found[f"{R}.children[0].rate.depends_on"] == (
        "attribute “sender_id” is already used on the path at sms / sms_message / A"
    )


def test_input_is_not_modified():
    document = examples.sms()
    before = copy.deepcopy(document)
    parse(document, "pay_as_you_go", DOMAINS)
    assert document == before


@pytest.mark.parametrize("service_type", ["barter", "", "PAY_AS_YOU_GO", None, ["unit_pack"], 7])
def test_unknown_service_type_is_the_type_field_error(service_type):
    with pytest.raises(Invalid) as raised:
        parse(_doc(None), service_type, DOMAINS)
    assert raised.value.status_code == 422
    assert raised.value.errors == [
        {
            "field": "type",
            "message": "a rate tree belongs to a service of one of the types pay_as_you_go, "
            "unit_pack, monetary_pack, bundle_initiator, bundle_pack",
        }
    ]


def test_every_service_type_has_tree_rules():
    """What keeps the error above out of reach of a stored service."""
    assert set(rules.ALLOWED_TYPES) == set(service_types.LABELS)


# --- round trip of any tree ----------------------------------------------------------------

SMS_ATTRIBUTES = ("direction", "country", "network", "sender_id")
VALUES = {
    "direction": ["MT", "MO"],
    "country": ["ES", "FR", "IT", "DE"],
    "network": ["21401", "21422", "20801"],
    "sender_id": ["Acme", "acme", "Shop"],
}
prices = st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False)
rule_of = st.sampled_from(nodes.BILLING_RULES).map(str) | st.none()
quantity_of = st.sampled_from(nodes.QUANTITY_RULES).map(str) | st.none()


@st.composite
def leaves(draw) -> nodes.Rate:
    type_ = draw(st.sampled_from(["flat", "scale", "free", "not_included", "blocked"]))
    rate = nodes.Rate(type=type_, billing_rule=draw(rule_of), quantity_rule=draw(quantity_of))
    if type_ == "flat":
        rate.price = draw(prices)
    elif type_ == "scale":
        rate.scale = draw(st.sampled_from(nodes.SCALES))
        ups = sorted(draw(st.sets(st.integers(1, 10**9), max_size=4)))
        rate.tiers = [nodes.Tier(draw(prices), up) for up in ups] + [nodes.Tier(draw(prices))]
        rate.counter_group = draw(
            st.lists(st.sampled_from(SMS_ATTRIBUTES), unique=True, max_size=2)
        )
    return rate


@st.composite
def rates(draw, depth: int = 0) -> nodes.Rate | None:
    if depth >= len(SMS_ATTRIBUTES) or draw(st.integers(0, 3)) == 0:
        return draw(leaves() | st.none())
    attribute = SMS_ATTRIBUTES[depth]
    values = draw(st.lists(st.sampled_from([*VALUES[attribute], "*"]), unique=True, max_size=4))
    children = [nodes.Child(v, draw(rates(depth + 1))) for v in values]
    return nodes.Rate(
        type="depends_on", depends_on=attribute, children=children, billing_rule=draw(rule_of)
    )


@st.composite
def trees(draw) -> nodes.Tree:
    """Rules anywhere but on the resource's top-level rate (the resource holds those)."""
    top = draw(rates())
    if top is not None:
        top.billing_rule = top.quantity_rule = None
    resource = nodes.ResourceTree("sms_message", top, draw(rule_of), draw(quantity_of))
    return nodes.Tree([nodes.DomainTree("sms", [resource, nodes.ResourceTree("platform_fee")])])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_round_trip(tree):
    document = dump(tree)
    assert parse(document, "pay_as_you_go", DOMAINS) == tree
    assert dump(parse(document, "pay_as_you_go", DOMAINS)) == document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_round_trip_through_the_stores_rows(tree):
    """What ``store.write_tree`` sends and ``store.read_tree`` rebuilds (no database: the
    rows as the bulk insert gets them, read back in any order) is the tree written."""
    rows = [
        dict(zip(store.COLUMNS, row, strict=True))
        for row in store._rows(1, tree, itertools.count(1))
    ]
    assert store.tree_of(rows[::-1]) == tree
    assert dump(store.tree_of(rows)) == dump(tree)


def test_rules_on_a_resources_top_level_rate_are_refused_at_their_path():
    top = {"depends_on": "direction", "billing_rule": "delivered", "quantity_rule": "segments"}
    found = _errors(_doc(top, billing_rule="submitted"))
    where = "sms / sms_message"
    message = f"set the rules on the resource, not on its top-level rate, at {where}"
    assert found == {f"{R}.billing_rule": message, f"{R}.quantity_rule": message}
    leaf = {"type": "flat", "price": "0.05", "quantity_rule": "segments"}
    assert _errors(_doc(leaf)) == {f"{R}.quantity_rule": message}
    # on the resource, and below the top-level rate, they are the document's own
    below = {"depends_on": "direction", "children": [{"value": "MT", "rate": leaf}]}
    tree = parse(_doc(below, billing_rule="delivered"), "pay_as_you_go", DOMAINS)
    resource = tree.domains[0].resources[0]
    assert (resource.billing_rule, resource.rate.children[0].rate.quantity_rule) == (
        "delivered",
        "segments",
    )


def test_documented_examples_are_the_canonical_documents():
    """docs/rate-trees.md shows each worked example exactly as GET …/tree answers it."""
    import json
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "rate-trees.md").read_text("utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S)]
    for name, build in examples.EXAMPLES.items():
        canonical = dump(parse(build(), "pay_as_you_go", DOMAINS))
        assert canonical in blocks, name
    issue = next(b for b in blocks if b.get("format") == 1)
    parse(issue, "pay_as_you_go", DOMAINS)


def test_hostile_values_are_named_briefly_without_crashing():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    rate = {
        "depends_on": "country",
        "children": [
            {"value": "ES", "rate": {"depends_on": deep}},
            {"value": "FR", "rate": {"type": "flat", "price": 10**5000}},
            {"value": "IT", "rate": {"type": "flat", "price": -(10**5000)}},
            {"value": "DE", "rate": {"type": "scale", "scale": "tier", "tiers": [{"price": deep}]}},
            {"value": list(range(10**5))},
        ],
    }
    found = _errors(_doc(rate, quantity_rule={"a": deep}), "pay_as_you_go")
    c = f"{R}.children"
    assert found[f"{c}[0].rate.depends_on"].startswith(
        "“a list” is not an attribute of sms_message"
    )
    assert found[f"{c}[1].rate.price"] == (
        "price “a number of more than 40 digits”: is too large at sms / sms_message / FR"
    )
    assert found[f"{c}[2].rate.price"].endswith("is too large at sms / sms_message / IT")
    assert found[f"{c}[3].rate.tiers[0].price"] == (
        "a price must be a decimal string like “0.08”, got a list"
    )
    assert found[f"{c}[4].value"] == "a value must be text, got a list at sms / sms_message"
    assert found["domains[0].resources[0].quantity_rule"].startswith("must be one of messages")
