"""``knockkit.request``: endpoints knockkit does not wrap, through the same executor (issue 10, item 2)."""

from __future__ import annotations

import json
import re

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit.models import Page, User
from tests.conftest import TEST_KEY, call, raw_path

UNAVAILABLE = {"code": "unavailable", "message": "try again", "status": 503, "type": "api_error"}
PAGE = {"entries": [{"id": "u1", "name": "Ian"}], "page_info": {"after": None, "before": None, "page_size": 1}}


def test_a_get_with_a_query_returns_decoded_json(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/j hammond/guides/ch-1", method="GET").respond_with_json({"guides": [1]})
    path = f"/v1/users/{knockkit.segment('user_id', 'j hammond')}/guides/ch-1"
    result = call(knockkit.request, any_client.evolve(branch="dev"), "GET", path, query={"type": ["banner"], "x": True})
    assert result == {"guides": [1]}
    assert raw_path(httpserver) == "/v1/users/j%20hammond/guides/ch-1?type%5B%5D=banner&x=true"
    sent = httpserver.log[0][0]
    assert sent.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert sent.headers["X-Knock-Branch"] == "dev"
    assert sent.headers["User-Agent"].startswith("knockkit/")


def test_a_post_with_a_body_and_an_idempotency_key_is_retried(
    httpserver: HTTPServer, any_client: knockkit.Client
) -> None:
    httpserver.expect_ordered_request("/v1/new/thing", method="POST").respond_with_json(UNAVAILABLE, status=503)
    httpserver.expect_ordered_request("/v1/new/thing", method="POST").respond_with_json({"ok": True})
    result = call(knockkit.request, any_client, "POST", "/v1/new/thing", json={"a": [1, "b"]}, idempotency_key="k-9")
    assert result == {"ok": True}
    for request, _ in httpserver.log:
        assert request.headers["Idempotency-Key"] == "k-9"
        assert request.headers["Content-Type"] == "application/json"
        assert request.get_data() == b'{"a":[1,"b"]}'
    assert len(httpserver.log) == 2


def test_a_post_without_a_key_is_not_sent_twice(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/new/thing", method="POST").respond_with_json(UNAVAILABLE, status=500)
    with pytest.raises(knockkit.ServerError) as info:
        call(knockkit.request, any_client, "POST", "/v1/new/thing", json={})
    assert (info.value.method, info.value.path, info.value.attempts) == ("POST", "/v1/new/thing", 1)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods(httpserver: HTTPServer, any_client: knockkit.Client, method: str) -> None:
    httpserver.expect_request("/v1/things/t1", method=method).respond_with_json([1, 2])
    assert call(knockkit.request, any_client, method, "/v1/things/t1", json={"v": 1}) == [1, 2]
    assert httpserver.log[0][0].method == method


def test_into_decodes_like_the_endpoint_functions(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json({"id": "u1", "name": "Ian", "plan": "pro"})
    httpserver.expect_request("/v1/users").respond_with_json(PAGE)
    user = call(knockkit.request, any_client, "GET", "/v1/users/u1", into=User)
    assert user == User(id="u1", name="Ian", properties={"plan": "pro"})
    page = call(knockkit.request, any_client, "GET", "/v1/users", query={"page_size": 1}, into=Page[User])
    assert [u.id for u in page] == ["u1"] and page.page_info.page_size == 1


def test_an_empty_body_is_none_and_a_body_that_is_not_json_an_error(
    httpserver: HTTPServer, any_client: knockkit.Client
) -> None:
    httpserver.expect_request("/v1/empty", method="DELETE").respond_with_data("", status=204)
    httpserver.expect_request("/v1/html").respond_with_data("<html>", content_type="text/html")
    assert call(knockkit.request, any_client, "DELETE", "/v1/empty") is None
    with pytest.raises(knockkit.APIResponseValidationError, match="the response is not JSON"):
        call(knockkit.request, any_client, "GET", "/v1/html")


def test_errors_hooks_and_metadata_are_the_endpoint_functions(
    httpserver: HTTPServer, any_client: knockkit.Client
) -> None:
    httpserver.expect_request("/v1/missing").respond_with_json({"message": "nope"}, status=404)
    httpserver.expect_request("/v1/found").respond_with_json({"id": 1}, headers={"x-request-id": "req_f"})
    templates: list[str] = []
    client = any_client.evolve(on_response=lambda event: templates.append(event.template))
    with pytest.raises(knockkit.NotFoundError, match=re.escape("404 nope (GET /v1/missing)")):
        call(knockkit.request, client, "GET", "/v1/missing")
    response = call(knockkit.with_response, knockkit.request, client, "GET", "/v1/found")
    assert (response.value, response.request_id) == ({"id": 1}, "req_f")
    assert templates == ["/v1/missing", "/v1/found"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/users/u1", "path must start with /v1/ (base_url holds the rest of the address), got '/users/u1'"),
        ("v1/users", "path must start with /v1/"),
        ("https://api.knock.app/v1/users", "path must start with /v1/"),
        ("/v1/users?page_size=2", "path must not carry a query string; pass query={...} instead"),
        ("/v1/users//u1", "path has an empty, '.' or '..' segment"),
        ("/v1/users/", "path has an empty, '.' or '..' segment"),
        ("/v1/users/../tenants", "path has an empty, '.' or '..' segment"),
        ("/v1/users/j hammond", "path has ' ' at position 11, which a URL path cannot hold as it is; "
                                "encode ids with knockkit.segment('user_id', user_id)"),
        ("/v1/users/ü", "path has 'ü' at position 10"),
        ("/v1/users/a#b", "path has '#' at position 11"),
        ("/v1/users/{user_id}", "path has '{' at position 10"),
        ("/v1/users/100%", "path has a '%' not followed by two hex digits at position 13"),
    ],
)
def test_bad_paths_are_refused_before_sending(
    httpserver: HTTPServer, any_client: knockkit.Client, path: str, message: str
) -> None:
    with pytest.raises(ValueError) as info:
        knockkit.request(any_client, "GET", path)
    assert str(info.value).startswith(message)
    assert httpserver.log == []


def test_encoded_paths_are_sent_as_they_are(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/objects/projects/a/b").respond_with_json({})
    call(knockkit.request, any_client, "GET", "/v1/objects/projects/a%2Fb")
    assert raw_path(httpserver) == "/v1/objects/projects/a%2Fb"


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (("get", "/v1/users"), {}, ValueError, "method must be one of GET, POST, PUT, PATCH, DELETE (in capitals), "
                                               "got 'get'"),
        (("HEAD", "/v1/users"), {}, ValueError, "method must be one of"),
        ((None, "/v1/users"), {}, ValueError, "method must be one of GET, POST, PUT, PATCH, DELETE (in capitals), "
                                              "got 'NoneType'"),
        (("GET", b"/v1/users"), {}, TypeError, "path must be a string, not bytes"),
        (("GET", "/v1/users"), {"into": "User"}, TypeError, "into must be a type"),
        (("POST", "/v1/x"), {"json": {"when": object()}}, TypeError, "body['when'] (a object) cannot be sent as JSON"),
        (("GET", "/v1/x"), {"query": {"page_size": 500}}, ValueError, "page_size must be a whole number from 1 to 50"),
        (("POST", "/v1/x"), {"idempotency_key": "a\nb"}, ValueError, "idempotency_key contains whitespace"),
    ],
)
def test_bad_arguments_are_refused_before_sending(
    httpserver: HTTPServer,
    any_client: knockkit.Client,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error) as info:
        knockkit.request(any_client, *args, **kwargs)  # type: ignore[call-overload]
    assert str(info.value).startswith(message)
    assert httpserver.log == []


def test_the_first_argument_must_be_a_client() -> None:
    with pytest.raises(TypeError, match=r"must be a knockkit\.Client or knockkit\.AsyncClient, not str"):
        knockkit.request("sk_test", "GET", "/v1/users")  # type: ignore[call-overload]


def test_the_body_is_encoded_like_the_endpoint_functions(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    import datetime as dt

    httpserver.expect_request("/v1/x", method="PUT").respond_with_json({})
    when = dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)
    call(knockkit.request, any_client, "PUT", "/v1/x", json={"at": when, "n": 1.5})
    assert json.loads(httpserver.log[0][0].get_data()) == {"at": "2024-05-01T12:00:00Z", "n": 1.5}
