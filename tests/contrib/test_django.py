"""knockkit.contrib.django in a real Django project (tests/contrib/djangosite): settings.KNOCKKIT,
override_settings, manage.py check, and the webhook view through Django's test client."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator

import pytest

from knockkit import _settings

django = pytest.importorskip("django", reason="the Django integration needs Django: pip install knockkit[django]")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.contrib.djangosite.settings")
_sources_before_django = _settings._SOURCES
django.setup()
# setup() ran the app's ready(), which added Django's settings source for the whole process;
# take it out again so that tests elsewhere resolve without it, and add it per test below.
_settings._SOURCES = _sources_before_django

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import SystemCheckError  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

import knockkit  # noqa: E402
from knockkit.errors import ApiKeyMissingError  # noqa: E402
from knockkit.testing import FakeKnock  # noqa: E402

from .conftest import BAD_SIGNATURES, assert_rejection_logged, bad_signature_headers, event_body, sign  # noqa: E402
from .djangosite.urls import RECEIVED, DjangoKnock  # noqa: E402


@pytest.fixture(autouse=True)
def django_source() -> Iterator[None]:
    """The app's ready() hook, as Django ran it at setup (conftest undoes it after each test)."""
    apps.get_app_config("knockkit").ready()
    RECEIVED.clear()
    yield


def fake_settings(fake: FakeKnock, **more: object) -> dict[str, dict[str, object]]:
    return {"DjangoKnock": {"api_key": fake.api_key, "base_url": fake.url, **more}}


def test_settings_module_is_read_at_client_time(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ApiKeyMissingError) as info:
        DjangoKnock.client()
    assert "settings.KNOCKKIT['DjangoKnock']" in str(info.value)
    assert "DJANGO_TEST_KNOCK_KEY is not set" in str(info.value)
    monkeypatch.setenv("DJANGO_TEST_KNOCK_KEY", "sk_test_from_django_env")
    client = DjangoKnock.client()
    assert (client.api_key, client.branch) == ("sk_test_from_django_env", "from-settings-module")


def test_a_view_triggers_with_the_settings_override_settings_gives(fake: FakeKnock) -> None:
    browser = Client()
    for branch in ("first", "second"):
        with override_settings(KNOCKKIT=fake_settings(fake, branch=branch)):
            response = browser.post("/notify/", {"recipient": "jhammond"})
        assert response.status_code == 200
        request = fake.requests[-1]
        assert (request.method, request.path) == ("POST", "/v1/workflows/dinosaurs-loose/trigger")
        assert request.header("X-Knock-Branch") == branch
        assert request.header("Authorization") == "Bearer sk_test_***"
        assert request.body == {"recipients": ["jhammond"]}
        (run,) = fake.runs(workflow="dinosaurs-loose", recipient="jhammond")[-1:]
        assert response.json() == {"workflow_run_id": run.workflow_run_id}


def test_precedence_explicit_django_configure_environment_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOCK_API_KEY", "sk_env")
    monkeypatch.setenv("KNOCK_BASE_URL", "http://127.0.0.1:9/env")
    with override_settings(KNOCKKIT={}):
        client = DjangoKnock.client()
        assert (client.api_key, client.base_url, client.branch, client.timeout) == (
            "sk_env", "http://127.0.0.1:9/env", None, 60.0,
        )  # fmt: skip
        knockkit.configure("djangosite", DjangoKnock, api_key="sk_configure", timeout=5.0)
        assert (DjangoKnock.client().api_key, DjangoKnock.client().timeout) == ("sk_configure", 5.0)
    with override_settings(KNOCKKIT={"DjangoKnock": {"api_key": "sk_django", "branch": "b"}}):
        client = DjangoKnock.client()
        assert (client.api_key, client.branch, client.timeout) == ("sk_django", "b", 5.0)
        assert DjangoKnock.client(api_key="sk_explicit").api_key == "sk_explicit"


def run_check() -> str:
    out = io.StringIO()
    try:
        call_command("check", stdout=out, stderr=out)
    except SystemCheckError as exc:
        return f"{out.getvalue()}\n{exc}"
    return out.getvalue()


def test_check_reports_misconfiguration_without_the_key() -> None:
    public = "pk_test_9e8d7c6b5a4f3e21"
    secret = "sk_test_5a4f3e21\n"
    bad = {
        "DjangoKnock": {"api_key": public, "timeot": 3},
        "OtherKnock": {"api_key": secret, "base_url": "knock.example"},
    }
    with override_settings(KNOCKKIT=bad):
        report = run_check()
    assert "SystemCheckError" in report or "ERRORS" in report
    assert "knockkit.E001" in report
    assert "settings.KNOCKKIT['DjangoKnock']: unknown setting(s) ['timeot']" in report
    assert "settings.KNOCKKIT['DjangoKnock']['api_key']: api_key is a public key (pk_...)" in report
    assert "settings.KNOCKKIT['OtherKnock']['api_key']: api_key contains leading or trailing whitespace" in report
    assert "settings.KNOCKKIT['OtherKnock']['base_url']: base_url must start with https:// or http://" in report
    assert public not in report
    assert secret.strip() not in report


def test_check_warns_about_an_unset_variable_and_passes_a_good_config(monkeypatch: pytest.MonkeyPatch) -> None:
    report = run_check()  # the settings module: DJANGO_TEST_KNOCK_KEY is not set
    assert "knockkit.W001" in report
    assert "settings.KNOCKKIT['DjangoKnock']['api_key'] reads DJANGO_TEST_KNOCK_KEY, which is not set here" in report
    monkeypatch.setenv("DJANGO_TEST_KNOCK_KEY", "sk_test_set_now")
    assert "System check identified no issues" in run_check()
    with override_settings(KNOCKKIT="not a dict"):
        assert "settings.KNOCKKIT must be a dict of instance name -> settings, not str" in run_check()


def test_webhook_view_dispatches_a_signed_event() -> None:
    browser = Client(enforce_csrf_checks=True)
    body = event_body()
    response = browser.post(
        "/webhooks/knock/", body, content_type="application/json", headers={"x-knock-signature": sign(body)}
    )
    assert (response.status_code, response.content) == (204, b"")
    (event,) = RECEIVED
    assert event.type == "message.bounced"
    assert event.message is not None and event.message.recipient == "jhammond"


@pytest.mark.parametrize("case", BAD_SIGNATURES)
def test_webhook_view_answers_400_dispatching_and_logging_nothing_secret(
    case: str, caplog: pytest.LogCaptureFixture
) -> None:
    browser = Client(enforce_csrf_checks=True)
    body = event_body()
    with caplog.at_level(logging.INFO):
        response = browser.post(
            "/webhooks/knock/", body, content_type="application/json", headers=bad_signature_headers(case, body)
        )
    assert response.status_code == 400
    assert b"rejected" in response.content
    assert RECEIVED == []
    assert_rejection_logged(caplog)


def test_webhook_view_takes_only_post() -> None:
    assert Client().get("/webhooks/knock/").status_code == 405
    assert RECEIVED == []
