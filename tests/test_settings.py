"""Declared instances and settings resolution: explicit > configure() > environment > default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import knockkit
from knockkit import KnockInstance
from knockkit._settings import _SETTINGS
from knockkit.errors import ApiKeyMissingError


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    saved = dict(_SETTINGS)
    _SETTINGS.clear()
    yield
    _SETTINGS.clear()
    _SETTINGS.update(saved)


class AppKnock(KnockInstance, app="settings-app"):
    pass


class OtherKnock(KnockInstance, app="settings-app"):
    pass


def test_explicit_keyword_wins_over_settings_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOCK_API_KEY", "sk_env")
    knockkit.configure("settings-app", AppKnock, api_key="sk_settings")
    assert AppKnock.client(api_key="sk_explicit").api_key == "sk_explicit"


def test_settings_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOCK_API_KEY", "sk_env")
    monkeypatch.setenv("KNOCK_BRANCH", "env-branch")
    knockkit.configure("settings-app", AppKnock, api_key="sk_settings")
    client = AppKnock.client()
    assert client.api_key == "sk_settings"
    assert client.branch == "env-branch"  # not configured, so the environment's


def test_environment_wins_over_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOCK_API_KEY", "sk_env")
    monkeypatch.setenv("KNOCK_BASE_URL", "http://127.0.0.1:4010/")
    client = AppKnock.client()
    assert client.api_key == "sk_env"
    assert client.base_url == "http://127.0.0.1:4010"
    assert client.branch is None
    assert client.max_retries == 2


def test_defaults() -> None:
    client = AppKnock.client(api_key="sk_x")
    assert client.base_url == "https://api.knock.app"
    assert (client.timeout, client.connect_timeout, client.backoff_factor) == (60.0, 10.0, 0.5)


def test_explicit_none_clears_a_configured_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    knockkit.configure("settings-app", AppKnock, api_key="sk_a", branch="feature-x")
    assert AppKnock.client().branch == "feature-x"
    assert AppKnock.client(branch=None).branch is None


def test_env_reference_is_read_when_the_client_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    knockkit.configure("settings-app", AppKnock, api_key=knockkit.env("MYAPP_KNOCK_KEY"), branch="b1")
    monkeypatch.setenv("MYAPP_KNOCK_KEY", "sk_first")
    assert AppKnock.client().api_key == "sk_first"
    monkeypatch.setenv("MYAPP_KNOCK_KEY", "sk_second")
    assert AppKnock.client().api_key == "sk_second"


def test_unset_env_reference_falls_through_to_knock_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    knockkit.configure("settings-app", AppKnock, api_key=knockkit.env("MYAPP_KNOCK_KEY"))
    monkeypatch.setenv("KNOCK_API_KEY", "sk_env")
    assert AppKnock.client().api_key == "sk_env"


def test_two_instances_of_one_app_keep_separate_settings() -> None:
    knockkit.configure("settings-app", AppKnock, api_key="sk_eu", base_url="http://127.0.0.1:1")
    knockkit.configure("settings-app", "OtherKnock", api_key="sk_us")
    assert AppKnock.client().api_key == "sk_eu"
    assert OtherKnock.client().api_key == "sk_us"
    assert OtherKnock.client().base_url == "https://api.knock.app"


def test_configure_replaces_previous_settings() -> None:
    knockkit.configure("settings-app", AppKnock, api_key="sk_a", branch="b")
    knockkit.configure("settings-app", AppKnock, api_key="sk_b")
    client = AppKnock.client()
    assert (client.api_key, client.branch) == ("sk_b", None)


def test_no_key_anywhere_names_the_three_ways() -> None:
    with pytest.raises(ApiKeyMissingError) as info:
        AppKnock.client()
    message = str(info.value)
    assert "AppKnock.client(api_key=...)" in message
    assert "knockkit.configure('settings-app', AppKnock, api_key=...)" in message
    assert "KNOCK_API_KEY" in message


def test_missing_key_mentions_the_configured_variable() -> None:
    knockkit.configure("settings-app", AppKnock, api_key=knockkit.env("MYAPP_KNOCK_KEY"))
    with pytest.raises(ApiKeyMissingError, match="MYAPP_KNOCK_KEY is not set"):
        AppKnock.client()


def test_resolution_happens_at_client_time_not_class_time(monkeypatch: pytest.MonkeyPatch) -> None:
    class LateKnock(KnockInstance, app="late-app"):
        pass

    monkeypatch.setenv("KNOCK_API_KEY", "sk_late")
    assert LateKnock.client().api_key == "sk_late"


def test_subclass_without_app_is_rejected() -> None:
    with pytest.raises(TypeError, match='needs an app name: class Nameless\\(KnockInstance, app="myapp"\\)'):

        class Nameless(KnockInstance):
            pass


def test_subclass_of_a_declared_instance_keeps_its_app() -> None:
    class Child(AppKnock):
        pass

    assert Child.app == "settings-app"


def test_instances_are_not_instantiated() -> None:
    with pytest.raises(TypeError, match=r"call AppKnock.client\(\)"):
        AppKnock()
    with pytest.raises(TypeError):
        KnockInstance()
    with pytest.raises(TypeError, match="declare an instance first"):
        KnockInstance.client(api_key="sk_x")


def test_configure_rejects_unknown_settings_and_wrong_app() -> None:
    with pytest.raises(TypeError, match=r"unknown setting\(s\) \['apikey'\]"):
        knockkit.configure("settings-app", AppKnock, apikey="sk_x")
    with pytest.raises(ValueError, match="declared with app='settings-app', not 'other'"):
        knockkit.configure("other", AppKnock, api_key="sk_x")
    with pytest.raises(TypeError, match="KnockInstance subclass"):
        knockkit.configure("settings-app", object, api_key="sk_x")  # type: ignore[arg-type]


def test_client_rejects_unknown_overrides() -> None:
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['retries'\]"):
        AppKnock.client(api_key="sk_x", retries=3)


def test_public_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match=r"public key \(pk_...\)") as info:
        AppKnock.client(api_key="pk_test_abcdef123456")
    assert "abcdef123456" not in str(info.value)
