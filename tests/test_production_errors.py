"""Error messages a new user meets first (issue 10, item 7), for both clients."""

from __future__ import annotations

import concurrent.futures
import copy
import multiprocessing
import pickle
import socket
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import errors, users
from tests.conftest import TEST_KEY, call, make_client, raw_path


def free_port() -> int:
    with socket.socket() as sock:  # a port nobody listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_host_says_why(transport: str) -> None:
    client = make_client(transport, api_key=TEST_KEY, base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(errors.APIConnectionError) as info:
        call(users.get, client, "jhammond")
    assert "Connection refused" in str(info.value)
    assert "failed to reach http://127.0.0.1:" in str(info.value)


def test_a_host_that_does_not_resolve_says_why(transport: str) -> None:
    # .invalid never resolves (RFC 6761); the resolver's own words end up in the message.
    client = make_client(transport, api_key=TEST_KEY, base_url="http://knockkit-test.invalid", max_retries=0)
    with pytest.raises(errors.APIConnectionError) as info:
        call(users.get, client, "jhammond")
    try:
        socket.getaddrinfo("knockkit-test.invalid", 80)
    except socket.gaierror as exc:
        reason = exc.strerror
    assert f"({reason})" in str(info.value)


def test_a_server_error_after_retries_says_how_many_attempts(
    httpserver: HTTPServer, any_client: knockkit.Client
) -> None:
    httpserver.expect_request("/v1/users/jhammond").respond_with_json(
        {"code": "unavailable", "message": "try again", "status": 503, "type": "api_error"}, status=503
    )
    with pytest.raises(errors.ServerError) as info:
        call(users.get, any_client, "jhammond")
    assert len(httpserver.log) == 3
    assert info.value.attempts == 3
    assert str(info.value).startswith("503 try again (GET /v1/users/jhammond, after 3 attempts)")
    assert info.value.message == "try again"  # Knock's own words, unchanged


def test_an_error_on_the_first_attempt_does_not_mention_attempts(
    httpserver: HTTPServer, any_client: knockkit.Client
) -> None:
    httpserver.expect_request("/v1/users/nobody").respond_with_json({"message": "not found"}, status=404)
    with pytest.raises(errors.NotFoundError) as info:
        call(users.get, any_client, "nobody")
    assert info.value.attempts == 1
    assert str(info.value) == "404 not found (GET /v1/users/nobody)"


@pytest.mark.parametrize("cls", [knockkit.Client, knockkit.AsyncClient])
def test_a_typo_in_evolve_lists_the_valid_fields(cls: type[knockkit.Client]) -> None:
    client = cls(api_key=TEST_KEY)
    with pytest.raises(TypeError) as info:
        client.evolve(brnach="feature-x")
    message = str(info.value)
    assert message.startswith("evolve(): unknown field(s) ['brnach'] (did you mean 'branch'?); known: api_key, ")
    assert "max_retries" in message and "headers" in message


@pytest.mark.parametrize(
    "url", ["https://api.knock.app/v1", "https://api.knock.app/v1/", "http://127.0.0.1:8080/gateway/v1"]
)
def test_a_base_url_ending_in_v1_is_refused(url: str) -> None:
    origin = url.rstrip("/")[: -len("/v1")]
    for cls in (knockkit.Client, knockkit.AsyncClient):
        with pytest.raises(ValueError) as info:
            cls(api_key=TEST_KEY, base_url=url)
        assert str(info.value) == (
            f"base_url must not end in /v1 (knockkit adds /v1/... to every path): "
            f"use {origin!r}, not {url.rstrip('/')!r}"
        )


def test_a_base_url_with_a_path_prefix_still_works(httpserver: HTTPServer, transport: str) -> None:
    httpserver.expect_request("/knock/v1/users/jhammond").respond_with_json({"id": "jhammond"})
    client = make_client(transport, api_key=TEST_KEY, base_url=httpserver.url_for("/knock"))
    assert call(users.get, client, "jhammond").id == "jhammond"
    assert raw_path(httpserver) == "/knock/v1/users/jhammond"


def _raised(fn: Any, *args: Any) -> BaseException:
    try:
        call(fn, *args)
    except errors.KnockError as exc:
        return exc
    raise AssertionError("no error was raised")


def _same(restored: BaseException, original: BaseException) -> None:
    assert type(restored) is type(original)
    assert restored.args == original.args
    assert vars(restored) == vars(original)
    assert str(restored) == str(original)


def test_errors_survive_pickle_and_copy(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    # multiprocessing, concurrent.futures and task queues pickle the errors they carry back;
    # every attribute must come back, not only the message.
    httpserver.expect_request("/v1/users/nobody").respond_with_json(
        {"code": "not_found", "message": "user not found", "status": 404, "type": "api_error"},
        status=404,
        headers={"x-request-id": "req-1"},
    )
    httpserver.expect_request("/v1/users/busy").respond_with_json(
        {"message": "slow down"}, status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_request("/v1/users/odd").respond_with_data("<html>", content_type="text/html")
    unreachable = make_client("sync", api_key=TEST_KEY, base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    client = any_client.evolve(max_retries=0)
    raised = [
        _raised(users.get, client, "nobody"),
        _raised(users.get, client, "busy"),
        _raised(users.get, client, "odd"),
        _raised(users.get, unreachable, "jhammond"),
    ]
    assert [type(e) for e in raised] == [
        errors.NotFoundError,
        errors.RateLimitError,
        errors.APIResponseValidationError,
        errors.APIConnectionError,
    ]
    assert (raised[0].status, raised[0].code, raised[0].request_id) == (404, "not_found", "req-1")  # type: ignore[attr-defined]
    assert raised[1].retry_after == 7  # type: ignore[attr-defined]
    for error in raised:
        _same(pickle.loads(pickle.dumps(error)), error)
        _same(copy.copy(error), error)
        _same(copy.deepcopy(error), error)


def _get_in_a_worker(base_url: str, user_id: str) -> object:
    client = knockkit.Client(api_key=TEST_KEY, base_url=base_url, max_retries=0)
    return users.get(client, user_id)


def test_an_error_raised_in_a_worker_process_reaches_the_parent_whole(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/users/nobody").respond_with_json(
        {"code": "not_found", "message": "user not found", "status": 404, "type": "api_error"},
        status=404,
        headers={"x-request-id": "req-2"},
    )
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(_get_in_a_worker, httpserver.url_for("").rstrip("/"), "nobody")
        with pytest.raises(errors.NotFoundError) as info:
            future.result(timeout=60)
    error = info.value
    assert (error.status, error.message, error.code, error.request_id) == (404, "user not found", "not_found", "req-2")
    assert (error.method, error.path, error.attempts) == ("GET", "/v1/users/nobody", 1)
    assert str(error) == "404 user not found (GET /v1/users/nobody) [code=not_found, request_id=req-2]"
    assert TEST_KEY not in repr(vars(error))
