"""Issue 8, the SDK side: every edge a hostile server, a messy secret or a careless caller reaches.

One section per case of the issue, in its order. Each test drives knockkit over real
sockets on 127.0.0.1 (the misbehaving FaultServer) and asserts what reached the wire,
what the caller got, and that nothing secret leaked.
"""

from __future__ import annotations

import base64
import enum
import gzip
import hashlib
import hmac
import io
import json
import logging
import time
import traceback
from typing import Any

import pytest

import knockkit
from knockkit import errors, messages, objects, tenants, users, webhooks, workflows
from knockkit.models import User
from tests.conftest import TEST_KEY, collect
from tests.conftest import call as run_call
from tests.reliability._server import Drip, FaultServer, Raw, Request, Respond, json_response, knock_error, sequence
from tests.reliability.conftest import make_client

USER = {"__typename": "User", "id": "u1", "name": "Ellie Sattler", "updated_at": "2024-05-01T12:00:00Z"}
RUN = {"workflow_run_id": "run_1"}
DEEP = b"[" * 100_000 + b"]" * 100_000


def head(status: int, reason: str = "OK", **headers: str) -> bytes:
    lines = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    return f"HTTP/1.1 {status} {reason}\r\n{lines}\r\n".encode("latin-1")


def trigger(client: knockkit.Client, **kwargs: Any) -> Any:
    return workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"], **kwargs)


@pytest.fixture
def client(any_client: knockkit.Client) -> knockkit.Client:
    """Every test here that sends runs once per transport."""
    return any_client


@pytest.fixture
def new_client(server: FaultServer, transport: str) -> Any:
    """A client of the test's transport with some settings changed."""
    return lambda **changes: make_client(server, transport, **changes)


