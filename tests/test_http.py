"""The executor on the wire: headers, encoding, retries, errors and redaction."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import knockkit
from knockkit import errors, users, workflows
from knockkit._http import encode_query, segment
from tests.conftest import TEST_KEY, raw_path

USER = {"__typename": "User", "id": "jhammond", "updated_at": "2024-05-01T12:00:00Z"}


def knock_error(status: int, code: str, message: str) -> Response:
    body = {"code": code, "message": message, "status": status, "type": "api_error"}
    return Response(json.dumps(body), status=status, content_type="application/json", headers={"x-request-id": "req_9"})


# --- headers ---------------------------------------------------------------------


def test_headers_of_a_request_with_a_body(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond", method="PUT").respond_with_json(USER)
    users.identify(client.evolve(branch="feature-x"), "jhammond", {"name": "John"})
    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["User-Agent"].startswith("knockkit/0.1.0 python/3.")
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Knock-Branch"] == "feature-x"
    assert "Idempotency-Key" not in request.headers
    assert request.get_data() == b'{"name":"John"}'


def test_a_get_sends_no_body_branch_or_content_type(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond", method="GET").respond_with_json(USER)
    users.get(client, "jhammond")
    request = httpserver.log[0][0]
    assert "Content-Type" not in request.headers
    assert "X-Knock-Branch" not in request.headers
    assert request.get_data() == b""


# --- retries ---------------------------------------------------------------------


def test_trigger_retried_after_503_with_the_same_idempotency_key(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    httpserver.expect_ordered_request("/v1/workflows/dinosaurs-loose/trigger").respond_with_response(
        knock_error(503, "unavailable", "try again")
    )
    httpserver.expect_ordered_request("/v1/workflows/dinosaurs-loose/trigger").respond_with_json(
        {"workflow_run_id": "9b2c1a80-0000-4000-8000-000000000001"}
    )
    result = workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"])
    assert result.workflow_run_id == "9b2c1a80-0000-4000-8000-000000000001"
    keys = [r.headers["Idempotency-Key"] for r, _ in httpserver.log]
    assert len(keys) == 2 and keys[0] == keys[1] and len(keys[0]) == 36


def test_429_waits_for_retry_after(httpserver: HTTPServer, client: knockkit.Client) -> None:
    limited = knock_error(429, "rate_limited", "slow down")
    limited.headers["Retry-After"] = "1"
    httpserver.expect_ordered_request("/v1/users/jhammond").respond_with_response(limited)
    httpserver.expect_ordered_request("/v1/users/jhammond").respond_with_json(USER)
    started = time.monotonic()
    assert users.get(client, "jhammond").id == "jhammond"
    assert time.monotonic() - started >= 0.9
    assert len(httpserver.log) == 2


def test_post_without_idempotency_is_not_retried_after_500(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond/merge", method="POST").respond_with_response(
        knock_error(500, "internal", "boom")
    )
    with pytest.raises(errors.ServerError) as info:
        users.merge(client, "jhammond", "old-id")
    assert len(httpserver.log) == 1
    assert info.value.status == 500


def test_get_is_retried_until_the_budget_is_spent(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_response(knock_error(502, "bad_gateway", "down"))
    with pytest.raises(errors.ServerError) as info:
        users.get(client, "jhammond")
    assert len(httpserver.log) == 3  # the first attempt and max_retries=2
    assert (info.value.status, info.value.code, info.value.request_id) == (502, "bad_gateway", "req_9")


def test_retries_are_configurable_per_client_and_per_call(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_response(knock_error(503, "x", "down"))
    with pytest.raises(errors.ServerError):
        users.get(client.evolve(max_retries=0), "jhammond")
    assert len(httpserver.log) == 1
    with pytest.raises(errors.ServerError):
        users.get(client.evolve(max_retries=4), "jhammond")
    assert len(httpserver.log) == 1 + 5


def test_4xx_other_than_408_409_429_is_not_retried(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_response(knock_error(422, "invalid", "bad"))
    with pytest.raises(errors.UnprocessableEntityError):
        users.get(client, "jhammond")
    assert len(httpserver.log) == 1


def test_409_is_retried(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_ordered_request("/v1/users/jhammond").respond_with_response(knock_error(409, "conflict", "x"))
    httpserver.expect_ordered_request("/v1/users/jhammond").respond_with_json(USER)
    assert users.get(client, "jhammond").id == "jhammond"


def test_connection_refused_is_retried_then_raised(client: knockkit.Client) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    refused = client.evolve(base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(errors.APIConnectionError) as info:
        workflows.trigger(refused, "wf", recipients=["u1"])
    assert not isinstance(info.value, errors.APITimeoutError)
    assert info.value.attempts == 3
    assert "after 3 attempt(s)" in str(info.value)


def test_read_timeout_raises_api_timeout_error(httpserver: HTTPServer, client: knockkit.Client) -> None:
    def slow(_: Request) -> Response:
        time.sleep(0.5)
        return Response(json.dumps(USER), content_type="application/json")

    httpserver.expect_request("/v1/users/jhammond").respond_with_handler(slow)
    with pytest.raises(errors.APITimeoutError) as info:
        users.get(client.evolve(timeout=0.1, max_retries=0), "jhammond")
    assert info.value.attempts == 1
    assert (info.value.method, info.value.path) == ("GET", "/v1/users/jhammond")
    # Let the slow handler finish, so its late log entry does not land in the next test.
    deadline = time.monotonic() + 5
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.02)


def test_redirects_are_not_followed(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_data(
        "", status=302, headers={"Location": "http://127.0.0.1:1/elsewhere"}
    )
    with pytest.raises(errors.APIError) as info:
        users.get(client, "jhammond")
    assert info.value.status == 302
    assert len(httpserver.log) == 1


# --- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (418, errors.APIError),
        (422, errors.UnprocessableEntityError),
    ],
)
def test_status_maps_to_error_class(
    httpserver: HTTPServer, client: knockkit.Client, status: int, cls: type[errors.APIError]
) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_response(knock_error(status, "some_code", "Some message"))
    with pytest.raises(cls) as info:
        users.get(client, "u1")
    error = info.value
    assert type(error) is cls
    assert (error.status, error.code, error.message, error.request_id) == (status, "some_code", "Some message", "req_9")
    assert error.type == "api_error"
    assert error.body == {"code": "some_code", "message": "Some message", "status": status, "type": "api_error"}
    assert str(error) == f"{status} Some message (GET /v1/users/u1) [code=some_code, request_id=req_9]"
    assert isinstance(error, knockkit.KnockError)


def test_rate_limit_error_carries_retry_after(httpserver: HTTPServer, client: knockkit.Client) -> None:
    limited = knock_error(429, "rate_limited", "slow down")
    limited.headers["Retry-After"] = "30"
    httpserver.expect_request("/v1/users/u1").respond_with_response(limited)
    with pytest.raises(errors.RateLimitError) as info:
        users.get(client.evolve(max_retry_after=1, max_retries=0), "u1")
    assert info.value.retry_after == 30


def test_error_body_that_is_not_json_shows_a_redacted_excerpt(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    page = f"<html><body>Bad gateway for Bearer {TEST_KEY} at the edge</body></html>"
    httpserver.expect_request("/v1/users/u1").respond_with_data(page, status=400, content_type="text/html")
    with pytest.raises(errors.BadRequestError) as info:
        users.get(client, "u1")
    assert info.value.body is None
    assert "<html><body>Bad gateway for [REDACTED]" in info.value.message
    assert TEST_KEY not in str(info.value)


def test_success_body_that_is_not_json(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_data("<html>maintenance</html>", content_type="text/html")
    with pytest.raises(errors.APIResponseValidationError) as info:
        users.get(client, "u1")
    assert info.value.status == 200
    assert "the response is not JSON; body starts: <html>maintenance</html>" in str(info.value)


def test_success_with_empty_body_where_json_is_expected(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_data("", status=200)
    with pytest.raises(errors.APIResponseValidationError, match="expected a JSON body, got an empty one"):
        users.get(client, "u1")


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({**USER, "name": "Jöhn 😀"}).encode(),  # the usual: UTF-8, nothing around it
        b"  " + json.dumps({**USER, "name": "Jöhn 😀"}).encode() + b"\r\n",  # whitespace around the value
        b"\xef\xbb\xbf" + json.dumps({**USER, "name": "Jöhn 😀"}).encode(),  # a UTF-8 byte order mark
        json.dumps({**USER, "name": "Jöhn 😀"}, ensure_ascii=False).encode("utf-16"),  # UTF-16, as json.loads reads it
    ],
    ids=["utf-8", "whitespace", "bom", "utf-16"],
)
def test_json_bodies_json_loads_reads_are_read(httpserver: HTTPServer, client: knockkit.Client, body: bytes) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_data(body, content_type="application/json")
    user = users.get(client, "u1")
    assert (user.id, user.name) == ("jhammond", "Jöhn 😀")


def test_trailing_data_after_the_json_value_is_not_json(httpserver: HTTPServer, client: knockkit.Client) -> None:
    body = json.dumps(USER) + " {}"
    httpserver.expect_request("/v1/users/u1").respond_with_data(body, content_type="application/json")
    with pytest.raises(errors.APIResponseValidationError, match="the response is not JSON"):
        users.get(client, "u1")


def test_json_of_the_wrong_shape(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json(["not", "a", "user"])
    with pytest.raises(errors.APIResponseValidationError, match="does not fit User") as info:
        users.get(client, "u1")
    assert info.value.body == ["not", "a", "user"]


def test_logs_at_debug_show_the_request_but_never_the_key(
    httpserver: HTTPServer, client: knockkit.Client, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json(USER, headers={"x-request-id": "req_42"})
    with caplog.at_level(logging.DEBUG):
        users.get(client, "u1")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /v1/users/u1 -> 200" in text and "req_42" in text
    assert TEST_KEY not in text


# --- encoding --------------------------------------------------------------------


def test_query_encoding() -> None:
    when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    query = {
        "status": ["sent", "read"],
        "has_tenant": True,
        "archived": False,
        "skipped": None,
        "inserted_at": {"gte": when, "lt": "2024-02-01"},
        "objects": [{"id": "p 1", "collection": "projects"}],
        "q": "a&b=c",
    }
    encoded = encode_query(query)
    assert encoded.replace("%5B", "[").replace("%5D", "]") == (
        "status[]=sent&status[]=read&has_tenant=true&archived=false"
        "&inserted_at[gte]=2024-01-02T03%3A04%3A05Z&inserted_at[lt]=2024-02-01"
        "&objects[0][id]=p%201&objects[0][collection]=projects&q=a%26b%3Dc"
    )
    assert encoded.startswith("status%5B%5D=sent&")


def test_query_rejects_values_it_cannot_send() -> None:
    with pytest.raises(TypeError, match="query parameter 'x' cannot be a set"):
        encode_query({"x": {1, 2}})
    with pytest.raises(ValueError, match="timezone-aware"):
        encode_query({"since": dt.datetime(2024, 1, 1)})


@pytest.mark.parametrize(
    ("user_id", "encoded"),
    [
        ("john hammond", "john%20hammond"),
        ("who?", "who%3F"),
        ("dénnis-ñ-雷", "d%C3%A9nnis-%C3%B1-%E9%9B%B7"),
        ("$tenants", "$tenants"),
        ("a%2Fb", "a%252Fb"),
        ("user:1@ingen", "user:1@ingen"),
    ],
)
def test_ids_are_one_encoded_segment_on_the_wire(
    httpserver: HTTPServer, client: knockkit.Client, user_id: str, encoded: str
) -> None:
    httpserver.expect_request(f"/v1/users/{user_id}").respond_with_json({**USER, "id": user_id})
    assert users.get(client, user_id).id == user_id
    assert raw_path(httpserver) == f"/v1/users/{encoded}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "user_id must not be empty"),
        (".", "must not be '.' or '..'"),
        ("..", "must not be '.' or '..'"),
        ("a/b", "must not contain '/' or '#'"),
        ("a#b", "must not contain '/' or '#'"),
        ("x" * 257, "user_id is 257 characters long; Knock allows at most 256"),
    ],
)
def test_bad_ids_are_rejected_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, value: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        users.get(client, value)
    assert httpserver.log == []


def test_non_string_id_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="channel_id must be a string, not int"):
        segment("channel_id", 42)


def test_body_encoding_names_the_field_it_cannot_send(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(TypeError, match=r"body\['data'\]\['tags'\] \(a set\) cannot be sent as JSON"):
        workflows.trigger(client, "wf", recipients=["u1"], data={"tags": {"a"}})
    with pytest.raises(TypeError, match=r"body\['data'\]\['score'\] \(=nan\)"):
        workflows.trigger(client, "wf", recipients=["u1"], data={"score": float("nan")})
    assert httpserver.log == []


def test_datetimes_in_bodies_are_sent_as_utc_iso(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/u1", method="PUT").respond_with_json(USER)
    when = dt.datetime(2024, 1, 2, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    users.identify(client, "u1", {"created_at": when})
    assert httpserver.log[0][0].get_json() == {"created_at": "2024-01-02T03:04:05Z"}


@pytest.mark.parametrize("page_size", [0, 51, True, 2.5])
def test_page_size_is_checked(httpserver: HTTPServer, client: knockkit.Client, page_size: object) -> None:
    with pytest.raises(ValueError, match="page_size must be a whole number from 1 to 50"):
        users.list(client, page_size=page_size)  # type: ignore[arg-type]
    assert httpserver.log == []


def test_a_fractional_max_retry_after_caps_the_wait(httpserver: HTTPServer, client: knockkit.Client) -> None:
    limited = knock_error(429, "rate_limited", "slow down")
    limited.headers["Retry-After"] = "30"
    httpserver.expect_ordered_request("/v1/users/u1").respond_with_response(limited)
    httpserver.expect_ordered_request("/v1/users/u1").respond_with_json({**USER, "id": "u1"})
    started = time.monotonic()
    assert users.get(client.evolve(max_retry_after=0.3), "u1").id == "u1"
    assert 0.25 <= time.monotonic() - started < 5  # waited the capped 0.3 s, not 30 s nor 0
