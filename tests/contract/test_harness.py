"""The harness itself: every adjustment of the spec is still needed and does what its reason
says (against the spec as published), the stand-in examples fit their schemas, and Knock's
bracket query syntax is decoded as Plug decodes it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from werkzeug.test import EnvironBuilder

from tests.contract import harness


def validator(spec: harness.Spec, pointer: str, *, read: bool = False) -> Any:
    registry: Registry[Any] = Registry().with_resource(
        "urn:knock", Resource.from_contents(spec, default_specification=DRAFT4)
    )
    cls = OAS30ReadValidator if read else OAS30WriteValidator
    return cls({"$ref": "urn:knock#" + pointer}, registry=registry)


@pytest.mark.parametrize("adjustment", harness.ADJUSTMENTS, ids=lambda a: a.key)
def test_each_adjustment_still_changes_something(adjustment: harness.Adjustment) -> None:
    places = harness.adjusted_places()[adjustment.key]
    assert places, f"adjustment {adjustment.key!r} no longer changes the spec: remove it"
    assert adjustment.why and adjustment.what


def test_adjustments_leave_the_published_spec_untouched() -> None:
    before = copy.deepcopy(harness.raw_spec())
    harness.adjusted_spec()
    assert harness.raw_spec() == before


def test_the_published_spec_needs_its_path_parameters_declared() -> None:
    with pytest.raises(Exception, match="was not resolved"):
        OpenAPI.from_dict(copy.deepcopy(harness.raw_spec()))


@pytest.mark.parametrize("name", sorted(harness.AMBIGUOUS_ONE_OF))
def test_ambiguous_one_of_witness_matches_two_branches(name: str) -> None:
    witness, _ = harness.AMBIGUOUS_ONE_OF[name]
    branches = harness.raw_spec()["components"]["schemas"][name]["oneOf"]
    matching = [
        i for i in range(len(branches))
        if validator(harness.raw_spec(), f"/components/schemas/{name}/oneOf/{i}").is_valid(witness)
    ]  # fmt: skip
    assert len(matching) >= 2, f"{name}: the witness matches only branches {matching}; the adjustment is not needed"
    assert not validator(harness.raw_spec(), f"/components/schemas/{name}").is_valid(witness)
    assert validator(harness.adjusted_spec(), f"/components/schemas/{name}").is_valid(witness)


def test_null_branches_only_tighten() -> None:
    actor = "/components/schemas/TriggerWorkflowRequest/properties/actor"
    # As published, the bare {nullable: true} branch accepts anything, even a number.
    assert validator(harness.raw_spec(), actor).is_valid(42)
    adjusted = validator(harness.adjusted_spec(), actor)
    assert not adjusted.is_valid(42)
    assert adjusted.is_valid(None) and adjusted.is_valid("dnedry") and adjusted.is_valid({"id": "u1"})


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        # the spec's own example of PreferenceSetRequestCategories sets "transactional": true
        ("/components/schemas/PreferenceSetWorkflowCategorySetting", True),
        ("/components/schemas/CreateSchedulesRequest/properties/actor", "dnedry"),
    ],
)
def test_contradicting_union_types_reject_documented_values_as_published(pointer: str, value: Any) -> None:
    assert not validator(harness.raw_spec(), pointer).is_valid(value)
    assert validator(harness.adjusted_spec(), pointer).is_valid(value)
    assert not validator(harness.adjusted_spec(), pointer).is_valid(3.5)


def _request(path: str, query: str) -> Any:
    builder = EnvironBuilder(method="GET", path=path, query_string=query, headers={"Authorization": "Bearer sk_x"})
    return builder.get_request()


def test_json_string_parameters_only_tighten() -> None:
    assert harness.validate_request(_request("/v1/messages", "trigger_data=%7B%22a%22%3A1%7D")).errors == []
    assert harness.validate_request(_request("/v1/messages", "trigger_data=a%3D1")).errors
    holder = "%7B%22object_id%22%3A%22ingen%22%2C%22collection%22%3A%22%24tenants%22%7D"
    path = "/v1/providers/slack/c/auth_check"
    assert harness.validate_request(_request(path, "access_token_object=" + holder)).errors == []
    assert harness.validate_request(_request(path, "access_token_object=%7B%22id%22%3A%22ingen%22%7D")).errors


def test_stand_in_examples_fit_the_response_schema() -> None:
    for (method, path), body in harness.STAND_IN_EXAMPLES.items():
        assert not harness.has_example(method, path), f"{method} {path} has an example now: drop the stand-in"
        ops = harness.raw_spec()["paths"][path][method.lower()]
        schema = ops["responses"]["200"]["content"]["application/json"]["schema"]
        assert OAS30ReadValidator(schema).is_valid(body)


@pytest.mark.parametrize(
    ("query", "name", "value"),
    [
        ([("status[]", "a"), ("status[]", "b")], "status", ["a", "b"]),
        ([("inserted_at[gte]", "x"), ("inserted_at[lt]", "y")], "inserted_at", {"gte": "x", "lt": "y"}),
        (
            [("objects[0][id]", "p1"), ("objects[0][collection]", "c"), ("objects[1][id]", "p2")],
            "objects",
            [{"id": "p1", "collection": "c"}, {"id": "p2"}],
        ),
        ([("recipient", "u1")], "recipient", "u1"),
        ([("query_options[$top]", "10")], "query_options", {"$top": "10"}),
    ],
)
def test_bracket_decoding(query: list[tuple[str, str]], name: str, value: Any) -> None:
    assert harness.decode_parameter(query, name) == value


@pytest.mark.parametrize(
    "query",
    [
        [("a[]", "1"), ("a[x]", "2")],  # list and map at once
        [("a", "1"), ("a[]", "2")],
        [("a[x]", "1"), ("a[x]", "2")],  # a key given twice
        [("a[1][id]", "p")],  # indexes must start at 0
        [("a[][id]", "p")],  # ambiguous element
    ],
)
def test_bracket_decoding_rejects_ambiguous_forms(query: list[tuple[str, str]]) -> None:
    with pytest.raises(ValueError):
        harness.decode_parameter(query, "a")


def test_absent_parameter() -> None:
    with pytest.raises(KeyError):
        harness.decode_parameter([("b[]", "1")], "a")