def timed_call(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.monotonic()
    try:
        return run_call(fn, *args, **kwargs), time.monotonic() - started
    except Exception as exc:
        return exc, time.monotonic() - started


# --- 1. header values --------------------------------------------------------------------

BAD_HEADER_VALUES = {
    "folded line": "abc\r\n def",
    "folded with a tab": "abc\r\n\tdef",
    "NUL": "abc\x00def",
    "record separator": "abc\x1edef",
    "DEL": "abc\x7fdef",
    "only spaces": "   ",
    "leading space": " abc",
    "trailing space": "abc ",
}


@pytest.mark.parametrize("value", BAD_HEADER_VALUES.values(), ids=BAD_HEADER_VALUES.keys())
def test_a_branch_that_cannot_be_a_header_is_refused_when_the_client_is_built(value: str) -> None:
    with pytest.raises(ValueError, match=r"^branch (contains|is only)"):
        knockkit.Client(api_key=TEST_KEY, branch=value)


@pytest.mark.parametrize("value", [*BAD_HEADER_VALUES.values(), "inner space"])
def test_an_api_key_that_cannot_be_a_header_is_refused_without_showing_it(value: str) -> None:
    key = "sk_test_" + value if value.strip() and not value.startswith(" ") else value
    with pytest.raises(ValueError, match=r"^api_key ") as info:
        knockkit.Client(api_key=key)
    assert key not in str(info.value) and "abc" not in str(info.value)


def test_a_key_with_spaces_around_it_does_not_pass_for_its_trimmed_twin() -> None:
    for key in (" " + TEST_KEY, TEST_KEY + " ", TEST_KEY + "\t"):
        with pytest.raises(ValueError, match="api_key"):
            knockkit.Client(api_key=key)


@pytest.mark.parametrize("value", [*BAD_HEADER_VALUES.values(), "two  spaces"])
def test_an_idempotency_key_that_cannot_be_a_header_is_refused_before_sending(
    server: FaultServer, client: knockkit.Client, value: str
) -> None:
    with pytest.raises(ValueError, match=r"^idempotency_key "):
        trigger(client, idempotency_key=value)
    assert server.requests == []


def test_an_idempotency_key_with_single_inner_spaces_is_sent_as_given(
    server: FaultServer, client: knockkit.Client
) -> None:
    server.handler = lambda request: json_response(200, RUN)
    run_call(trigger, client, idempotency_key="order 42 shipped")
    assert server.requests[0].headers["idempotency-key"] == "order 42 shipped"


# --- 2. keys with invisible characters ----------------------------------------------------

INVISIBLE = {
    "byte order mark": ("\ufeff" + TEST_KEY, "byte order mark"),
    "zero-width space": (TEST_KEY + "\u200b", "U+200B"),
    "no-break space": (TEST_KEY + "\u00a0", "U+00A0"),
    "non-ASCII letter": (TEST_KEY[:-1] + "é", "non-ASCII"),
}


@pytest.mark.parametrize(("key", "described"), INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_key_with_invisible_characters_is_refused_when_the_client_is_built(key: str, described: str) -> None:
    with pytest.raises(ValueError) as info:
        knockkit.Client(api_key=key)
    text = str(info.value) + repr(info.value) + repr(info.value.args)
    assert described in text
    assert TEST_KEY not in text and TEST_KEY[8:20] not in text and "é" not in text
    assert info.value.__context__ is None or TEST_KEY not in repr(info.value.__context__)


# --- 3. timeouts are deadlines ----------------------------------------------------------------

BODY = json.dumps(USER).encode()


def test_a_server_that_drips_the_body_is_cut_off_at_the_deadline(server: FaultServer, new_client: Any) -> None:
    # 30 bytes of headers and body at 100 ms a byte would take minutes; the attempt has 0.5 s.
    server.handler = lambda request: Drip(head(200, content_length=str(len(BODY))) + BODY, interval=0.1)
    client = new_client(timeout=0.5, max_retries=0)
    exc, elapsed = timed_call(users.get, client, "u1")
    assert isinstance(exc, errors.APITimeoutError), exc
    assert exc.attempts == 1 and "timed out after 1 attempt(s)" in str(exc)
    assert elapsed < 2.0  # a per-read timeout would have waited for every byte


def test_a_server_that_drips_its_headers_is_cut_off_at_the_deadline(server: FaultServer, new_client: Any) -> None:
    dripped = head(200, content_length=str(len(BODY)), x_padding="x" * 200) + BODY
    server.handler = lambda request: Drip(dripped, interval=0.05)
    client = new_client(timeout=0.4, max_retries=1, backoff_factor=0.01)
    exc, elapsed = timed_call(users.get, client, "u1")
    assert isinstance(exc, errors.APITimeoutError), exc
    assert exc.attempts == 2 and len(server.requests) == 2
    assert elapsed < 3.0  # two attempts of 0.4 s, not 2 x 12 s of dripping


def test_a_slow_but_timely_answer_is_read(server: FaultServer, new_client: Any) -> None:
    server.handler = lambda request: Drip(head(200, content_length=str(len(BODY))) + BODY, interval=0.001, size=8)
    assert run_call(users.get, new_client(timeout=5.0), "u1").name == "Ellie Sattler"


# --- 4. response size and content encodings -------------------------------------------------


def test_a_2xx_body_over_the_cap_is_refused_unread(server: FaultServer, new_client: Any) -> None:
    big = json.dumps({**USER, "padding": "x" * 5000}).encode()
    server.handler = lambda request: Respond(200, big, {"content-type": "application/json"})
    exc, _ = timed_call(users.get, new_client(max_response_bytes=1000), "u1")
    assert isinstance(exc, errors.APIResponseValidationError), exc
    assert "larger than max_response_bytes (1000 bytes)" in exc.message
    assert len(server.requests) == 1  # a 2xx is never sent again


def test_a_chunked_2xx_body_over_the_cap_is_cut_off(server: FaultServer, new_client: Any) -> None:
    chunk = b"x" * 4096
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(64)) + b"0\r\n\r\n"
    server.handler = lambda request: Raw(head(200, transfer_encoding="chunked") + chunked)
    exc, _ = timed_call(users.get, new_client(max_response_bytes=10_000), "u1")
    assert isinstance(exc, errors.APIResponseValidationError), exc
    assert "max_response_bytes" in exc.message


def test_a_body_within_the_cap_is_read(server: FaultServer, new_client: Any) -> None:
    server.handler = lambda request: Respond(200, BODY, {"content-type": "application/json"})
    assert run_call(users.get, new_client(max_response_bytes=len(BODY)), "u1").id == "u1"


def test_a_huge_error_body_is_read_only_as_far_as_the_excerpt_needs(server: FaultServer, new_client: Any) -> None:
    # It claims 128 MB, sends 1 MB and then stalls: reading it whole would time out.
    payload = b"<html>" + b"gateway trouble " * 65536
    server.handler = lambda request: Drip(
        head(400, "Bad Request", content_length=str(128 * 1024 * 1024)) + payload, size=1 << 20, hold=5.0
    )
    exc, elapsed = timed_call(users.get, new_client(timeout=3.0), "u1")
    assert isinstance(exc, errors.BadRequestError), exc
    assert exc.message.startswith("Bad Request: <html>gateway trouble") and exc.message.endswith("...")
    assert exc.body is None
    assert elapsed < 2.0


def test_huge_bodies_of_retried_errors_are_not_read(server: FaultServer, new_client: Any) -> None:
    stall = Drip(head(503, "Service Unavailable", content_length=str(64 * 1024 * 1024)) + b"x" * 100_000, hold=5.0)
    server.handler = sequence(stall, stall, json_response(200, USER))
    client = new_client(timeout=2.0, backoff_factor=0.01)
    value, elapsed = timed_call(users.get, client, "u1")
    assert isinstance(value, User), value
    assert len(server.requests) == 3 and elapsed < 2.0


def gzip_bomb(size: int) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        block = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            packed.write(block)
    return out.getvalue()


def test_a_gzip_body_knockkit_did_not_ask_for_is_not_inflated(server: FaultServer, client: knockkit.Client) -> None:
    bomb = gzip_bomb(64 << 20)  # 64 MB of zeros in about 64 KB
    encoded = {"content-type": "application/json", "content-encoding": "gzip"}
    server.handler = lambda request: Respond(200, bomb, encoded)
    exc, _ = timed_call(users.get, client, "u1")
    assert isinstance(exc, errors.APIResponseValidationError), exc
    assert "'gzip'-encoded although knockkit asked for identity" in exc.message
    assert server.requests[0].headers.get("accept-encoding") == "identity"


def test_an_encoded_error_body_is_reported_unread(server: FaultServer, client: knockkit.Client) -> None:
    packed = gzip.compress(b'{"code": "nope", "message": "not found"}')
    server.handler = lambda request: Respond(404, packed, {"content-encoding": "gzip", "x-request-id": "req_1"})
    exc, _ = timed_call(users.get, client, "u1")
    assert isinstance(exc, errors.NotFoundError), exc
    assert "'gzip'-encoded body knockkit did not ask for" in exc.message and exc.body is None


# --- 6. deep JSON ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 404, 500])
def test_deeply_nested_json_from_the_server_is_a_knockkit_error(
    server: FaultServer, new_client: Any, status: int
) -> None:
    server.handler = lambda request: Respond(status, DEEP, {"content-type": "application/json"})
    exc, _ = timed_call(users.get, new_client(max_retries=0), "u1")
    expected = {200: errors.APIResponseValidationError, 404: errors.NotFoundError, 500: errors.ServerError}
    assert type(exc) is expected[status], exc
    assert exc.body is None


def test_deeply_nested_json_answering_a_trigger_is_a_knockkit_error(
    server: FaultServer, client: knockkit.Client
) -> None:
    server.handler = lambda request: Respond(200, DEEP, {"content-type": "application/json"})
    exc, _ = timed_call(trigger, client)
    assert isinstance(exc, errors.APIResponseValidationError) and "not JSON" in exc.message


def test_deeply_nested_json_in_a_signed_webhook_is_a_verification_error() -> None:
    secret, stamp = "whsec_test", str(int(time.time() * 1000))
    signature = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + b"." + DEEP, hashlib.sha256).digest())
    with pytest.raises(errors.WebhookVerificationError, match="nested too deeply"):
        webhooks.verify(DEEP, f"t={stamp},s={signature.decode()}", secret)


