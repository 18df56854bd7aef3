"""Models: unknown keys kept, datetimes parsed, round trips that lose nothing."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import users
from knockkit.models import Page, PageInfo, Subscription, User, structure, unstructure

UTC = dt.timezone.utc


def test_user_keeps_custom_properties_and_round_trips() -> None:
    data = {
        "__typename": "User",
        "id": "jhammond",
        "name": "John Hammond",
        "email": "jhammond@ingen.net",
        "updated_at": "2024-05-01T12:00:00.123456Z",
        "created_at": None,
        "plan": "pro",
        "company": {"name": "InGen", "size": 400},
    }
    user = structure(data, User)
    assert user.properties == {"plan": "pro", "company": {"name": "InGen", "size": 400}}
    assert user.typename == "User"
    assert user.updated_at == dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    encoded = user.to_dict()
    assert {k: encoded[k] for k in data} == data
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        user.name = "x"  # type: ignore[misc]


def test_missing_optional_fields_default_to_none() -> None:
    user = structure({"id": "u1"}, User)
    assert (user.name, user.email, user.updated_at, user.properties) == (None, None, None, {})


def test_nested_models_keep_their_unknown_keys() -> None:
    data = {
        "__typename": "Subscription",
        "recipient": {"id": "u1", "__typename": "User"},
        "object": {"id": "p1", "collection": "projects", "properties": {"a": 1}, "color": "red"},
        "inserted_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "future_field": [1, 2],
    }
    subscription = structure(data, Subscription)
    assert subscription.object is not None
    assert subscription.object.properties == {"a": 1}
    assert subscription.object.extra == {"color": "red"}
    assert subscription.extra == {"future_field": [1, 2]}
    encoded = unstructure(subscription)
    assert encoded["object"]["color"] == "red" and encoded["future_field"] == [1, 2]
    assert encoded["inserted_at"] == "2024-01-01T00:00:00Z"


def test_page_decoding_and_re_encoding() -> None:
    data = {
        "entries": [{"id": "u1"}, {"id": "u2", "tier": 3}],
        "page_info": {"__typename": "PageInfo", "after": "cur", "before": None, "page_size": 2},
        "vars": {"x": 1},
    }
    page = structure(data, Page[User])
    assert [u.id for u in page] == ["u1", "u2"] and len(page) == 2 and page[1].properties == {"tier": 3}
    assert page.page_info == PageInfo(after="cur", before=None, page_size=2, typename="PageInfo")
    assert page.next_params == {"after": "cur"} and page.has_next
    assert page.extra == {"vars": {"x": 1}}
    encoded = unstructure(page)
    assert encoded["vars"] == {"x": 1} and encoded["page_info"]["after"] == "cur"
    assert encoded["entries"][1]["tier"] == 3


def test_items_lists_and_provider_cursors() -> None:
    assert structure({"items": [{"id": "m1"}], "page_info": {}}, Page[User]).entries[0].id == "m1"
    slack = structure({"slack_channels": [{"id": "C1"}], "next_cursor": "n2"}, Page[User])
    assert slack.next_params == {"cursor": "n2"}
    teams = structure({"ms_teams_teams": [], "skip_token": "s2"}, Page[User])
    assert teams.next_params == {"skip_token": "s2"}
    last = structure({"entries": [], "page_info": {"after": None}}, Page[User])
    assert last.next_params is None and not last.has_next


def test_paginate_is_lazy(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users", query_string="page_size=1").respond_with_json(
        {"entries": [{"id": "u1"}], "page_info": {"after": "c1", "page_size": 1}}
    )
    items = knockkit.paginate(users.list, client, page_size=1)
    assert len(httpserver.log) == 0
    assert next(items).id == "u1"
    assert len(httpserver.log) == 1


def test_paginate_stops_on_a_repeated_cursor(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users").respond_with_json(
        {"entries": [{"id": "u1"}], "page_info": {"after": "same"}}
    )
    with pytest.raises(RuntimeError, match="returned a cursor it had returned before"):
        list(knockkit.paginate(users.list, client))
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": None}, "User needs 'id'"),
        ({"name": "no id"}, "User needs 'id'"),
        ({"id": 7}, r"^User.id should be str, not int$"),
        ([{"id": "u1"}], "expected a JSON object for User, got list"),
    ],
)
def test_what_an_instance_cannot_exist_without_is_checked_on_decoding(data: object, message: str) -> None:
    with pytest.raises((TypeError, KeyError), match=message):
        structure(data, User)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"id": "u1", "name": 5}, "name", r"^User.name should be str, not int$"),
        ({"id": "u1", "email": ["a@b.c"]}, "email", r"^User.email should be str, not list$"),
        ({"id": "u1", "created_at": 5}, "created_at", r"^User.created_at: expected an ISO 8601 timestamp, got int$"),
        ({"id": "u1", "updated_at": "soon"}, "updated_at", r"^User.updated_at: not an ISO 8601 timestamp \(4 \w+\)$"),
    ],
)
def test_values_of_the_wrong_type_are_not_coerced(data: dict[str, object], field: str, message: str) -> None:
    # Fields are read on first access: the error comes then, naming the model and key, and
    # comes again on every later read (nothing half-decoded is kept).
    user = structure(data, User)
    for _ in range(2):
        with pytest.raises((TypeError, ValueError), match=message):
            getattr(user, field)
    with pytest.raises((TypeError, ValueError), match=message):
        user.to_dict()
    assert user.id == "u1"  # the fields that fit stay readable


def test_an_int_is_a_fine_float() -> None:
    from knockkit.models import BulkOperation

    assert structure({"id": "b1", "processed_rows": 3}, BulkOperation).processed_rows == 3


def test_a_decoded_value_behaves_like_one_made_in_code() -> None:
    import copy
    import pickle

    data = {"id": "u1", "email": "u1@example.com", "updated_at": "2024-05-01T12:34:56Z", "plan": "pro"}
    decoded = structure(data, User)
    made = User(id="u1", email="u1@example.com", updated_at=dt.datetime(2024, 5, 1, 12, 34, 56, tzinfo=dt.timezone.utc),
                properties={"plan": "pro"})  # fmt: skip
    assert decoded == made and repr(decoded) == repr(made)
    for copied in (pickle.loads(pickle.dumps(decoded)), copy.deepcopy(decoded), attrs.evolve(decoded)):
        assert copied == made and copied.properties == {"plan": "pro"}
    assert attrs.evolve(decoded, name="U").to_dict() == {**made.to_dict(), "name": "U"}
    assert decoded.to_dict() == data  # only the keys it was decoded from
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decoded.email = "x"  # type: ignore[misc]
