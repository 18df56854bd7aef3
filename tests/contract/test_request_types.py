"""Every request example in Knock's spec is accepted by the types of the knockkit function
that sends that request: each body key is checked against the annotation of the parameter
of the same name (the keys no parameter is named after, against the function's free-form
``properties``/``preferences`` mapping), by a runtime check read from the same TypedDicts
(knockkit.params) that mypy checks callers against.

The check follows typing's own definitions: a TypedDict's required and optional keys (no
others), unions, literals, sequences, mappings and scalars."""

from __future__ import annotations

import collections.abc
import datetime as dt
import json
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal, Union

import pytest

from knockkit import params
from tests.contract import harness

#: Body keys that are sent by an argument of another name: key -> (argument, why).
TRANSLATED = {"__persistence_strategy__": "merge=True sends it ('merge'); knockkit never sends 'replace'"}
#: The parameters that take the body keys no parameter is named after.
BODY_MAPPINGS = ("properties", "preferences")


def problems(value: Any, tp: Any, where: str = "") -> list[str]:
    """Where ``value`` does not fit the type ``tp`` (an empty list: it fits)."""
    where = where or "(value)"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any or tp is object:
        return []
    if tp is type(None):
        return [] if value is None else [f"{where}: {value!r:.60} is not None"]
    if origin in (Union, types.UnionType):
        found = [problems(value, member, where) for member in args]
        if any(not p for p in found):
            return []
        # Report the member of the value's own kind: its problems are deeper than `where`.
        deeper = [p for p in found if not (len(p) == 1 and p[0].startswith(f"{where}: "))]
        return min(deeper or found, key=len)
    if origin is Literal:
        return [] if value in args else [f"{where}: {value!r} is not one of {args}"]
    if typing.is_typeddict(tp):
        return _typeddict_problems(value, tp, where)
    if tp in (str, bool):
        return [] if type(value) is tp else [f"{where}: {value!r:.60} is not {tp.__name__}"]
    if tp is int:
        return [] if type(value) is int else [f"{where}: {value!r:.60} is not int"]
    if tp is float:
        return [] if type(value) in (int, float) else [f"{where}: {value!r:.60} is not a number"]
    if tp is dt.datetime:
        return [f"{where}: {value!r:.60} is not a datetime"]  # JSON examples hold strings: the union's str
    if origin in (collections.abc.Sequence, list):
        if not isinstance(value, list):
            return [f"{where}: {value!r:.60} is not a list"]
        return [p for index, item in enumerate(value) for p in problems(item, args[0], f"{where}[{index}]")]
    if origin in (collections.abc.Mapping, dict):
        if not isinstance(value, dict):
            return [f"{where}: {value!r:.60} is not an object"]
        return [p for key, item in value.items() for p in problems(item, args[1], f"{where}[{key!r}]")]
    raise AssertionError(f"the check does not know {tp!r}")


def _typeddict_problems(value: Any, tp: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: {value!r:.60} is not an object ({tp.__name__})"]
    hints = typing.get_type_hints(tp)
    found = [f"{where}: {tp.__name__} has no key {key!r}" for key in value if key not in hints]
    found += [f"{where}: {tp.__name__} needs {key!r}" for key in tp.__required_keys__ if key not in value]
    for key, item in value.items():
        if key in hints:
            found += problems(item, hints[key], f"{where}[{key!r}]")
    return found


def request_examples() -> Iterator[tuple[str, str, str, Any]]:
    """(method, path, function, example body) for every request example of a mapped operation."""
    spec = harness.raw_spec()
    functions = {row.operation: row.function for row in harness.api_map() if row.canonical}
    for (method, path), op in harness.operations().items():
        media = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        if (method, path) not in functions or not media:
            continue
        found = [media["example"]] if "example" in media else []
        found += [example["value"] for example in media.get("examples", {}).values()]
        if not found:
            schema = harness.resolve(spec, media.get("schema", {}))
            found = [schema["example"]] if "example" in schema else []
        for example in found:
            yield method, path, functions[(method, path)], example


EXAMPLES = list(request_examples())


def body_problems(function: str, body: dict[str, Any]) -> list[str]:
    fn, why = harness.resolve_function(function)
    assert fn is not None, why
    hints = typing.get_type_hints(fn)
    found, rest = [], {}
    for key, value in body.items():
        if key in hints and key != "return":
            if isinstance(value, str) and key in harness.JSON_STRING_PARAMETERS:
                value = json.loads(value)  # sent as JSON text; the argument is the object
            found += problems(value, hints[key], key)
        elif key not in TRANSLATED:
            rest[key] = value
    if rest:
        mapping = [name for name in BODY_MAPPINGS if name in hints]
        if not mapping:
            return [*found, f"no parameter takes {sorted(rest)}"]
        found += problems(rest, hints[mapping[0]], mapping[0])
    return found


def test_there_are_examples_to_check() -> None:
    assert len(EXAMPLES) >= 35
    assert {function for _, _, function, _ in EXAMPLES} >= {
        "workflows.trigger", "users.set_preferences", "users.set_channel_data", "schedules.create",
        "schedules.bulk_create", "audiences.add_members", "objects.bulk_add_subscriptions", "tenants.bulk_set",
    }  # fmt: skip


@pytest.mark.parametrize(("method", "path", "function", "body"), EXAMPLES, ids=[f"{m} {p}" for m, p, _, _ in EXAMPLES])
def test_the_spec_request_example_fits_the_parameter_types(method: str, path: str, function: str, body: Any) -> None:
    assert isinstance(body, dict), (method, path)
    assert body_problems(function, body) == []


@pytest.mark.parametrize(
    ("function", "body", "expected"),
    [
        ("users.set_preferences", {"channel_types": {"emial": True}}, "ChannelTypesParams has no key 'emial'"),
        ("users.set_preferences", {"workflows": {"w": {"channel_types": {"sms": "no"}}}}, "'no' is not bool"),
        ("workflows.trigger", {"recipients": [{"email": "a@b.c"}]}, "needs 'id'"),
        ("workflows.trigger", {"recipients": ["u1"], "settings": {"sandbox": True}}, "has no key 'sandbox'"),
        ("schedules.create", {"workflow": "w", "recipients": ["u"], "repeats": [{"frequency": "yearly"}]},
         "'yearly' is not one of"),
        ("users.set_channel_data", {"data": {"tokens": "t1"}}, "'t1' is not a list"),
        ("audiences.add_members", {"members": [{"user": "u1"}]}, "is not an object (InlineUser)"),
        ("users.bulk_set_preferences", {"user_ids": ["u"], "preferences": {"channels": {"c": {"when": []}}}},
         "needs 'conditions'"),
    ],
)  # fmt: skip
def test_the_check_finds_what_does_not_fit(function: str, body: dict[str, Any], expected: str) -> None:
    found = body_problems(function, body)
    assert any(expected in problem for problem in found), found


def test_the_check_reads_required_keys_from_the_typeddicts() -> None:
    # With string annotations (a "from __future__ import annotations" in knockkit/params.py)
    # TypedDict would report every key optional; the checks above rely on these.
    assert params.InlineUser.__required_keys__ == {"id"}
    assert params.InlineObject.__required_keys__ == {"id", "collection"}
    assert params.ScheduleRepeatParams.__required_keys__ == {"frequency"}