def test_a_deeply_nested_request_body_is_refused_before_sending(server: FaultServer, client: knockkit.Client) -> None:
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        users.identify(client, "u1", {"deep": deep})
    assert server.requests == []


# --- 7. unreadable Retry-After --------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["9" * 5000, "Fri, 31 Dec 99999 23:59:59 GMT", "Mon, 99 Foo 2024 99:99:99 GMT", "1e309", "-5", "²"]
)
def test_an_unreadable_retry_after_falls_back_to_backoff(
    server: FaultServer, client: knockkit.Client, value: str
) -> None:
    server.handler = sequence(knock_error(429, "rate_limited", **{"retry-after": value}), json_response(200, USER))
    result, elapsed = timed_call(users.get, client, "u1")
    assert isinstance(result, User), result
    assert len(server.requests) == 2 and elapsed < 1.0


def test_an_unreadable_retry_after_on_the_last_429_is_reported_as_unknown(server: FaultServer, new_client: Any) -> None:
    server.handler = lambda request: knock_error(429, "rate_limited", **{"retry-after": "9" * 5000})
    exc, _ = timed_call(users.get, new_client(max_retries=0), "u1")
    assert isinstance(exc, errors.RateLimitError) and exc.retry_after is None


# --- 8. redaction of everything the server says ---------------------------------------------


