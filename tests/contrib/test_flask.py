"""knockkit.contrib.flask with real Flask apps and Flask's test client: app.config["KNOCKKIT"]
per app (two apps in one process keep their settings apart), and the webhook blueprint."""

from __future__ import annotations

import logging
from typing import Any

import pytest

pytest.importorskip("flask", reason="the Flask integration needs Flask: pip install knockkit[flask]")

from flask import Flask, jsonify, request

import knockkit
from knockkit import KnockInstance, workflows
from knockkit.contrib.flask import Knock, webhook_blueprint
from knockkit.errors import ApiKeyMissingError
from knockkit.testing import FakeKnock
from knockkit.webhooks import Event, Receiver

from .conftest import BAD_SIGNATURES, WEBHOOK_SECRET, assert_rejection_logged, bad_signature_headers, event_body, sign


class FlaskKnock(KnockInstance, app="flaskapp"):
    pass


def make_app(name: str, settings: dict[str, Any] | None, *, extension: bool = True) -> Flask:
    app = Flask(name)
    if settings is not None:
        app.config["KNOCKKIT"] = {"FlaskKnock": settings}
    if extension:
        Knock(app)

    @app.post("/notify")
    def notify() -> Any:
        run = workflows.trigger(FlaskKnock.client(), "dinosaurs-loose", recipients=[request.form["recipient"]])
        return jsonify(workflow_run_id=run.workflow_run_id)

    return app


def test_two_apps_in_one_process_keep_their_settings_apart(fake: FakeKnock) -> None:
    park = make_app("park", {"api_key": fake.api_key, "base_url": fake.url, "branch": "park"})
    lab = make_app("lab", {"api_key": fake.api_key, "base_url": fake.url, "branch": "lab"})
    for app, branch in ((park, "park"), (lab, "lab"), (park, "park")):
        response = app.test_client().post("/notify", data={"recipient": "jhammond"})
        assert response.status_code == 200
        sent = fake.requests[-1]
        assert (sent.method, sent.path, sent.body) == (
            "POST", "/v1/workflows/dinosaurs-loose/trigger", {"recipients": ["jhammond"]},
        )  # fmt: skip
        assert sent.header("X-Knock-Branch") == branch
        assert response.get_json() == {"workflow_run_id": fake.runs()[-1].workflow_run_id}
    with lab.app_context():
        assert FlaskKnock.client().branch == "lab"
    with park.test_request_context():
        assert FlaskKnock.client().branch == "park"


def test_outside_an_app_context_configure_and_environment_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    make_app("park", {"api_key": "sk_test_park"})
    with pytest.raises(ApiKeyMissingError) as info:
        FlaskKnock.client()
    assert "app.config['KNOCKKIT']['FlaskKnock'] (of the current Flask app)" in str(info.value)
    monkeypatch.setenv("KNOCK_API_KEY", "sk_test_env")
    assert FlaskKnock.client().api_key == "sk_test_env"
    knockkit.configure("flaskapp", FlaskKnock, api_key="sk_test_configured")
    assert FlaskKnock.client().api_key == "sk_test_configured"


def test_precedence_explicit_flask_configure_environment_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOCK_BASE_URL", "http://127.0.0.1:9/env")
    knockkit.configure("flaskapp", FlaskKnock, api_key="sk_configure", branch="configured", timeout=5.0)
    app = make_app("park", {"api_key": "sk_flask", "branch": "flask"})
    with app.app_context():
        client = FlaskKnock.client()
        assert (client.api_key, client.branch, client.timeout, client.base_url, client.max_retries) == (
            "sk_flask", "flask", 5.0, "http://127.0.0.1:9/env", 2,
        )  # fmt: skip
        assert FlaskKnock.client(branch=None).branch is None
        app.config["KNOCKKIT"] = {"FlaskKnock": {"branch": "changed"}}  # read at client() time
        assert (FlaskKnock.client().api_key, FlaskKnock.client().branch) == ("sk_configure", "changed")


def test_an_app_without_the_extension_is_not_a_source() -> None:
    knockkit.configure("flaskapp", FlaskKnock, api_key="sk_configured")
    Knock(make_app("with", {"api_key": "sk_with"}, extension=False))
    plain = make_app("plain", {"api_key": "sk_plain"}, extension=False)
    with plain.app_context():
        assert FlaskKnock.client().api_key == "sk_configured"


def test_init_app_rejects_bad_settings_without_showing_the_key() -> None:
    public = "pk_test_4d3c2b1a09f8e7d6"
    knock = Knock()
    with pytest.raises(ValueError) as info:
        knock.init_app(make_app("bad", {"api_key": public, "timeot": 1}, extension=False))
    message = str(info.value)
    assert "app.config['KNOCKKIT']['FlaskKnock']: unknown setting(s) ['timeot']" in message
    assert "app.config['KNOCKKIT']['FlaskKnock']['api_key']: api_key is a public key (pk_...)" in message
    assert public not in message
    # an unset variable is not an error at start-up: it may be set by the time a client is made
    knock.init_app(make_app("late", {"api_key": knockkit.env("FLASK_TEST_UNSET_KEY")}, extension=False))


def receiving_app() -> tuple[Flask, list[Event]]:
    app = Flask("hooks")
    receiver = Receiver(WEBHOOK_SECRET)
    received: list[Event] = []
    receiver.on("message.*")(received.append)
    app.register_blueprint(webhook_blueprint(receiver))
    return app, received


def test_blueprint_dispatches_a_signed_event() -> None:
    app, received = receiving_app()
    body = event_body()
    response = app.test_client().post(
        "/webhooks/knock", data=body, headers={"x-knock-signature": sign(body), "content-type": "application/json"}
    )
    assert (response.status_code, response.data) == (204, b"")
    (event,) = received
    assert event.type == "message.bounced"
    assert event.message is not None and event.message.id == "2w3YUpTTOxuDvZFji8OMsKrG176"


@pytest.mark.parametrize("case", BAD_SIGNATURES)
def test_blueprint_answers_400_dispatching_and_logging_nothing_secret(
    case: str, caplog: pytest.LogCaptureFixture
) -> None:
    app, received = receiving_app()
    body = event_body()
    with caplog.at_level(logging.INFO):
        response = app.test_client().post("/webhooks/knock", data=body, headers=bad_signature_headers(case, body))
    assert response.status_code == 400
    assert received == []
    assert_rejection_logged(caplog)


def test_blueprint_takes_only_post() -> None:
    app, received = receiving_app()
    assert app.test_client().get("/webhooks/knock").status_code == 405
    assert received == []
