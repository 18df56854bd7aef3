"""The Client value: immutable, validated, cheap, and never showing its key."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import attrs
import pytest

import knockkit
from tests.conftest import TEST_KEY


def test_client_is_frozen_and_evolve_makes_a_copy() -> None:
    client = knockkit.Client(api_key=TEST_KEY, branch="feature-x")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        client.branch = "other"  # type: ignore[misc]
    cleared = client.evolve(branch=None, timeout=5.0)
    assert (cleared.branch, cleared.timeout) == (None, 5.0)
    assert (client.branch, client.timeout) == ("feature-x", 60.0)
    assert cleared.api_key == client.api_key


def test_equal_settings_make_equal_hashable_clients() -> None:
    a = knockkit.Client(api_key=TEST_KEY)
    b = knockkit.Client(api_key=TEST_KEY)
    assert a == b and hash(a) == hash(b)
    assert a != a.evolve(branch="x")


def test_repr_and_str_mask_the_key() -> None:
    client = knockkit.Client(api_key=TEST_KEY)
    for text in (repr(client), str(client), f"{client}", repr([client])):
        assert TEST_KEY not in text
        assert "7f3a9c1e" not in text
    assert "api_key='sk_test_***'" in repr(client)


def test_pretty_printers_show_the_masked_repr() -> None:
    # Hypothesis prints a failing test's arguments (fixtures included) with a printer that
    # reads attrs fields one by one; a client among them must print as its repr.
    from hypothesis.vendor.pretty import pretty

    for client in (knockkit.Client(api_key=TEST_KEY), knockkit.AsyncClient(api_key=TEST_KEY)):
        for text in (pretty(client), pretty({"client": client}), pretty([client])):
            assert TEST_KEY not in text
            assert "api_key='sk_test_***'" in text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("api.knock.app", "must start with https:// or http://"),
        ("ftp://api.knock.app", "must start with https:// or http://"),
        ("https://", "must name a host"),
        ("https://api.knock.app/?x=1", "must not carry a query"),
        ("https://user:pw@api.knock.app", "credentials"),
    ],
)
def test_base_url_is_validated(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        knockkit.Client(api_key=TEST_KEY, base_url=url)


def test_base_url_trailing_slash_is_normalized() -> None:
    assert knockkit.Client(api_key=TEST_KEY, base_url="http://127.0.0.1:9/").base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"api_key": ""}, "api_key must not be empty"),
        ({"api_key": TEST_KEY + "\n"}, "whitespace"),
        ({"api_key": "pk_live_123456789"}, "public key"),
        ({"timeout": 0}, "timeout must be a positive number"),
        ({"connect_timeout": -1}, "connect_timeout must be a positive number"),
        ({"max_retries": -1}, "max_retries must be a whole number"),
        ({"max_retries": 1.5}, "max_retries must be a whole number"),
        ({"backoff_factor": -0.1}, "backoff_factor must be a number >= 0"),
        ({"branch": ""}, "branch must not be empty"),
    ],
)
def test_invalid_settings_name_the_field(changes: dict[str, object], message: str) -> None:
    settings: dict[str, object] = {"api_key": TEST_KEY, **changes}
    with pytest.raises(ValueError, match=message) as info:
        knockkit.Client(**settings)  # type: ignore[arg-type]
    assert TEST_KEY not in str(info.value)


def test_api_key_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="api_key must be a string"):
        knockkit.Client(api_key=123)  # type: ignore[arg-type]


def test_first_argument_must_be_a_client() -> None:
    with pytest.raises(TypeError, match=r"must be a knockkit\.Client or knockkit\.AsyncClient, not str"):
        knockkit.users.get("sk_test_123", "jhammond")  # type: ignore[arg-type]


def test_import_knockkit_loads_nothing_until_a_name_is_used() -> None:
    # Everything is loaded on first use, so `import knockkit` (and the pytest plugin every test
    # session of an installing project loads) costs neither attrs nor urllib3.
    code = (
        "import sys, knockkit\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('knockkit', 'attr', 'attrs', 'urllib3')))\n"
        "knockkit.NotFoundError\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('knockkit', 'attr', 'attrs', 'urllib3')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["['knockkit', 'knockkit._version']", "['knockkit', 'knockkit._version', 'knockkit.errors']"]


def test_every_public_name_resolves_to_the_object_its_module_defines() -> None:
    for name in knockkit.__all__:
        value = getattr(knockkit, name)
        if isinstance(value, types.ModuleType):
            assert value.__name__ == f"knockkit.{name}"
        else:
            home = importlib.import_module(value.__module__) if hasattr(value, "__module__") else knockkit
            assert getattr(home, name, value) is value, name
    assert set(knockkit.__all__) <= set(dir(knockkit))
    with pytest.raises(AttributeError, match="no attribute 'Clinet'"):
        knockkit.Clinet  # noqa: B018