def echoing_error(request: Request) -> Raw:
    echoed = request.headers["authorization"]  # "Bearer sk_test_..."
    key = echoed.split()[1]
    body = json.dumps({
        "code": f"bad_{key}", "message": f"key {key} refused", "status": 401, "type": f"auth {echoed}",
        "details": {"header": echoed, "seen": [key, {"again": key}]},
    }).encode()  # fmt: skip
    return Raw(head(401, f"Unauthorized {key}", content_length=str(len(body)), x_request_id=f"req_{key}") + body)


def test_the_key_echoed_by_the_server_is_redacted_everywhere_knockkit_keeps_it(
    server: FaultServer, client: knockkit.Client, caplog: pytest.LogCaptureFixture
) -> None:
    server.handler = echoing_error
    with caplog.at_level(logging.DEBUG, logger="knockkit"):
        exc, _ = timed_call(users.get, client, "u1")
    assert isinstance(exc, errors.AuthenticationError), exc
    kept = [str(exc), repr(exc), exc.message, exc.code, exc.type, exc.request_id, json.dumps(exc.body), caplog.text]
    for text in kept:
        assert TEST_KEY not in str(text), text
    assert exc.request_id == "req_[REDACTED]" and exc.body["details"]["seen"][1] == {"again": "[REDACTED]"}
    assert "request id req_[REDACTED]" in caplog.text


def test_the_key_echoed_in_a_reason_phrase_is_redacted(server: FaultServer, client: knockkit.Client) -> None:
    def reason(request: Request) -> Raw:
        key = request.headers["authorization"].split()[1]
        return Raw(head(400, f"Bad key {key}", content_length="0"))

    server.handler = reason
    exc, _ = timed_call(users.get, client, "u1")
    assert isinstance(exc, errors.BadRequestError) and TEST_KEY not in str(exc)
    assert "Bad key [REDACTED]" in str(exc)


# --- 9. no key in traceback locals ------------------------------------------------------------


@pytest.mark.parametrize("answer", ["error", "hang", "not json"])
def test_no_frame_on_the_traceback_holds_the_key(server: FaultServer, new_client: Any, answer: str) -> None:
    server.handler = {
        "error": lambda request: knock_error(500),
        "hang": lambda request: Drip(b"", hold=1.0),
        "not json": lambda request: Respond(200, b"<html>"),
    }[answer]
    exc, _ = timed_call(users.get, new_client(max_retries=0, timeout=0.2), "u1")
    assert isinstance(exc, errors.KnockError), exc
    report = "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())
    assert "Bearer" not in report and TEST_KEY not in report
    assert "headers" in report  # the locals were captured (the request's own headers)


# --- 10. bodies with keys that are not strings ----------------------------------------------


@pytest.mark.parametrize(
    ("properties", "place"),
    [
        ({1: "a", "1": "b"}, "body key 1"),
        ({"ok": {True: "yes"}}, "body['ok'] key True"),
        ({"list": [{None: 1}]}, "body['list'][0] key None"),
        ({1.5: "x"}, "body key 1.5"),
    ],
)
def test_non_string_keys_in_a_body_are_a_type_error(
    server: FaultServer, client: knockkit.Client, properties: dict[Any, Any], place: str
) -> None:
    with pytest.raises(TypeError, match="keys must be strings") as info:
        users.identify(client, "u1", properties)
    assert str(info.value).startswith(place)
    assert server.requests == []


