"""knockkit.guides over real HTTP."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import guides
from knockkit.models import Guide, GuideActivationUrlRule, Page
from tests.conftest import TEST_KEY, raw_path

CHANNEL_ID = "123e4567-e89b-12d3-a456-426614174000"
GUIDE_ID = "7e9dc78c-b3b1-4127-a54e-71f1899b831a"
USER_ID = "dr grant"  # the space checks percent-encoding
ENCODED_USER = "dr%20grant"
OK = {"status": "ok"}

# The spec's GuidesResponse example (first guide and the list-level keys), plus a key Knock may add.
GUIDES: dict[str, Any] = {
    "entries": [
        {
            "__typename": "Guide",
            "activation_url_patterns": [],
            "activation_url_rules": [
                {"argument": "/workflows", "directive": "allow", "operator": "contains", "variable": "pathname"}
            ],
            "active": True,
            "bypass_global_group_limit": False,
            "channel_id": "51b92f90-1504-4fda-95c1-495a3883bc4d",
            "dashboard_url": "https://dashboard.knock.app/~/guides/nps-survey",
            "id": "53595157-2fac-4a17-8dd7-e6603e32cb3a",
            "inserted_at": "2025-09-30T14:54:44.217756Z",
            "key": "nps-survey",
            "semver": "0.0.3",
            "steps": [
                {
                    "content": {"companyName": "Knock", "showFeedbackSection": True},
                    "message": {
                        "archived_at": None,
                        "id": "33hjnKRKNx9ISRlixVBjhpkh28J",
                        "interacted_at": "2025-10-07T15:10:59.291Z",
                        "link_clicked_at": None,
                        "read_at": "2025-10-07T15:10:59.291Z",
                        "seen_at": "2025-10-06T18:46:03.210Z",
                    },
                    "ref": "step_1",
                    "schema_key": "nps-survey",
                    "schema_semver": "0.0.3",
                    "schema_variant_key": "default",
                }
            ],
            "type": "nps-survey",
            "updated_at": "2025-10-03T17:46:53.653663Z",
            "priority": 3,
        }
    ],
    "guide_group_display_logs": {"default": "2025-08-16T00:47:14.025Z"},
    "guide_groups": [
        {
            "__typename": "GuideGroup",
            "display_interval": 3600,
            "display_sequence": ["nps-survey", "changelog-card"],
            "inserted_at": "2025-07-24T21:06:27.394627Z",
            "key": "default",
            "updated_at": "2025-10-07T20:39:52.465400Z",
        }
    ],
    "ineligible_guides": [
        {"key": "onboarding-tour", "message": "User has archived this guide already", "reason": "marked_as_archived"}
    ],
}
STEP = {
    "channel_id": CHANNEL_ID,
    "guide_id": GUIDE_ID,
    "guide_key": "tour_notification",
    "guide_step_ref": "lab_tours",
}


def sent_json(httpserver: HTTPServer, method: str, path: str) -> Any:
    """Assert the last request's method, raw path (no query) and headers; return its JSON body."""
    request = httpserver.log[-1][0]
    assert request.method == method
    assert raw_path(httpserver) == path
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.get_data())


