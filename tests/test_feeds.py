"""knockkit.feeds over real HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import feeds
from knockkit.models import Activity, FeedContentBlock, FeedFeatures, FeedItem, FeedSettings, FeedSource, Page, User
from tests.conftest import TEST_KEY, raw_path

CHANNEL_ID = "123e4567-e89b-12d3-a456-426614174000"
USER_ID = "dr grant"  # the space checks percent-encoding

JANE = {
    "__typename": "User",
    "avatar": None,
    "created_at": None,
    "email": "jane@ingen.net",
    "id": "jane",
    "name": "Jane Doe",
    "phone_number": None,
    "timezone": None,
    "updated_at": "2024-05-22T12:00:00Z",
}
# The spec's UserInAppFeedResponse example, plus keys Knock may add later.
FEED: dict[str, Any] = {
    "entries": [
        {
            "__typename": "FeedItem",
            "activities": [
                {
                    "__typename": "Activity",
                    "actor": None,
                    "data": {"foo": "bar"},
                    "id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXe",
                    "inserted_at": "2024-01-01T00:00:00Z",
                    "recipient": JANE,
                    "updated_at": "2024-01-01T00:00:00Z",
                }
            ],
            "actors": [JANE],
            "blocks": [
                {
                    "content": "This is a message in an app feed",
                    "name": "body",
                    "rendered": "<p>This is a message in an app feed</p>",
                    "type": "markdown",
                }
            ],
            "data": {"foo": "bar"},
            "id": "2FVHPWxRqNuXQ9krvNP5A6Z4qXe",
            "inserted_at": "2021-01-01T00:00:00Z",
            "read_at": None,
            "seen_at": "2021-01-01T00:05:00Z",
            "source": {
                "__typename": "Workflow",
                "categories": ["collaboration"],
                "key": "my_source",
                "version_id": "123e4567-e89b-12d3-a456-426614174000",
            },
            "tenant": "acme_corp",
            "total_activities": 10,
            "total_actors": 5,
            "updated_at": "2021-01-01T00:00:00Z",
            "priority": "future key",
        }
    ],
    "meta": {"__typename": "FeedMetadata", "total_count": 100, "unread_count": 10, "unseen_count": 5},
    "page_info": {"__typename": "PageInfo", "after": "cursor-2", "before": None, "page_size": 25},
    "vars": {"foo": "bar"},
}


def test_list_items_sends_filters_and_keeps_meta_and_vars(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/users/{USER_ID}/feeds/{CHANNEL_ID}", method="GET").respond_with_json(FEED)

    page = feeds.list_items(
        client,
        USER_ID,
        CHANNEL_ID,
        status="unread",
        archived="include",
        source="my_source",
        tenant="acme_corp",
        has_tenant=True,
        workflow_categories=["collaboration", "alerts"],
        trigger_data={"project_id": "p1"},
        locale="en",
        exclude="blocks",
        mode="compact",
        inserted_at={"gt": dt.datetime(2021, 1, 1, 12, tzinfo=dt.timezone.utc)},
        after="cursor-1",
        page_size=25,
    )

    request = httpserver.log[-1][0]
    path, _, query = raw_path(httpserver).partition("?")
    assert request.method == "GET"
    assert path == f"/v1/users/dr%20grant/feeds/{CHANNEL_ID}"
    assert parse_qsl(query) == [
        ("status", "unread"),
        ("archived", "include"),
        ("source", "my_source"),
        ("tenant", "acme_corp"),
        ("has_tenant", "true"),
        ("workflow_categories[]", "collaboration"),
        ("workflow_categories[]", "alerts"),
        ("trigger_data", '{"project_id":"p1"}'),
        ("locale", "en"),
        ("exclude", "blocks"),
        ("mode", "compact"),
        ("inserted_at[gt]", "2021-01-01T12:00:00Z"),
        ("after", "cursor-1"),
        ("page_size", "25"),
    ]
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert "Content-Type" not in request.headers

    assert isinstance(page, Page)
    (item,) = page.entries
    assert isinstance(item, FeedItem)
    assert item.id == "2FVHPWxRqNuXQ9krvNP5A6Z4qXe"
    assert item.typename == "FeedItem"
    assert item.activities is not None and isinstance(item.activities[0], Activity)
    recipient = item.activities[0].recipient
    assert isinstance(recipient, User) and recipient.to_dict() == JANE
    assert item.actors == [recipient]
    assert item.blocks == [
        FeedContentBlock(
            content="This is a message in an app feed",
            name="body",
            rendered="<p>This is a message in an app feed</p>",
            type="markdown",
        )
    ]
    assert item.source == FeedSource(
        typename="Workflow", categories=["collaboration"], key="my_source",
        version_id="123e4567-e89b-12d3-a456-426614174000",
    )  # fmt: skip
    assert item.seen_at == dt.datetime(2021, 1, 1, 0, 5, tzinfo=dt.timezone.utc)
    assert item.read_at is None
    assert (item.tenant, item.total_activities, item.total_actors) == ("acme_corp", 10, 5)
    assert item.extra == {"priority": "future key"}
    # The feed's non-list keys travel in Page.extra.
    assert page.extra == {"meta": FEED["meta"], "vars": {"foo": "bar"}}
    assert page.page_info.after == "cursor-2"
    assert page.next_params == {"after": "cursor-2"}


def test_list_items_with_no_options_sends_no_query(httpserver: HTTPServer, client: knockkit.Client) -> None:
    empty = {"entries": [], "meta": FEED["meta"], "page_info": {"page_size": 50}, "vars": {}}
    httpserver.expect_request(f"/v1/users/jhammond/feeds/{CHANNEL_ID}").respond_with_json(empty)

    page = feeds.list_items(client, "jhammond", CHANNEL_ID)

    assert raw_path(httpserver) == f"/v1/users/jhammond/feeds/{CHANNEL_ID}"
    assert page.entries == [] and not page.has_next
    assert page.extra["meta"]["unread_count"] == 10


def test_list_items_rejects_an_unknown_range_key_before_sending(
    httpserver: HTTPServer, client: knockkit.Client
) -> None:
    with pytest.raises(ValueError, match="inserted_at takes the keys gt, gte, lt, lte"):
        feeds.list_items(client, "jhammond", CHANNEL_ID, inserted_at={"after": "2021-01-01T00:00:00Z"})
    assert httpserver.log == []


def test_get_settings(httpserver: HTTPServer, client: knockkit.Client) -> None:
    settings = {"features": {"branding_required": True}, "theme": "future key"}
    httpserver.expect_request(f"/v1/users/{USER_ID}/feeds/{CHANNEL_ID}/settings", method="GET").respond_with_json(
        settings
    )

    result = feeds.get_settings(client, USER_ID, CHANNEL_ID)

    request = httpserver.log[-1][0]
    assert request.method == "GET"
    assert raw_path(httpserver) == f"/v1/users/dr%20grant/feeds/{CHANNEL_ID}/settings"
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert isinstance(result, FeedSettings)
    assert result.features == FeedFeatures(branding_required=True)
    assert result.extra == {"theme": "future key"}