# --- 11. query values follow the body's rules ------------------------------------------------


class Status(str, enum.Enum):
    SENT = "sent"
    READ = "read"


class Plan(enum.Enum):
    PRO = "pro"


def test_enum_members_go_by_value_in_the_query_and_in_the_body(server: FaultServer, client: knockkit.Client) -> None:
    server.handler = sequence(json_response(200, {"items": [], "page_info": {}}), json_response(200, USER))
    run_call(messages.list, client, status=[Status.SENT, Status.READ], channel_id=Status.SENT)
    run_call(users.identify, client, "u1", {"plan": Plan.PRO, "status": Status.READ})
    assert "status%5B%5D=sent&status%5B%5D=read" in server.requests[0].target
    assert "channel_id=sent" in server.requests[0].target
    assert server.requests[1].json() == {"plan": "pro", "status": "read"}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_are_refused_in_query_json_parameters_and_ranges(
    server: FaultServer, client: knockkit.Client, bad: float
) -> None:
    with pytest.raises((TypeError, ValueError), match="trigger_data"):
        messages.list(client, trigger_data={"priority": bad})
    with pytest.raises(ValueError, match="inserted_at"):
        messages.list(client, inserted_at={"gte": bad})
    with pytest.raises(TypeError, match=r"body\['n'\]"):
        users.identify(client, "u1", {"n": bad})
    assert server.requests == []


# --- 12. bulk id lists ------------------------------------------------------------------------

BULK_CALLS = {
    "users.bulk_delete": lambda client, ids: users.bulk_delete(client, ids),
    "users.bulk_set_preferences": lambda client, ids: users.bulk_set_preferences(
        client, ids, {"channel_types": {"email": True}}
    ),
    "objects.bulk_delete": lambda client, ids: objects.bulk_delete(client, "projects", ids),
    "tenants.bulk_delete": lambda client, ids: tenants.bulk_delete(client, ids),
}


@pytest.mark.parametrize("call", BULK_CALLS.values(), ids=BULK_CALLS.keys())
@pytest.mark.parametrize(
    ("ids", "error", "message"),
    [
        ([1, None, {}], TypeError, r"\[0\] must be a string"),
        (["ok", ""], ValueError, r"\[1\] must not be empty"),
        (["a/b"], ValueError, r"\[0\] must not contain '/'"),
        (["fine", ".."], ValueError, r"\[1\] must not be '.' or '..'"),
        ([], ValueError, "at least 1"),
    ],
)
def test_bulk_id_lists_share_one_check(
    server: FaultServer, client: knockkit.Client, call: Any, ids: list[Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(client, ids)
    assert server.requests == []


def test_bulk_user_ids_follow_the_user_id_length_limit(server: FaultServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match=r"user_ids\[0\] is 257 characters long"):
        users.bulk_delete(client, ["u" * 257])


# --- 14. cursor cycles -------------------------------------------------------------------------


def test_a_cursor_seen_before_ends_pagination_with_a_clear_error(server: FaultServer, client: knockkit.Client) -> None:
    def page(request: Request) -> Respond:
        after = "B" if "after=A" in request.target else "A"
        return json_response(200, {"entries": [{**USER, "id": f"u-{len(server.requests)}"}],
                                   "page_info": {"after": after, "before": None, "page_size": 1}})  # fmt: skip

    server.handler = page
    seen = []
    with pytest.raises(RuntimeError, match="returned a cursor it had returned before"):
        seen.extend(user.id for user in collect(users.list, client, page_size=1))
    assert len(server.requests) == 3 and seen == []  # the error ends the collection


def test_a_normal_cursor_chain_is_followed_to_the_end(server: FaultServer, client: knockkit.Client) -> None:
    cursors = {"": "c1", "c1": "c2", "c2": None}

    def page(request: Request) -> Respond:
        current = request.target.split("after=")[1].split("&")[0] if "after=" in request.target else ""
        return json_response(200, {"entries": [{**USER, "id": current or "first"}],
                                   "page_info": {"after": cursors[current], "page_size": 1}})  # fmt: skip

    server.handler = page
    assert [u.id for u in collect(users.list, client, page_size=1)] == ["first", "c1", "c2"]

