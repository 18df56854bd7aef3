"""knockkit.integrations over real HTTP: the Census and Hightouch JSON-RPC endpoints."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import integrations
from tests.wire import assert_headers, only

CASES = [
    (integrations.census_custom_destination, "/v1/integrations/census/custom-destination"),
    (integrations.hightouch_embedded_destination, "/v1/integrations/hightouch/embedded-destination"),
]
IDS = ["census", "hightouch"]
Rpc = Callable[..., dict[str, Any]]


@pytest.mark.parametrize(("fn", "path"), CASES, ids=IDS)
def test_rpc_request_and_response(httpserver: HTTPServer, client: knockkit.Client, fn: Rpc, path: str) -> None:
    answer = {"id": "rpc-1", "result": {"objects": [{"id": "users", "label": "Users"}]}, "jsonrpc": "2.0"}
    httpserver.expect_request(path, method="POST").respond_with_json(answer)

    result = fn(client, "list_objects", {"page": 1}, id="rpc-1")

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("POST", path, [])
    assert_headers(request, body=True)
    assert request.body == {"id": "rpc-1", "jsonrpc": "2.0", "method": "list_objects", "params": {"page": 1}}
    assert result == answer  # returned as Knock sent it, unknown keys included


@pytest.mark.parametrize(("fn", "path"), CASES, ids=IDS)
def test_rpc_id_defaults_to_a_fresh_uuid(httpserver: HTTPServer, client: knockkit.Client, fn: Rpc, path: str) -> None:
    httpserver.expect_request(path, method="POST").respond_with_json({"id": "x", "result": {}})

    fn(client, "test_connection")
    fn(client, "test_connection", jsonrpc="2.0")

    first, second = (entry[0].get_json() for entry in httpserver.log)
    assert set(first) == {"id", "jsonrpc", "method"}  # no params when none are given
    assert str(uuid.UUID(first["id"])) == first["id"]
    assert first["id"] != second["id"]


@pytest.mark.parametrize(("fn", "path"), CASES, ids=IDS)
def test_rpc_is_not_retried_after_reaching_knock(
    httpserver: HTTPServer, client: knockkit.Client, fn: Rpc, path: str
) -> None:
    # A sync batch sent twice could be applied twice.
    httpserver.expect_request(path, method="POST").respond_with_json({"message": "unavailable"}, status=503)
    with pytest.raises(knockkit.ServerError):
        fn(client, "sync_batch", {"records": []}, id="rpc-2")
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(("fn", "path"), CASES, ids=IDS)
def test_rpc_arguments_are_checked(httpserver: HTTPServer, client: knockkit.Client, fn: Rpc, path: str) -> None:
    with pytest.raises(ValueError, match="method must be a non-empty JSON-RPC method name"):
        fn(client, "")
    with pytest.raises(ValueError, match="id must be a non-empty string"):
        fn(client, "list_objects", id="")
    with pytest.raises(TypeError, match="params must be a mapping"):
        fn(client, "list_objects", ["x"])
    assert httpserver.log == []
