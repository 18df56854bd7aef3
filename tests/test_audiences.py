"""knockkit.audiences over real HTTP: list, add and remove members."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import audiences
from knockkit.models import AudienceMember, User
from tests.wire import assert_headers, example, only, sent

KEY, KEY_PATH = "beta testers", "beta%20testers"
MEMBERS = example("AddAudienceMembersRequest")["members"]


def test_list_members_decodes_members(httpserver: HTTPServer, client: knockkit.Client) -> None:
    listed = example("ListAudienceMembersResponse")
    listed["entries"][0]["future_field"] = {"kept": True}
    listed["entries"][0]["user"]["favourite_dinosaur"] = "triceratops"
    httpserver.expect_request(f"/v1/audiences/{KEY}/members", method="GET").respond_with_json(listed)

    page = audiences.list_members(client, KEY)

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("GET", f"/v1/audiences/{KEY_PATH}/members", [])
    assert_headers(request, body=False)
    member = page[0]
    assert isinstance(member, AudienceMember)
    assert (member.user_id, member.tenant, member.typename) == ("dr_grant", "ingen_isla_nublar", "AudienceMember")
    assert member.added_at == dt.datetime(1993, 6, 10, 14, 30, tzinfo=dt.timezone.utc)
    assert isinstance(member.user, User)
    assert (member.user.id, member.user.email) == ("dr_grant", "alan.grant@dig.site.mt")
    assert member.user.properties == {"favourite_dinosaur": "triceratops"}
    assert member.extra == {"future_field": {"kept": True}}
    # to_dict gives back every key received (known fields Knock left out come back as None)
    as_dict = member.to_dict()
    assert as_dict["user"].items() >= listed["entries"][0]["user"].items()
    assert as_dict.items() >= {k: v for k, v in listed["entries"][0].items() if k != "user"}.items()
    assert page.page_info.page_size == 25 and page.next_params is None


def test_add_members_posts_them(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/audiences/{KEY}/members", method="POST").respond_with_data("", status=204)

    assert audiences.add_members(client, KEY, MEMBERS, create_audience=True) is None

    request = only(httpserver)
    assert (request.method, request.path) == ("POST", f"/v1/audiences/{KEY_PATH}/members")
    assert request.query == [("create_audience", "true")]
    assert_headers(request, body=True)
    assert request.body == {"members": MEMBERS}


def test_add_members_is_retried_because_membership_is_a_set(httpserver: HTTPServer, client: knockkit.Client) -> None:
    path = f"/v1/audiences/{KEY}/members"
    httpserver.expect_oneshot_request(path, method="POST").respond_with_json({"message": "busy"}, status=503)
    httpserver.expect_oneshot_request(path, method="POST").respond_with_data("", status=204)

    audiences.add_members(client, KEY, [{"user": {"id": "dr_sattler"}}])

    assert len(httpserver.log) == 2
    assert sent(httpserver).query == []  # create_audience=None is not sent
    assert [entry[0].get_json() for entry in httpserver.log] == [{"members": [{"user": {"id": "dr_sattler"}}]}] * 2


def test_remove_members_sends_a_delete_with_a_body(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/audiences/{KEY}/members", method="DELETE").respond_with_data("", status=204)

    assert audiences.remove_members(client, KEY, MEMBERS) is None

    request = only(httpserver)
    assert (request.method, request.path, request.query) == ("DELETE", f"/v1/audiences/{KEY_PATH}/members", [])
    assert_headers(request, body=True)
    assert request.body == {"members": MEMBERS}


@pytest.mark.parametrize(
    ("members", "error", "message"),
    [
        ([{"user": {"id": "u"}}] * 1001, ValueError, "members has 1001 items; Knock accepts at most 1000"),
        ([], ValueError, "members needs at least 1"),
        ([{"user_id": "u1"}], ValueError, r"members\[0\] must have a 'user' mapping with a non-empty string 'id'"),
        ([{"user": "u1"}], ValueError, r"members\[0\] must have a 'user' mapping"),
        (["u1"], TypeError, r"members\[0\] must be a mapping"),
        ([{"user": {"id": "u1"}, "tenant": 5}], TypeError, r"members\[0\]\['tenant'\] must be a tenant id string"),
    ],
)  # fmt: skip
def test_members_are_checked_before_sending(
    httpserver: HTTPServer, client: knockkit.Client, members: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        audiences.add_members(client, KEY, members)
    with pytest.raises(error, match=message):
        audiences.remove_members(client, KEY, members)
    assert httpserver.log == []


def test_paginate_follows_audience_member_cursors(httpserver: HTTPServer, client: knockkit.Client) -> None:
    first = example("ListAudienceMembersResponse")
    second = example("ListAudienceMembersResponse")
    first["page_info"] = {"after": "cur 2", "before": None, "page_size": 1}
    second["page_info"] = {"after": None, "before": None, "page_size": 1}
    second["entries"][0]["user_id"] = "dr_sattler"
    httpserver.expect_ordered_request(f"/v1/audiences/{KEY}/members", query_string="page_size=1").respond_with_json(
        first
    )
    httpserver.expect_ordered_request(
        f"/v1/audiences/{KEY}/members", query_string="after=cur%202&page_size=1"
    ).respond_with_json(second)

    members = list(knockkit.paginate(audiences.list_members, client, KEY, page_size=1))

    assert [m.user_id for m in members] == ["dr_grant", "dr_sattler"]
    assert len(httpserver.log) == 2
