"""Every success-response example in Knock's spec decodes into the model its knockkit function
returns, and re-encoding that value keeps every key of the example, at every depth (and its
value: timestamps may change only their spelling, not their instant).

A ``Page`` re-encodes its list under ``entries`` whatever the response called it (``items``,
``slack_channels``, ...); the list is compared with the example's list, and the page's other
keys with the example's other keys."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest

from knockkit import models
from tests.contract import harness

_RESULTS: dict[str, str] = {}


def _rows() -> list[harness.MapRow]:
    return harness.canonical_rows()


def _parse_time(value: str) -> dt.datetime | None:
    if len(value) < 19 or value[4] != "-" or value[10] not in "T ":
        return None
    try:
        return dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return None


def differences(example: Any, encoded: Any, where: str = "") -> list[str]:
    """Where ``encoded`` lost a key of ``example`` or changed a value."""
    if isinstance(example, dict):
        if not isinstance(encoded, dict):
            return [f"{where or '(root)'}: an object became {type(encoded).__name__}"]
        problems = []
        for key, value in example.items():
            if key not in encoded:
                problems.append(f"{where}.{key}: key lost")
            else:
                problems.extend(differences(value, encoded[key], f"{where}.{key}"))
        return problems
    if isinstance(example, list):
        if not isinstance(encoded, list) or len(encoded) != len(example):
            return [f"{where}: a list of {len(example)} became {encoded!r:.80}"]
        return [
            p for i, (a, b) in enumerate(zip(example, encoded, strict=True)) for p in differences(a, b, f"{where}[{i}]")
        ]
    if example == encoded and type(example) is type(encoded):
        return []
    if isinstance(example, str) and isinstance(encoded, str):
        before, after = _parse_time(example), _parse_time(encoded)
        if before is not None and after is not None and before == after:
            return []
    return [f"{where}: {example!r} became {encoded!r}"]


def page_differences(example: dict[str, Any], page: models.Page[Any]) -> list[str]:
    encoded = models.unstructure(page)
    lists = [k for k, v in example.items() if isinstance(v, list)]
    key = "entries" if "entries" in example else "items" if "items" in example else lists[0]
    problems = differences(example[key], encoded["entries"], f".{key}")
    rest = {k: v for k, v in example.items() if k != key}
    problems.extend(differences(rest, {k: v for k, v in encoded.items() if k != "entries"}))
    return problems


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r.method} {r.path}")
def test_example_survives_decoding(row: harness.MapRow) -> None:
    fn, why = harness.resolve_function(row.function)
    if fn is None:
        pytest.skip(f"knockkit.{row.function} does not exist yet ({why})")
    status, schema = harness.success_response(row.method, row.path)
    if schema is None:
        _RESULTS[row.function] = f"no body ({status})"
        pytest.skip(f"the {status} response has no body")
    if not harness.has_example(row.method, row.path):
        _RESULTS[row.function] = "no example"
        pytest.skip("the spec gives no example for this response")
    returns = typing.get_type_hints(fn)["return"]
    _, example = harness.example_response(row.method, row.path)
    if returns is type(None):
        _RESULTS[row.function] = "ignored"
        assert isinstance(example, dict) and set(example) <= {"ok", "status"}, (
            f"knockkit.{row.function} returns None, dropping {example!r:.200}"
        )
        return
    into = dict[str, Any] if returns is dict else returns
    value = models.structure(example, into)
    if typing.get_origin(returns) is models.Page:
        problems = page_differences(example, value)
    else:
        problems = differences(example, models.unstructure(value))
    _RESULTS[row.function] = "lossy" if problems else "kept"
    assert not problems, f"{getattr(returns, '__name__', returns)} loses part of the spec's example:\n" + "\n".join(
        problems
    )


def test_differences_sees_lost_keys_and_values() -> None:
    assert differences({"a": {"b": 1}}, {"a": {}}) == [".a.b: key lost"]
    assert differences({"a": [1, 2]}, {"a": [1]})
    assert differences({"t": "2024-01-01T00:00:00Z"}, {"t": "2024-01-01T00:00:00.000Z"}) == []
    assert differences({"t": "2024-01-01T00:00:00Z"}, {"t": "2024-01-01T00:00:01Z"})
    assert differences({"n": 1}, {"n": "1"})


def test_summary() -> None:
    kept = sum(1 for v in _RESULTS.values() if v == "kept")
    decoded = sum(1 for v in _RESULTS.values() if v in ("kept", "lossy"))
    ignored = sum(1 for v in _RESULTS.values() if v == "ignored")
    no_body = sum(1 for v in _RESULTS.values() if v.startswith("no body"))
    no_example = sum(1 for v in _RESULTS.values() if v == "no example")
    harness.SUMMARY["responses"] = (
        f"responses: {kept} of {decoded} spec examples decode and re-encode with every key kept "
        f"({ignored} acknowledgements returned as None, {no_body} responses without a body, "
        f"{no_example} without an example in the spec)"
    )
