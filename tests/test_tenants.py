"""knockkit.tenants over real HTTP: paths, queries, bodies, limits and decoding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import tenants
from knockkit.models import BulkOperation, Tenant
from tests.wire import assert_headers, example, only

TENANT_ID, TENANT_PATH = "isla nublar:β", "isla%20nublar:%CE%B2"
OP_ID = "123e4567-e89b-12d3-a456-426614174000"


def tenant_body() -> dict[str, Any]:
    # The spec's example with a custom property and timestamps (Knock flattens custom keys).
    return {
        **example("Tenant"),
        "created_at": "1993-05-24T08:30:00Z",
        "updated_at": "1993-06-11T15:45:00Z",
        "park_capacity": 500,
    }


def assert_tenant(tenant: Tenant) -> None:
    assert isinstance(tenant, Tenant)
    assert (tenant.id, tenant.name, tenant.typename) == ("tenant_jp123", "Jurassic Park", "Tenant")
    assert tenant.settings is not None
    assert tenant.settings.branding is not None and tenant.settings.branding.primary_color == "#DF1A22"
    assert tenant.settings.preference_set is not None and tenant.settings.preference_set.id == "default"
    assert tenant.created_at == dt.datetime(1993, 5, 24, 8, 30, tzinfo=dt.timezone.utc)
    assert tenant.properties == {"park_capacity": 500}
    assert tenant.to_dict() == tenant_body()


def test_list_sends_filters_and_cursor(httpserver: HTTPServer, client: knockkit.Client) -> None:
    listed = example("ListTenantsResponse")
    listed["entries"] = [tenant_body()]
    listed["page_info"]["after"] = "cursor-2"
    httpserver.expect_request("/v1/tenants", method="GET").respond_with_json(listed)

    page = tenants.list(client, tenant_id="tenant_jp123", name="Jurassic Park", after="cursor-1", page_size=10)

    request = only(httpserver)
    assert (request.method, request.path) == ("GET", "/v1/tenants")
    assert request.query == [
        ("tenant_id", "tenant_jp123"),
        ("name", "Jurassic Park"),
        ("after", "cursor-1"),
        ("page_size", "10"),
    ]
    assert_headers(request, body=False)
    assert len(page) == 1
    assert_tenant(page[0])
    assert page.next_params == {"after": "cursor-2"}


def test_list_without_filters_sends_no_query(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/tenants", method="GET").respond_with_json(example("ListTenantsResponse"))
    page = tenants.list(client)
    assert only(httpserver).raw_query == ""
    assert page.next_params is None


def test_get_encodes_the_id(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/tenants/{TENANT_ID}", method="GET").respond_with_json(tenant_body())

    tenant = tenants.get(client, TENANT_ID, resolve_full_preference_settings=True)

    request = only(httpserver)
    assert (request.method, request.path) == ("GET", f"/v1/tenants/{TENANT_PATH}")
    assert request.query == [("resolve_full_preference_settings", "true")]
    assert_headers(request, body=False)
    assert_tenant(tenant)


def test_set_sends_properties_and_settings(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/tenants/{TENANT_ID}", method="PUT").respond_with_json(tenant_body())
    settings = {"branding": {"primary_color": "#DF1A22", "primary_color_contrast": "#FFDE00"}}
    properties = {"name": "Jurassic Park", "park_capacity": 500}

    tenant = tenants.set(client, TENANT_ID, properties, settings=settings)

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("PUT", f"/v1/tenants/{TENANT_PATH}", [])
    assert_headers(request, body=True)
    assert request.body == {"name": "Jurassic Park", "park_capacity": 500, "settings": settings}
    assert properties == {"name": "Jurassic Park", "park_capacity": 500}  # the caller's mapping is not changed
    assert_tenant(tenant)


def test_set_with_nothing_sends_an_empty_object(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/tenants/{TENANT_ID}", method="PUT").respond_with_json(tenant_body())
    tenants.set(client, TENANT_ID, resolve_full_preference_settings=False)
    request = only(httpserver)
    assert request.body == {}
    assert request.query == [("resolve_full_preference_settings", "false")]


def test_set_refuses_settings_twice(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match="settings is given twice"):
        tenants.set(client, TENANT_ID, {"settings": {}}, settings={"branding": {}})
    with pytest.raises(TypeError, match="properties must be a mapping"):
        tenants.set(client, TENANT_ID, ["name"])  # type: ignore[arg-type]
    assert httpserver.log == []


def test_delete(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/tenants/{TENANT_ID}", method="DELETE").respond_with_data("", status=204)

    assert tenants.delete(client, TENANT_ID) is None

    request = only(httpserver)
    assert (request.method, request.path, request.body) == ("DELETE", f"/v1/tenants/{TENANT_PATH}", None)
    assert_headers(request, body=False)


def assert_bulk_operation(op: BulkOperation) -> None:
    assert isinstance(op, BulkOperation)
    assert (op.id, op.status, op.name) == (OP_ID, "processing", "Bulk operation name")
    assert op.extra == {"future_field": {"kept": True}}


def test_bulk_set_posts_ids_and_inline_tenants(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/tenants/bulk/set", method="POST").respond_with_json(
        {**example("BulkOperation"), "future_field": {"kept": True}}
    )
    items = [{"id": "tenant_1", "name": "Acme Corp, Inc."}, "tenant_2"]

    op = tenants.bulk_set(client, items)

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("POST", "/v1/tenants/bulk/set", [])
    assert_headers(request, body=True)
    assert request.body == {"tenants": items}
    assert_bulk_operation(op)


def test_bulk_delete_sends_the_ids_in_the_query(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/tenants/bulk/delete", method="POST").respond_with_json(
        {**example("BulkOperation"), "future_field": {"kept": True}}
    )

    op = tenants.bulk_delete(client, ["tenant_1", "tenant 2"])

    request = only(httpserver)
    assert (request.method, request.path) == ("POST", "/v1/tenants/bulk/delete")
    assert request.query == [("tenant_ids[]", "tenant_1"), ("tenant_ids[]", "tenant 2")]
    assert request.body is None
    assert_headers(request, body=False)
    assert_bulk_operation(op)


def test_bulk_delete_is_not_retried_after_reaching_knock(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request("/v1/tenants/bulk/delete", method="POST").respond_with_json(
        {"message": "unavailable"}, status=503
    )
    with pytest.raises(knockkit.ServerError):
        tenants.bulk_delete(client, ["tenant_1"])
    assert len(httpserver.log) == 1


MANY = [f"t{i}" for i in range(1001)]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda c: tenants.bulk_set(c, MANY), ValueError, "tenants has 1001 items; Knock accepts at most 1000"),
        (lambda c: tenants.bulk_delete(c, MANY), ValueError, "tenant_ids has 1001 items; Knock accepts at most 1000"),
        (lambda c: tenants.bulk_set(c, []), ValueError, "tenants needs at least 1"),
        (lambda c: tenants.bulk_set(c, [{"name": "x"}]), ValueError, r"tenants\[0\] must have a non-empty string 'id'"),
        (lambda c: tenants.bulk_delete(c, "tenant_1"), TypeError, "tenant_ids must be a list"),
        (lambda c: tenants.list(c, page_size=0), ValueError, "page_size must be a whole number from 1 to 50"),
    ],
)
def test_limits_and_bad_input_are_caught_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, call: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(client)
    assert httpserver.log == []