def test_list_sends_targeting_and_keeps_guide_groups(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/users/{USER_ID}/guides/{CHANNEL_ID}", method="GET").respond_with_json(GUIDES)

    page = guides.list(client, USER_ID, CHANNEL_ID, tenant="ingen_isla_nublar", data={"plan": "pro"}, type="banner")

    request = httpserver.log[-1][0]
    path, _, query = raw_path(httpserver).partition("?")
    assert request.method == "GET"
    assert path == f"/v1/users/{ENCODED_USER}/guides/{CHANNEL_ID}"
    assert parse_qsl(query) == [("tenant", "ingen_isla_nublar"), ("data", '{"plan":"pro"}'), ("type", "banner")]
    assert request.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert isinstance(page, Page)
    (guide,) = page.entries
    assert isinstance(guide, Guide)
    assert (guide.id, guide.key, guide.type, guide.active) == (
        "53595157-2fac-4a17-8dd7-e6603e32cb3a", "nps-survey", "nps-survey", True,
    )  # fmt: skip
    assert guide.steps is not None and guide.steps[0].message is not None
    assert guide.steps[0].message.id == "33hjnKRKNx9ISRlixVBjhpkh28J"
    assert guide.steps[0].message.read_at == dt.datetime(2025, 10, 7, 15, 10, 59, 291000, tzinfo=dt.timezone.utc)
    assert guide.activation_url_rules == [
        GuideActivationUrlRule(argument="/workflows", directive="allow", operator="contains", variable="pathname")
    ]
    assert guide.inserted_at == dt.datetime(2025, 9, 30, 14, 54, 44, 217756, tzinfo=dt.timezone.utc)
    assert guide.extra == {"priority": 3}
    assert page.extra == {k: GUIDES[k] for k in ("guide_group_display_logs", "guide_groups", "ineligible_guides")}
    assert page.next_params is None  # the guide list is not paginated


def test_mark_seen(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/users/{USER_ID}/guides/messages/seen", method="PUT").respond_with_json(OK)
    content = {"body": "Limited spots available.", "title": "DNA Lab Tour Available"}

    result = guides.mark_seen(
        client, USER_ID, **STEP, content=content, data={"spots_left": 8}, tenant="ingen_isla_nublar"
    )

    body = sent_json(httpserver, "PUT", f"/v1/users/{ENCODED_USER}/guides/messages/seen")
    assert body == {**STEP, "tenant": "ingen_isla_nublar", "content": content, "data": {"spots_left": 8}}
    assert result is None


def test_mark_interacted(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/users/{USER_ID}/guides/messages/interacted", method="PUT").respond_with_json(OK)
    metadata = {"cta": "Reserve Spot", "theme": "amber", "type": "banner"}

    assert guides.mark_interacted(client, USER_ID, **STEP, metadata=metadata) is None

    body = sent_json(httpserver, "PUT", f"/v1/users/{ENCODED_USER}/guides/messages/interacted")
    assert body == {**STEP, "metadata": metadata}


def test_mark_archived(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/users/{USER_ID}/guides/messages/archived", method="PUT").respond_with_json(OK)

    assert guides.mark_archived(client, USER_ID, **STEP, is_final=False, unthrottled=True, tenant="t1") is None

    body = sent_json(httpserver, "PUT", f"/v1/users/{ENCODED_USER}/guides/messages/archived")
    assert body == {**STEP, "tenant": "t1", "is_final": False, "unthrottled": True}


def test_mark_unarchived_sends_a_delete_with_a_body(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/users/{USER_ID}/guides/messages/archived", method="DELETE").respond_with_json(OK)

    assert guides.mark_unarchived(client, USER_ID, guide_key="tour_notification", tenant="ingen_isla_nublar") is None

    body = sent_json(httpserver, "DELETE", f"/v1/users/{ENCODED_USER}/guides/messages/archived")
    assert body == {"guide_key": "tour_notification", "tenant": "ingen_isla_nublar"}


def test_reset_engagement(httpserver: HTTPServer, client: knockkit.Client) -> None:
    httpserver.expect_request(f"/v1/users/{USER_ID}/guides/engagements/reset", method="PUT").respond_with_json(OK)

    assert guides.reset_engagement(client, USER_ID, guide_key="tour_notification") is None

    body = sent_json(httpserver, "PUT", f"/v1/users/{ENCODED_USER}/guides/engagements/reset")
    assert body == {"guide_key": "tour_notification"}


def test_required_step_fields_are_checked_before_sending(httpserver: HTTPServer, client: knockkit.Client) -> None:
    with pytest.raises(ValueError, match="guide_step_ref must not be empty"):
        guides.mark_interacted(client, USER_ID, **{**STEP, "guide_step_ref": ""})
    with pytest.raises(TypeError, match="guide_id must be a string, not int"):
        guides.mark_archived(client, USER_ID, **{**STEP, "guide_id": 7})
    with pytest.raises(TypeError, match="content must be a mapping"):
        guides.mark_seen(client, USER_ID, **STEP, content="hello")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="guide_key must not be empty"):
        guides.reset_engagement(client, USER_ID, guide_key="")
    assert httpserver.log == []
