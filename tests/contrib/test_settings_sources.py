"""The settings-source hook in knockkit._settings, with no framework: a source is a function
(instance name -> settings), consulted at client() time after explicit keywords and before
configure(). Also: the core and the framework-free contrib modules import no framework."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import knockkit
from knockkit import KnockInstance, users
from knockkit._settings import add_settings_source, check_instances, instance_settings
from knockkit.errors import ApiKeyMissingError
from knockkit.testing import FakeKnock


class SourceKnock(KnockInstance, app="sources-app"):
    pass


def source_of(settings: dict[str, Mapping[str, Any]]) -> Any:
    return lambda name: instance_settings("FRAMEWORK", settings, name)


def test_resolution_order_explicit_framework_configure_environment_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KNOCK_API_KEY", "sk_from_env")
    monkeypatch.setenv("KNOCK_BRANCH", "env-branch")
    monkeypatch.setenv("KNOCK_BASE_URL", "http://127.0.0.1:9/env")
    framework: dict[str, Mapping[str, Any]] = {}
    add_settings_source("FRAMEWORK[{name!r}]", source_of(framework))
    # environment > default
    client = SourceKnock.client()
    assert (client.api_key, client.branch, client.base_url, client.timeout) == (
        "sk_from_env", "env-branch", "http://127.0.0.1:9/env", 60.0,
    )  # fmt: skip
    # configure() > environment
    knockkit.configure("sources-app", SourceKnock, api_key="sk_from_configure", branch="configured")
    client = SourceKnock.client()
    assert (client.api_key, client.branch, client.base_url) == ("sk_from_configure", "configured", "http://127.0.0.1:9/env")
    # framework > configure(), field by field
    framework["SourceKnock"] = {"branch": "framework-branch", "timeout": 5.0}
    client = SourceKnock.client()
    assert (client.api_key, client.branch, client.timeout) == ("sk_from_configure", "framework-branch", 5.0)
    # explicit > framework (an explicit None counts)
    client = SourceKnock.client(branch=None, timeout=7.0)
    assert (client.branch, client.timeout) == (None, 7.0)


def test_an_unset_env_in_framework_settings_falls_through(monkeypatch: pytest.MonkeyPatch) -> None:
    add_settings_source("FRAMEWORK[{name!r}]", source_of({"SourceKnock": {"api_key": knockkit.env("FW_KEY")}}))
    knockkit.configure("sources-app", SourceKnock, api_key="sk_configured")
    assert SourceKnock.client().api_key == "sk_configured"
    monkeypatch.setenv("FW_KEY", "sk_from_fw_var")
    assert SourceKnock.client().api_key == "sk_from_fw_var"  # read at client() time


def test_the_resolved_client_talks_to_the_fake(fake: FakeKnock) -> None:
    add_settings_source(
        "FRAMEWORK[{name!r}]",
        source_of({"SourceKnock": {"api_key": fake.api_key, "base_url": fake.url, "branch": "from-framework"}}),
    )
    users.identify(SourceKnock.client(), "jhammond", {"name": "John Hammond"})
    (request,) = fake.requests
    assert (request.method, request.path) == ("PUT", "/v1/users/jhammond")
    assert request.header("X-Knock-Branch") == "from-framework"
    assert request.body == {"name": "John Hammond"}


def test_unknown_framework_setting_is_a_type_error_naming_where() -> None:
    add_settings_source("FRAMEWORK[{name!r}]", source_of({"SourceKnock": {"api_kye": "sk_x"}}))
    with pytest.raises(TypeError, match=r"FRAMEWORK\['SourceKnock'\]: unknown setting\(s\) \['api_kye'\]"):
        SourceKnock.client()


def test_a_source_that_is_not_a_mapping_is_named() -> None:
    add_settings_source("FRAMEWORK[{name!r}]", lambda name: instance_settings("FRAMEWORK", ["sk_x"], name))
    with pytest.raises(TypeError, match="FRAMEWORK must be a dict of instance name -> settings, not list"):
        SourceKnock.client()


def test_missing_key_message_names_the_framework_place() -> None:
    add_settings_source("FRAMEWORK[{name!r}]", source_of({}))
    with pytest.raises(ApiKeyMissingError) as info:
        SourceKnock.client()
    message = str(info.value)
    assert "FRAMEWORK['SourceKnock'] or knockkit.configure('sources-app', SourceKnock, api_key=...)" in message
    assert "KNOCK_API_KEY" in message


def test_adding_a_source_twice_replaces_it() -> None:
    add_settings_source("FRAMEWORK[{name!r}]", source_of({"SourceKnock": {"api_key": "sk_first"}}))
    add_settings_source("FRAMEWORK[{name!r}]", source_of({"SourceKnock": {"api_key": "sk_second"}}))
    assert SourceKnock.client().api_key == "sk_second"
    with pytest.raises(ValueError, match="must contain"):
        add_settings_source("FRAMEWORK", source_of({}))


def test_check_instances_reports_without_showing_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    public = "pk_test_0a9f8e7d6c5b4a39"
    spaced = "sk_test_1b2c3d4e5f\n"
    problems = check_instances("S", {
        "A": {"api_key": public, "branch": ""},
        "B": {"api_key": spaced, "timeot": 3},
        "C": {"api_key": knockkit.env("UNSET_KNOCK_VAR"), "base_url": "ftp://knock", "branch": knockkit.env("NO")},
        "D": "sk_not_a_dict",
        "E": {"api_key": "sk_fine", "timeout": 2.5},
    })  # fmt: skip
    described = [(p.level, p.message) for p in problems]
    assert described == [
        ("error", "S['A']['api_key']: api_key is a public key (pk_...); server-side calls need the secret key "
                  "(sk_...) from the Knock dashboard under Developers > API keys"),
        ("error", "S['A']['branch']: branch must not be empty"),
        ("error", "S['B']: unknown setting(s) ['timeot']; known: " + ", ".join(knockkit._client.CLIENT_FIELDS)),
        ("error", "S['B']['api_key']: api_key contains leading or trailing whitespace; it must be visible ASCII "
                  "characters without spaces (often left by an editor or a secrets file; copy the key again)"),
        ("warning", "S['C']['api_key'] reads UNSET_KNOCK_VAR, which is not set here: clients will take the key "
                    "from knockkit.configure() or KNOCK_API_KEY, or fail without one"),
        ("error", "S['C']['base_url']: base_url must start with https:// or http://, got 'ftp://knock'"),
        ("error", "S['D'] must be a dict of settings, not str"),
    ]  # fmt: skip
    text = repr(problems)
    assert public not in text and spaced.strip() not in text and "sk_not_a_dict" not in text
    monkeypatch.setenv("UNSET_KNOCK_VAR", public)
    (problem,) = [p for p in check_instances("S", {"C": {"api_key": knockkit.env("UNSET_KNOCK_VAR")}})]
    assert problem.level == "error" and "public key" in problem.message and public not in problem.message
    assert check_instances("S", None) == []
    assert [p.message for p in check_instances("S", "x")] == ["S must be a dict of instance name -> settings, not str"]


def test_core_and_framework_free_modules_import_no_framework() -> None:
    code = (
        "import sys, knockkit, knockkit.webhooks, knockkit.contrib, knockkit.contrib.jobs\n"
        "from knockkit import users, workflows\n"
        "found = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'flask', 'starlette', 'fastapi', 'celery', 'kombu', 'redis', 'httpx'})\n"
        "print(found)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
