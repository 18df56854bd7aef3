"""What each seed scenario must have left in the fake, read back through knockkit: the same
checks for every SDK. Ids carry the SDK's prefix (``py-``, ``js-``), so the SDKs share one
server without seeing each other's records. ``detail`` is what the scenario reported (ids the
server made up, such as a workflow run id)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest

import knockkit
from knockkit import audiences, feeds, messages, objects, schedules, tenants, users, workflow_recipient_runs
from tests.official_sdks.conftest import Standalone

Check = Callable[[knockkit.Client, Standalone, str, Mapping[str, Any]], None]

#: The seed scenarios, in the order each SDK runs them.
SCENARIOS = (
    "identify", "get_user", "preferences", "channel_data", "trigger", "idempotent_trigger", "rendered_content",
    "cancel", "messages", "message_batch", "objects", "object_recipient_filters", "tenants", "tenant_preferences",
    "schedules", "feed", "bulk_identify", "bulk_set_objects", "audiences", "pagination", "concurrent_requests",
    "deletes", "errors",
)  # fmt: skip

#: How many users the concurrent_requests scenario identifies at once.
CROWD = 20

CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    assert name in SCENARIOS, name

    def register(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return register


@check("identify")
def _identify(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    user = users.get(kk, f"{p}-jhammond")
    assert (user.name, user.email, user.properties["title"]) == ("John Hammond", "jhammond@ingen.net", "Founder")


@check("get_user")
def _get_user(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    assert users.get(kk, f"{p}-esattler").phone_number == "+15555550101"


@check("preferences")
def _preferences(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    stored = users.get_preferences(kk, f"{p}-prefs").to_dict()
    assert stored["channel_types"] == {"email": False, "sms": True}
    assert stored["workflows"] == {"dinosaurs-loose": False}
    assert stored["categories"] == {"safety": {"channel_types": {"push": False}}}
    assert stored["commercial_subscribed"] is True  # merged in by a second call


@check("channel_data")
def _channel_data(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    stored = users.get_channel_data(kk, f"{p}-channels", server.channel_ids["push"])
    assert stored.data.to_dict()["tokens"] == ["apns-token-1"]


@check("trigger")
def _trigger(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    (message,) = users.list_messages(kk, f"{p}-trigger").entries  # the in-app step; the delay holds the rest
    assert message.source is not None and message.source.workflow_run_id == detail["workflow_run_id"]
    assert message.data == {"type": "trex", "priority": 1}
    assert (message.tenant, message.actors) == (f"{p}-park", [f"{p}-dnedry"])
    assert users.get(kk, f"{p}-inline").name == "Inline Person"
    assert users.get(kk, f"{p}-dnedry").name == "Dennis Nedry"


@check("idempotent_trigger")
def _idempotent_trigger(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    (message,) = users.list_messages(kk, f"{p}-once").entries  # sent twice with one key: one run
    assert message.source is not None and message.source.workflow_run_id == detail["workflow_run_id"]


@check("rendered_content")
def _rendered_content(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    (email,) = users.list_messages(kk, f"{p}-welcome", channel_id=detail["channel_id"]).entries
    assert email.id == detail["message_id"]
    content = messages.get_content(kk, email.id).data.to_dict()
    assert content["subject_line"] == "Welcome to Jurassic Park, Sarah Harding"
    assert '<a href="https://park.example/dashboard">Open your dashboard</a>' in content["html_body"]


@check("cancel")
def _cancel(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    def status(recipient: str) -> str | None:
        (run,) = workflow_recipient_runs.list(kk, workflow="dinosaurs-loose", recipient=recipient).entries
        return run.status

    assert [status(f"{p}-cancel-1"), status(f"{p}-cancel-2")] == ["cancelled", "processing"]  # the other is held


@check("messages")
def _messages(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    message = messages.get(kk, detail["message_id"])
    assert message.recipient == f"{p}-reader" and "read" in message.engagement_statuses


@check("message_batch")
def _message_batch(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    assert detail["message_ids"]
    assert all("seen" in messages.get(kk, i).engagement_statuses for i in detail["message_ids"])


@check("objects")
def _objects(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    assert objects.get(kk, f"{p}-projects", "raptor-pen").properties == {"name": "Raptor pen", "fence": "electric"}
    (subscription,) = objects.list_subscriptions(kk, f"{p}-projects", "raptor-pen").entries
    assert subscription.properties == {"role": "keeper"}


@check("object_recipient_filters")
def _object_filters(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    pen = {"id": f"{p}-pen-2", "collection": f"{p}-projects"}
    assert len(objects.list_subscriptions(kk, f"{p}-projects", f"{p}-pen-3").entries) == 2
    (schedule,) = schedules.list(kk, "park-digest", recipients=[pen]).entries
    assert schedule.recipient is not None and schedule.recipient.id == pen["id"]


@check("tenants")
def _tenants(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    tenant = tenants.get(kk, f"{p}-isla-nublar")
    assert tenant.name == "Isla Nublar" and tenant.to_dict()["settings"]["branding"]["primary_color"] == "#DF1A22"


@check("tenant_preferences")
def _tenant_preferences(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    settings = tenants.get(kk, f"{p}-isla-sorna").to_dict()["settings"]
    assert settings["preference_set"]["channel_types"] == {"email": False}


@check("schedules")
def _schedules(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    assert schedules.list(kk, "welcome", recipients=[f"{p}-scheduled"]).entries == []  # created, then deleted
    assert "DELETE /v1/schedules -> 200" in server.log.read_text()


@check("feed")
def _feed(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    (item,) = feeds.list_items(kk, f"{p}-feed", server.channel_ids["in_app_feed"]).entries
    assert item.id == detail["feed_item_id"] and item.data == {"headline": "Gates open"}
    assert [b.to_dict() for b in item.blocks] == messages.get_content(kk, item.id).data.to_dict()["blocks"]


@check("bulk_identify")
def _bulk_identify(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    assert users.get(kk, f"{p}-bulk-1").name == "Alan Grant"
    assert users.get(kk, f"{p}-bulk-2").id == f"{p}-bulk-2"


@check("bulk_set_objects")
def _bulk_set_objects(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    assert sorted(o.id for o in objects.list(kk, f"{p}-paddocks").entries) == ["north", "south"]


@check("audiences")
def _audiences(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    assert [m.user_id for m in audiences.list_members(kk, f"{p}-beta")] == [f"{p}-member"]
    assert users.get(kk, f"{p}-member").name == "Member"


@check("pagination")
def _pagination(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    assert [o.id for o in knockkit.paginate(objects.list, kk, f"{p}-pages")] == ["item-0", "item-1", "item-2"]
    assert re.search(rf"GET /v1/objects/{p}-pages\?\S*after=", server.log.read_text())  # the SDK paged on


@check("concurrent_requests")
def _concurrent_requests(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    crowd = [u for u in knockkit.paginate(users.list, kk) if u.id.startswith(f"{p}-crowd-")]
    assert sorted(u.name or "" for u in crowd) == sorted(f"Visitor {n}" for n in range(CROWD))
    (message,) = users.list_messages(kk, f"{p}-crowd-7").entries
    assert message.source is not None and message.source.workflow_run_id == detail["workflow_run_id"]


@check("deletes")
def _deletes(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    for read, args in ((users.get, (f"{p}-gone",)), (objects.get, (f"{p}-projects", "gone")),
                       (tenants.get, (f"{p}-gone",))):  # fmt: skip
        with pytest.raises(knockkit.NotFoundError):
            read(kk, *args)
    assert f"DELETE /v1/tenants/{p}-gone -> 204" in server.log.read_text()


@check("errors")
def _errors(kk: knockkit.Client, server: Standalone, p: str, detail: Mapping[str, Any]) -> None:
    assert f"GET /v1/users/{p}-nobody -> 401" in server.log.read_text()
    assert f"GET /v1/users/{p}-nobody -> 404" in server.log.read_text()
    assert "POST /v1/workflows/dinosaurs-loose/trigger -> 422" in server.log.read_text()
