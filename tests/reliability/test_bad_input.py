"""Arbitrary ids and payloads: sent exactly, or refused before anything is sent.

Property-based (hypothesis), against one loopback server per test module that decodes
what it receives the way a web framework does and echoes it back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

import knockkit
import knockkit.models
from knockkit import users, workflows
from knockkit._http import _first_error
from tests.reliability._server import FaultServer, Request, Respond, json_response
from tests.reliability.conftest import make_client

EXAMPLES = settings(max_examples=100, deadline=None, database=None)  # no example files in the tree
USER_FIELDS = {"id", "name", "email", "phone_number", "avatar", "timezone", "locale", "created_at", "updated_at",
               "__typename"}  # fmt: skip


def echo(request: Request) -> Respond:
    """Echo what was received: the decoded ids, and the JSON body."""
    segments = request.segments()
    if segments[:2] == ["v1", "workflows"]:
        return json_response(200, {"workflow_run_id": "run_1"})
    if "channel_data" in segments:
        return json_response(200, {"__typename": "ChannelData", "channel_id": segments[-1], **request.json()})
    body = request.json() if request.body else {}
    return json_response(200, {"__typename": "User", **body, "id": segments[2]})


@pytest.fixture(scope="module")
def echo_server() -> Iterator[FaultServer]:
    with FaultServer(echo) as running:
        yield running
    assert running.handler_errors == []


@pytest.fixture(scope="module")
def echo_client(echo_server: FaultServer) -> knockkit.Client:
    return make_client(echo_server, max_retries=0)


# --- ids --------------------------------------------------------------------------------------

# Any text, plus strings Knock or HTTP treat specially, plus lone surrogates (not valid Unicode).
SPECIAL = ["", ".", "..", "...", "a/b", "#", "%2e", "%2F", "?x=1", "a b", "\r\n", "\x00", "$:@", "~", "é", "😀",
           "user@example.com", "\ud800", "a\udfffb", "x" * 256, "x" * 257]  # fmt: skip
IDS = st.one_of(st.text(max_size=300), st.sampled_from(SPECIAL), st.text(alphabet="./#%?& +", max_size=6))


def refused(value: str, *, user: bool) -> bool:
    lone_surrogate = any("\ud800" <= ch <= "\udfff" for ch in value)
    too_long = user and len(value) > 256
    return value in ("", ".", "..") or "/" in value or "#" in value or too_long or lone_surrogate


@EXAMPLES
@given(user_id=IDS)
def test_user_ids_reach_the_server_unchanged_or_are_refused(
    echo_server: FaultServer, echo_client: knockkit.Client, user_id: str
) -> None:
    sent = len(echo_server.requests)
    try:
        user = users.get(echo_client, user_id)
    except ValueError as exc:
        assert refused(user_id, user=True), exc
        assert "user_id" in str(exc)
        assert len(echo_server.requests) == sent  # refused before sending
        return
    assert not refused(user_id, user=True)
    assert echo_server.requests[-1].segments() == ["v1", "users", user_id]
    assert user.id == user_id


@EXAMPLES
@given(key=IDS)
def test_workflow_keys_reach_the_server_unchanged_or_are_refused(
    echo_server: FaultServer, echo_client: knockkit.Client, key: str
) -> None:
    sent = len(echo_server.requests)
    try:
        workflows.trigger(echo_client, key, recipients=["u1"])
    except ValueError as exc:
        assert refused(key, user=False), exc
        assert "key" in str(exc)
        assert len(echo_server.requests) == sent
        return
    assert not refused(key, user=False)
    assert echo_server.requests[-1].segments() == ["v1", "workflows", key, "trigger"]


@EXAMPLES
@given(user_id=st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text(), max_size=2)))
def test_ids_that_are_not_strings_are_a_type_error(
    echo_server: FaultServer, echo_client: knockkit.Client, user_id: Any
) -> None:
    sent = len(echo_server.requests)
    with pytest.raises(TypeError, match="user_id must be a string"):
        users.get(echo_client, user_id)
    assert len(echo_server.requests) == sent


# --- payloads ---------------------------------------------------------------------------------

FINITE = st.floats(allow_nan=False, allow_infinity=False)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), FINITE, st.text())
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20
)
OBJECTS = st.dictionaries(st.text(), JSON, max_size=6)


@EXAMPLES
@given(data=OBJECTS)
@example(data={"token": None})  # typed on the way back (found by hypothesis)
@example(data={"player_ids": False})  # typed as OneSignal's, and not fitting it (found by hypothesis)
def test_channel_data_round_trips(echo_server: FaultServer, echo_client: knockkit.Client, data: dict[str, Any]) -> None:
    result = users.set_channel_data(echo_client, "u1", "chan-1", data)
    assert echo_server.requests[-1].json() == {"data": data}
    assert result.channel_id == "chan-1"
    # data may come back typed (a "token" key reads as Slack's): it re-encodes to what was sent,
    # unless a field does not fit the kind its keys named; then reading says which field.
    # (Knock itself refuses channel data that does not fit its channel.)
    try:
        encoded = knockkit.models.unstructure(result.data)
    except TypeError as exc:
        kind = type(result.data).__name__
        named = re.match(rf"{kind}\.(\w+)", str(exc))  # OneSignalChannelData.player_ids: ...
        assert kind.endswith("ChannelData") and named and named.group(1) in data, exc
        return
    assert encoded == data


@EXAMPLES
@given(properties=st.dictionaries(st.text().filter(lambda k: k not in USER_FIELDS), JSON, max_size=6))
def test_custom_user_properties_round_trip(
    echo_server: FaultServer, echo_client: knockkit.Client, properties: dict[str, Any]
) -> None:
    user = users.identify(echo_client, "u1", properties)
    assert echo_server.requests[-1].json() == properties
    assert user.id == "u1"
    assert dict(user.properties) == properties
    encoded = user.to_dict()
    assert {key: encoded[key] for key in properties} == properties


@EXAMPLES
@given(data=OBJECTS)
def test_trigger_data_is_sent_as_given(
    echo_server: FaultServer, echo_client: knockkit.Client, data: dict[str, Any]
) -> None:
    workflows.trigger(echo_client, "dinosaurs-loose", recipients=["u1"], data=data)
    assert echo_server.requests[-1].json()["data"] == data


# Values json cannot send, each with how the error names it.
UNSENDABLE: list[tuple[object, str]] = [
    (object(), "(a object)"),
    ({1, 2}, "(a set)"),
    (frozenset(), "(a frozenset)"),
    (b"bytes", "(a bytes)"),
    (1 + 2j, "(a complex)"),
    (Decimal("1.5"), "(a Decimal)"),
    (float("nan"), "(=nan)"),
    (float("inf"), "(=inf)"),
    (float("-inf"), "(=-inf)"),
    (dt.datetime(2024, 5, 1, 12, 0), "(a datetime without a timezone)"),
]
# Where to hide it: a str step is a key of a nested object, 0 the first item of a list.
PATHS = st.lists(st.one_of(st.text(max_size=5), st.just(0)), max_size=4)


@EXAMPLES
@given(base=OBJECTS, path=PATHS, bad=st.sampled_from(UNSENDABLE))
def test_a_value_that_cannot_be_sent_is_a_type_error_naming_its_place(
    echo_server: FaultServer, echo_client: knockkit.Client, base: dict[str, Any], path: list[Any],
    bad: tuple[object, str],
) -> None:  # fmt: skip
    value, described = bad
    for step in reversed(path):
        value = {step: value} if isinstance(step, str) else [value]
    data = {**base, "field": value}
    place = "body['data']['field']" + "".join(f"[{step!r}]" for step in path)
    sent = len(echo_server.requests)
    with pytest.raises(TypeError) as info:
        users.set_channel_data(echo_client, "u1", "chan-1", data)
    assert str(info.value).startswith(f"{place} {described} cannot be sent as JSON")
    assert len(echo_server.requests) == sent


def test_a_key_that_cannot_be_sent_is_named(echo_server: FaultServer, echo_client: knockkit.Client) -> None:
    with pytest.raises(TypeError, match=r"^body\['data'\]\['a'\] key \(1, 2\) cannot be sent"):
        users.set_channel_data(echo_client, "u1", "chan-1", {"a": {(1, 2): "x"}})


def test_a_body_that_contains_itself_is_a_type_error(echo_server: FaultServer, echo_client: knockkit.Client) -> None:
    # Regression: locating the bad value recursed until RecursionError.
    data: dict[str, Any] = {"a": [1]}
    data["a"].append(data)
    with pytest.raises(TypeError, match=r"^body\['data'\]\['a'\]\[1\] \(a reference to a container"):
        users.set_channel_data(echo_client, "u1", "chan-1", data)
    shared = {"x": 1}  # the same object twice, side by side, is fine
    assert users.set_channel_data(echo_client, "u1", "chan-1", {"p": shared, "q": shared}).data == {
        "p": {"x": 1},
        "q": {"x": 1},
    }


# --- responses of any shape -----------------------------------------------------------------

MODELS = sorted(
    (cls for cls in vars(knockkit.models).values() if isinstance(cls, type) and issubclass(cls, knockkit.models.Model)
     and attrs.has(cls)),
    key=lambda cls: cls.__name__,
)  # fmt: skip
TIMESTAMPS = st.sampled_from(["2024-05-01T12:34:56.789Z", "2024-05-01T12:34:56+02:00", "2024-05-01", "soon", ""])
FIELD_VALUES = st.one_of(JSON, TIMESTAMPS, st.dictionaries(st.sampled_from(["id", "collection", "name"]), SCALARS))


def wire_names(cls: type) -> list[str]:
    return ["__typename" if f.name == "typename" else f.name for f in attrs.fields(cls)]


@settings(max_examples=300, deadline=None, database=None)
@given(data=st.data())
def test_every_model_reads_any_response_or_names_what_does_not_fit(data: st.DataObject) -> None:
    """Any JSON object decodes into a value that re-encodes every key it was given, or fails
    with a TypeError, ValueError or KeyError that says what did not fit (never another error),
    on decoding or (fields are read on first access) on re-encoding."""
    cls = data.draw(st.sampled_from(MODELS))
    names = wire_names(cls)
    keys = data.draw(st.lists(st.sampled_from(names) | st.text(max_size=8), unique=True, max_size=len(names) + 2))
    response = {key: data.draw(FIELD_VALUES | st.lists(st.dictionaries(st.sampled_from(names), SCALARS), max_size=2))
                for key in keys}  # fmt: skip
    try:
        value = knockkit.models.structure(response, cls)
        encoded = knockkit.models.unstructure(value)
    except (TypeError, ValueError, KeyError) as exc:
        event(f"error: {type(exc).__name__}")
        assert _first_error(exc).split(": ", 1)[1], "an error without a message"
        return
    event("value")
    assert isinstance(value, cls)
    assert set(response) <= set(encoded), f"keys lost: {set(response) - set(encoded)}"
