"""``order=`` on users.list: Knock's API gained it after the spec in tests/data (issue 10, item 4)."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import users
from tests.conftest import call, collect, raw_path

PAGE_INFO = {"__typename": "PageInfo", "after": None, "before": None, "page_size": 50}


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_order_goes_on_the_wire(httpserver: HTTPServer, any_client: knockkit.Client, order: str) -> None:
    httpserver.expect_request("/v1/users").respond_with_json({"entries": [{"id": "u1"}], "page_info": PAGE_INFO})
    page = call(users.list, any_client, order=order, page_size=10)
    assert raw_path(httpserver) == f"/v1/users?page_size=10&order={order}"
    assert [user.id for user in page] == ["u1"]


def test_order_is_kept_across_pages(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    first = {"entries": [{"id": "u1"}], "page_info": {**PAGE_INFO, "after": "c1"}}
    httpserver.expect_ordered_request("/v1/users").respond_with_json(first)
    last = {"entries": [{"id": "u2"}], "page_info": PAGE_INFO}
    httpserver.expect_ordered_request("/v1/users").respond_with_json(last)
    ids = [user.id for user in collect(users.list, any_client, order="desc", page_size=1)]
    assert ids == ["u1", "u2"]
    assert raw_path(httpserver, 0) == "/v1/users?page_size=1&order=desc"
    assert raw_path(httpserver, 1) == "/v1/users?after=c1&page_size=1&order=desc"


def test_no_order_sends_none(httpserver: HTTPServer, any_client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/users").respond_with_json({"entries": [], "page_info": PAGE_INFO})
    call(users.list, any_client)
    assert raw_path(httpserver) == "/v1/users"


@pytest.mark.parametrize(
    ("order", "error", "message"),
    [
        ("ascending", ValueError, "order must be one of asc, desc; got 'ascending'"),
        ("ASC", ValueError, "order must be one of asc, desc; got 'ASC'"),
        (1, TypeError, "order must be a string, not int"),
    ],
)
def test_a_bad_order_is_refused_before_sending(
    httpserver: HTTPServer, any_client: knockkit.Client, order: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{message}$"):
        users.list(any_client, order=order)  # type: ignore[arg-type]
    assert httpserver.log == []
