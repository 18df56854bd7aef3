"""Wire tests for knockkit.workflows: trigger and cancel."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import workflows
from knockkit.models import TriggerResult
from tests.conftest import TEST_KEY, raw_path

RUN_ID = "123e4567-e89b-12d3-a456-426614174000"
# The spec's response example of POST /v1/workflows/{key}/trigger.
TRIGGER_RESPONSE = {"workflow_run_id": RUN_ID}
# The spec's request example of POST /v1/workflows/{key}/trigger.
TRIGGER_REQUEST = {
    "actor": "mr_dna",
    "cancellation_key": "isla_nublar_incident_1993",
    "data": {
        "affected_areas": ["visitor_center", "raptor_pen", "trex_paddock"],
        "attraction_id": "paddock_rex_01",
        "evacuation_protocol": "active",
        "message": "Life finds a way",
        "severity": "critical",
        "system_status": "fences_failing",
    },
    "recipients": ["dr_grant", "dr_sattler", "dr_malcolm"],
    "settings": {"sandbox_mode": True, "skip_delay": True},
    "tenant": "ingen_isla_nublar",
}

# --- helpers -----------------------------------------------------------------------------


def respond(httpserver: HTTPServer, method: str, path: str, body: Any = None, *, status: int = 200) -> None:
    """Serve one response at the (decoded) path: ``body`` as JSON, or 204 when it is None."""
    handler = httpserver.expect_oneshot_request(path, method=method)
    if body is None:
        handler.respond_with_data("", status=204)
    else:
        handler.respond_with_json(body, status=status)


def assert_same_json(actual: Any, expected: Any) -> None:
    """Equal as JSON, types included (``true`` is not ``1``)."""
    assert actual == expected
    assert json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True)


def check_request(
    httpserver: HTTPServer, method: str, target: str, body: Any, *, branch: str | None = None, index: int = 0
) -> Any:
    """Assert one request the server got: method, raw path, headers and JSON body."""
    request = httpserver.log[index][0]
    assert request.method == method
    assert raw_path(httpserver, index) == target
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["User-Agent"].startswith("knockkit/")
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers.get("X-Knock-Branch") == branch
    assert_same_json(json.loads(request.get_data()), body)
    return request


def idempotency_key(httpserver: HTTPServer, index: int = 0) -> str:
    key = httpserver.log[index][0].headers.get("Idempotency-Key")
    assert key, "the trigger carried no Idempotency-Key"
    return str(key)


def assert_uuid4(value: str) -> None:
    parsed = uuid.UUID(value)
    assert parsed.version == 4
    assert str(parsed) == value


def assert_nothing_sent(httpserver: HTTPServer) -> None:
    assert httpserver.log == []


def assert_trigger_result(result: TriggerResult) -> None:
    assert isinstance(result, TriggerResult)
    assert result.workflow_run_id == RUN_ID
    assert result.extra == {}


# --- trigger ------------------------------------------------------------------------------


def test_trigger_for_user_ids_sends_a_generated_idempotency_key(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", TRIGGER_RESPONSE)

    result = workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond", "agrant"])

    assert len(httpserver.log) == 1
    check_request(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", {"recipients": ["jhammond", "agrant"]})
    assert_uuid4(idempotency_key(httpserver))
    assert_trigger_result(result)


def test_trigger_with_every_option_sends_the_spec_example(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "POST", "/v1/workflows/security-breach-alert/trigger", {**TRIGGER_RESPONSE, "replayed": False})

    result = workflows.trigger(
        client,
        "security-breach-alert",
        recipients=["dr_grant", "dr_sattler", "dr_malcolm"],
        actor="mr_dna",
        data=TRIGGER_REQUEST["data"],  # type: ignore[arg-type]
        tenant="ingen_isla_nublar",
        cancellation_key="isla_nublar_incident_1993",
        settings={"sandbox_mode": True, "skip_delay": True},
        idempotency_key="incident-1993-06-11",
    )

    assert len(httpserver.log) == 1
    check_request(httpserver, "POST", "/v1/workflows/security-breach-alert/trigger", TRIGGER_REQUEST)
    assert idempotency_key(httpserver) == "incident-1993-06-11"
    assert isinstance(result, TriggerResult)
    assert result.workflow_run_id == RUN_ID
    assert result.extra == {"replayed": False}


def test_trigger_with_inline_users_objects_actor_and_tenant(httpserver: HTTPServer, client: knockkit.Client) -> None:
    recipients = [
        "dr_grant",
        {"id": "dr_sattler", "name": "Ellie Sattler", "email": "ellie@ingen.net", "specialty": "paleobotany"},
        {"id": "paddock_rex_01", "collection": "attractions"},
    ]
    actor = {"id": "mr_dna", "name": "Mr. DNA"}
    tenant = {"id": "tenant_1", "name": "Acme Corp, Inc.", "settings": {"branding": {"primary_color": "#0EA5E9"}}}
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", TRIGGER_RESPONSE)

    result = workflows.trigger(client, "dinosaurs-loose", recipients=recipients, actor=actor, tenant=tenant)

    check_request(
        httpserver,
        "POST",
        "/v1/workflows/dinosaurs-loose/trigger",
        {"recipients": recipients, "actor": actor, "tenant": tenant},
    )
    assert_trigger_result(result)


def test_trigger_with_an_object_as_actor(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "POST", "/v1/workflows/deploy/trigger", TRIGGER_RESPONSE)

    workflows.trigger(client, "deploy", recipients=["u1"], actor={"id": "ci_bot", "collection": "services"})

    check_request(
        httpserver,
        "POST",
        "/v1/workflows/deploy/trigger",
        {"recipients": ["u1"], "actor": {"id": "ci_bot", "collection": "services"}},
    )


def test_trigger_encodes_datetimes_in_data_as_utc(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", TRIGGER_RESPONSE)
    when = dt.datetime(1993, 6, 11, 23, 15, tzinfo=dt.timezone(dt.timedelta(hours=2)))

    workflows.trigger(client, "dinosaurs-loose", recipients=["u1"], data={"escaped_at": when, "count": 3})

    check_request(
        httpserver,
        "POST",
        "/v1/workflows/dinosaurs-loose/trigger",
        {"recipients": ["u1"], "data": {"escaped_at": "1993-06-11T21:15:00Z", "count": 3}},
    )


def test_trigger_sends_the_branch_header(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", TRIGGER_RESPONSE)

    workflows.trigger(client.evolve(branch="feature-x"), "dinosaurs-loose", recipients=["u1"])

    check_request(
        httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", {"recipients": ["u1"]}, branch="feature-x"
    )


def test_generated_idempotency_keys_differ_between_calls(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", TRIGGER_RESPONSE)
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", TRIGGER_RESPONSE)

    workflows.trigger(client, "dinosaurs-loose", recipients=["u1"])
    workflows.trigger(client, "dinosaurs-loose", recipients=["u1"])

    assert len(httpserver.log) == 2
    first, second = idempotency_key(httpserver, 0), idempotency_key(httpserver, 1)
    assert_uuid4(first)
    assert_uuid4(second)
    assert first != second


def test_a_retried_trigger_reuses_its_idempotency_key(httpserver: HTTPServer, client: knockkit.Client) -> None:
    error = {"code": "internal", "message": "try again", "status": 503, "type": "api_error"}
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", error, status=503)
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", TRIGGER_RESPONSE)

    result = workflows.trigger(client, "dinosaurs-loose", recipients=["u1"])

    assert len(httpserver.log) == 2
    for index in (0, 1):
        check_request(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", {"recipients": ["u1"]}, index=index)
    assert idempotency_key(httpserver, 0) == idempotency_key(httpserver, 1)
    assert_trigger_result(result)


def test_trigger_accepts_1000_recipients(httpserver: HTTPServer, client: knockkit.Client) -> None:
    recipients = [f"user_{i}" for i in range(1000)]
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", TRIGGER_RESPONSE)

    workflows.trigger(client, "dinosaurs-loose", recipients=recipients)

    check_request(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", {"recipients": recipients})


def test_trigger_rejects_1001_recipients_before_sending(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match="1000"):
        workflows.trigger(client, "dinosaurs-loose", recipients=[f"user_{i}" for i in range(1001)])
    assert_nothing_sent(httpserver)


@pytest.mark.parametrize("recipients", ["jhammond", {"id": "jhammond"}, None])
def test_trigger_rejects_recipients_that_are_not_a_list(
    httpserver: HTTPServer, client: knockkit.Client, recipients: Any
) -> None:
    with pytest.raises(TypeError, match="recipients"):
        workflows.trigger(client, "dinosaurs-loose", recipients=recipients)
    assert_nothing_sent(httpserver)


@pytest.mark.parametrize(
    ("recipient", "error"),
    [("", ValueError), ({"name": "No Id"}, ValueError), ({"id": ""}, ValueError), (42, TypeError)],
)
def test_trigger_rejects_bad_recipients(
    httpserver: HTTPServer, client: knockkit.Client, recipient: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match=r"recipients\[1\]"):
        workflows.trigger(client, "dinosaurs-loose", recipients=["ok", recipient])
    assert_nothing_sent(httpserver)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"actor": ""}, ValueError),
        ({"actor": {"name": "No Id"}}, ValueError),
        ({"tenant": ""}, ValueError),
        ({"tenant": 7}, TypeError),
        ({"data": ["not", "a", "mapping"]}, TypeError),
        ({"settings": "sandbox"}, TypeError),
        ({"cancellation_key": ""}, ValueError),
    ],
)
def test_trigger_rejects_bad_options_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        workflows.trigger(client, "dinosaurs-loose", recipients=["u1"], **options)
    assert_nothing_sent(httpserver)


def test_trigger_accepts_an_idempotency_key_of_255_characters(httpserver: HTTPServer, client: knockkit.Client) -> None:
    key = "k" * 255
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/trigger", TRIGGER_RESPONSE)

    workflows.trigger(client, "dinosaurs-loose", recipients=["u1"], idempotency_key=key)

    assert idempotency_key(httpserver) == key


@pytest.mark.parametrize("key", ["k" * 256, ""])
def test_trigger_rejects_an_idempotency_key_of_256_characters_or_none(
    httpserver: HTTPServer, client: knockkit.Client, key: str
) -> None:
    with pytest.raises(ValueError, match="idempotency_key"):
        workflows.trigger(client, "dinosaurs-loose", recipients=["u1"], idempotency_key=key)
    assert_nothing_sent(httpserver)


@pytest.mark.parametrize(
    ("key", "encoded"),
    [("dinosaurs loose", "dinosaurs%20loose"), ("what?", "what%3F"), ("dinosaurés", "dinosaur%C3%A9s")],
)
def test_trigger_encodes_the_workflow_key_as_one_segment(
    httpserver: HTTPServer, client: knockkit.Client, key: str, encoded: str
) -> None:
    respond(httpserver, "POST", f"/v1/workflows/{key}/trigger", TRIGGER_RESPONSE)

    workflows.trigger(client, key, recipients=["u1"])

    check_request(httpserver, "POST", f"/v1/workflows/{encoded}/trigger", {"recipients": ["u1"]})


@pytest.mark.parametrize("key", ["a/b", "a#b", "", ".", ".."])
def test_bad_workflow_keys_raise_before_sending(httpserver: HTTPServer, client: knockkit.Client, key: str) -> None:
    with pytest.raises(ValueError):
        workflows.trigger(client, key, recipients=["u1"])
    with pytest.raises(ValueError):
        workflows.cancel(client, key, "alert-1")
    assert_nothing_sent(httpserver)


# --- cancel -------------------------------------------------------------------------------


def test_cancel_without_recipients(httpserver: HTTPServer, client: knockkit.Client) -> None:
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/cancel")

    assert workflows.cancel(client, "dinosaurs-loose", "alert-1") is None

    assert len(httpserver.log) == 1
    request = check_request(httpserver, "POST", "/v1/workflows/dinosaurs-loose/cancel", {"cancellation_key": "alert-1"})
    assert request.headers.get("Idempotency-Key") is None


def test_cancel_for_some_recipients(httpserver: HTTPServer, client: knockkit.Client) -> None:
    # The spec's request example, plus an object reference.
    recipients = ["jhammond", {"id": "paddock_rex_01", "collection": "attractions"}]
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/cancel")

    branch_client = client.evolve(branch="feature-x")
    result = workflows.cancel(branch_client, "dinosaurs-loose", "cancel-workflow-123", recipients=recipients)

    assert result is None
    assert len(httpserver.log) == 1
    request = check_request(
        httpserver,
        "POST",
        "/v1/workflows/dinosaurs-loose/cancel",
        {"cancellation_key": "cancel-workflow-123", "recipients": recipients},
        branch="feature-x",
    )
    assert request.headers.get("Idempotency-Key") is None


def test_cancel_is_retried_after_a_server_error(httpserver: HTTPServer, client: knockkit.Client) -> None:
    # Cancelling twice leaves the same state, so a 503 is retried like a GET.
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/cancel", {"message": "busy"}, status=503)
    respond(httpserver, "POST", "/v1/workflows/dinosaurs-loose/cancel")

    assert workflows.cancel(client, "dinosaurs-loose", "alert-1") is None

    assert len(httpserver.log) == 2
    check_request(httpserver, "POST", "/v1/workflows/dinosaurs-loose/cancel", {"cancellation_key": "alert-1"}, index=1)


def test_cancel_rejects_1001_recipients_before_sending(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match="1000"):
        workflows.cancel(client, "dinosaurs-loose", "alert-1", recipients=[f"u{i}" for i in range(1001)])
    assert_nothing_sent(httpserver)


@pytest.mark.parametrize(
    ("cancellation_key", "recipients", "error"),
    [
        ("", None, ValueError),
        (None, None, ValueError),
        ("alert-1", "jhammond", TypeError),
        ("alert-1", [""], ValueError),
    ],
)
def test_cancel_rejects_bad_arguments_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, cancellation_key: Any, recipients: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        workflows.cancel(client, "dinosaurs-loose", cancellation_key, recipients=recipients)
    assert_nothing_sent(httpserver)


def test_every_public_function_is_covered() -> None:
    # trigger and cancel are the whole surface; MAX_RECIPIENTS is the limit both check.
    assert sorted(workflows.__all__) == ["MAX_RECIPIENTS", "cancel", "trigger"]
    assert workflows.MAX_RECIPIENTS == 1000
