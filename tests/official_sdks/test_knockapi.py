"""Knock's official Python SDK (``knockapi``) against the standalone fake, only its base URL
changed: one test per seed scenario. Each asserts what the SDK returned, then checks the fake's
state through knockkit (``state.CHECKS``), so a scenario cannot pass by the SDK doing nothing.

The SDK validates every answer against its own models (``_strict_response_validation``), so a
shape the fake gets wrong fails here rather than surfacing later in an app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

import knockkit
from knockkit import objects, schedules
from tests.official_sdks.conftest import Standalone, skip_or_fail
from tests.official_sdks.state import CHECKS, CROWD, SCENARIOS

if TYPE_CHECKING:
    from knockapi import Knock

Verify = Callable[..., None]


@pytest.fixture(scope="module")
def sdk(standalone: Standalone) -> Knock:
    try:
        from knockapi import Knock
    except ImportError:
        skip_or_fail("knockapi is not installed (pip install -e '.[test]')")
    return Knock(api_key=standalone.api_key, base_url=standalone.url, _strict_response_validation=True, max_retries=0)


@pytest.fixture(scope="module")
def kk(standalone: Standalone) -> knockkit.Client:
    return standalone.client()


@pytest.fixture
def verify(request: pytest.FixtureRequest, kk: knockkit.Client, standalone: Standalone) -> Verify:
    """``verify(**detail)``: the shared state check of the test's scenario, for the ``py-`` ids."""
    name = request.node.name.removeprefix("test_")

    def run(**detail: Any) -> None:
        CHECKS[name](kk, standalone, "py", detail)

    return run


def test_every_scenario_has_a_test() -> None:
    assert sorted(f"test_{name}" for name in SCENARIOS) == sorted(
        n for n in globals() if n.startswith("test_") and n != "test_every_scenario_has_a_test"
    )


def test_identify(sdk: Knock, verify: Verify) -> None:
    user = sdk.users.update("py-jhammond", name="John Hammond", email="jhammond@ingen.net",
                            extra_body={"title": "Founder"})  # fmt: skip
    assert (user.id, user.name, user.email) == ("py-jhammond", "John Hammond", "jhammond@ingen.net")
    assert user.to_dict()["title"] == "Founder"  # custom properties come back at the top level
    verify()


def test_get_user(sdk: Knock, verify: Verify) -> None:
    sdk.users.update("py-esattler", name="Ellie Sattler", phone_number="+15555550101")
    user = sdk.users.get("py-esattler")
    assert (user.id, user.name, user.phone_number) == ("py-esattler", "Ellie Sattler", "+15555550101")
    assert user.updated_at is not None
    verify()


def test_preferences(sdk: Knock, verify: Verify) -> None:
    sdk.users.update("py-prefs")
    written = sdk.users.set_preferences(
        "py-prefs", "default", channel_types={"email": False, "sms": True}, workflows={"dinosaurs-loose": False},
        categories={"safety": {"channel_types": {"push": False}}},
    )  # fmt: skip
    assert written.id == "default" and written.channel_types is not None and written.channel_types.email is False
    assert sdk.users.get_preferences("py-prefs", "default").to_dict() == written.to_dict()
    merged = sdk.users.set_preferences("py-prefs", "default", _persistence_strategy="merge", commercial_subscribed=True)
    assert merged.commercial_subscribed is True and merged.channel_types == written.channel_types
    verify()


def test_channel_data(sdk: Knock, verify: Verify, standalone: Standalone) -> None:
    push = standalone.channel_ids["push"]
    sdk.users.update("py-channels")
    written = sdk.users.set_channel_data("py-channels", push, data={"tokens": ["apns-token-1"]})
    assert written.channel_id == push and written.data.to_dict()["tokens"] == ["apns-token-1"]
    assert sdk.users.get_channel_data("py-channels", push).data.to_dict()["tokens"] == ["apns-token-1"]
    verify()


def test_trigger(sdk: Knock, verify: Verify) -> None:
    answer = sdk.workflows.trigger(
        "dinosaurs-loose", recipients=["py-trigger", {"id": "py-inline", "name": "Inline Person"}],
        actor={"id": "py-dnedry", "name": "Dennis Nedry"}, tenant="py-park", data={"type": "trex", "priority": 1},
        cancellation_key="py-alarm",
    )  # fmt: skip
    assert answer.workflow_run_id
    verify(workflow_run_id=answer.workflow_run_id)


def test_idempotent_trigger(sdk: Knock, verify: Verify) -> None:
    first, again = (
        sdk.workflows.with_raw_response.trigger("park-digest", recipients=["py-once"], idempotency_key="py-once-1")
        for _ in range(2)
    )
    assert first.parse().workflow_run_id == again.parse().workflow_run_id
    assert again.headers.get("idempotent-replayed") == "true"
    verify(workflow_run_id=first.parse().workflow_run_id)


def test_rendered_content(sdk: Knock, verify: Verify) -> None:
    """A workflow of the loaded Knock directory: its email rendered from the template."""
    sdk.users.update("py-welcome", name="Sarah Harding", email="sharding@ingen.net")
    sdk.workflows.trigger("welcome", recipients=["py-welcome"])
    (email,) = (m for m in sdk.users.list_messages("py-welcome") if m.source.step_ref == "email_1")
    content = sdk.messages.get_content(email.id).data
    assert (content.subject_line, content.to) == ("Welcome to Jurassic Park, Sarah Harding", "sharding@ingen.net")
    verify(message_id=email.id, channel_id=email.channel_id)


def test_cancel(sdk: Knock, verify: Verify) -> None:
    sdk.workflows.trigger("dinosaurs-loose", recipients=["py-cancel-1", "py-cancel-2"], cancellation_key="py-c")
    assert sdk.workflows.cancel("dinosaurs-loose", cancellation_key="py-c", recipients=["py-cancel-1"]) is None
    verify()


def test_messages(sdk: Knock, verify: Verify) -> None:
    sdk.workflows.trigger("park-digest", recipients=["py-reader"], data={"n": 1})
    (listed,) = list(sdk.users.list_messages("py-reader"))
    assert sdk.messages.get(listed.id).id == listed.id
    assert [m.id for m in sdk.messages.list(message_ids=[listed.id], status=["sent"])] == [listed.id]
    read = sdk.messages.mark_as_read(listed.id)
    assert "read" in read.engagement_statuses and read.read_at is not None
    verify(message_id=listed.id)


def test_message_batch(sdk: Knock, verify: Verify) -> None:
    sdk.workflows.trigger("park-digest", recipients=["py-batch"], data={"n": 2})
    ids = [m.id for m in sdk.users.list_messages("py-batch")]
    seen = sdk.messages.batch.mark_as_seen(message_ids=ids)
    assert [m.id for m in seen] == ids and all(m.seen_at for m in seen)
    (content,) = sdk.messages.batch.get_content(message_ids=ids)
    assert content.data.to_dict()["__typename"] == "MessageInAppFeedContent"
    verify(message_ids=ids)


def test_objects(sdk: Knock, verify: Verify) -> None:
    obj = sdk.objects.set("py-projects", "raptor-pen", name="Raptor pen", extra_body={"fence": "electric"})
    assert (obj.id, obj.collection, obj.properties["fence"]) == ("raptor-pen", "py-projects", "electric")
    assert sdk.objects.get("py-projects", "raptor-pen").properties["name"] == "Raptor pen"
    sdk.users.update("py-keeper")
    (added,) = sdk.objects.add_subscriptions(
        "py-projects", "raptor-pen", recipients=["py-keeper"], properties={"role": "keeper"})  # fmt: skip
    assert added.properties == {"role": "keeper"}
    (listed,) = list(sdk.objects.list_subscriptions("py-projects", "raptor-pen"))
    assert listed.recipient.id == "py-keeper"
    verify()


def test_object_recipient_filters(sdk: Knock, verify: Verify, kk: knockkit.Client) -> None:
    """knockapi sends lists of objects in a query as ``recipients[][id]=..&recipients[][collection]=..``."""
    pen = {"id": "py-pen-2", "collection": "py-projects"}
    objects.set(kk, "py-projects", "py-pen-2", {"name": "Pen 2"})
    objects.set(kk, "py-projects", "py-pen-3", {"name": "Pen 3"})
    objects.add_subscriptions(kk, "py-projects", "py-pen-3", [pen, "py-filter-user"])
    subscribers = list(sdk.objects.list_subscriptions("py-projects", "py-pen-3", recipients=[pen]))
    assert [s.recipient.id for s in subscribers] == ["py-pen-2"]
    subscribed = list(sdk.objects.list_subscriptions(
        "py-projects", "py-pen-2", mode="recipient", objects=[{"id": "py-pen-3", "collection": "py-projects"}]))
    assert [s.object.id for s in subscribed] == ["py-pen-3"]
    schedules.create(kk, "park-digest", recipients=[pen, "py-filter-user"], repeats=[{"frequency": "daily"}])
    (mine,) = list(sdk.schedules.list(workflow="park-digest", recipients=[pen]))
    assert mine.recipient.id == "py-pen-2"
    verify()


def test_tenants(sdk: Knock, verify: Verify) -> None:
    tenant = sdk.tenants.set("py-isla-nublar", name="Isla Nublar", settings={"branding": {"primary_color": "#DF1A22"}})
    assert (tenant.id, tenant.name) == ("py-isla-nublar", "Isla Nublar")
    assert tenant.settings.branding.primary_color == "#DF1A22"
    assert sdk.tenants.get("py-isla-nublar").name == "Isla Nublar"
    assert "py-isla-nublar" in [t.id for t in sdk.tenants.list(name="Isla Nublar")]
    verify()


def test_tenant_preferences(sdk: Knock, verify: Verify) -> None:
    tenant = sdk.tenants.set("py-isla-sorna", settings={"preference_set": {"channel_types": {"email": False}}})
    assert tenant.settings.preference_set.channel_types.email is False
    assert sdk.tenants.get("py-isla-sorna").settings.preference_set.id == "default"
    verify()


def test_schedules(sdk: Knock, verify: Verify) -> None:
    """A schedule of a workflow from the loaded directory (object_recipient_filters schedules a declared one)."""
    (schedule,) = sdk.schedules.create(
        workflow="welcome", recipients=["py-scheduled"], repeats=[{"frequency": "daily", "hours": 9, "minutes": 0}],
        data={"digest": True}, tenant="py-park",
    )  # fmt: skip
    assert (schedule.workflow, schedule.recipient.id) == ("welcome", "py-scheduled")
    assert schedule.data == {"digest": True}
    assert [s.id for s in sdk.schedules.list(workflow="welcome", recipients=["py-scheduled"])] == [schedule.id]
    (deleted,) = sdk.schedules.delete(schedule_ids=[schedule.id])
    assert deleted.id == schedule.id
    verify()


def test_feed(sdk: Knock, verify: Verify, standalone: Standalone) -> None:
    sdk.workflows.trigger("park-digest", recipients=["py-feed"], actor="py-dnedry", data={"headline": "Gates open"})
    feed = sdk.users.feeds.list_items("py-feed", standalone.channel_ids["in_app_feed"])
    (item,) = feed.entries
    assert item.data == {"headline": "Gates open"} and item.total_activities == 1
    (block,) = item.blocks  # the in-app content (a declared workflow's is its data as JSON)
    assert (block.name, block.content) == ("body", '{"headline": "Gates open"}')
    assert feed.meta["unseen_count"] == 1  # the page's extra keys are a dict in knockapi
    assert feed.page_info.page_size > 0
    verify(feed_item_id=item.id)


def test_bulk_identify(sdk: Knock, verify: Verify) -> None:
    operation = sdk.users.bulk.identify(users=[{"id": "py-bulk-1", "name": "Alan Grant"}, {"id": "py-bulk-2"}])
    assert operation.name == "users.identify" and operation.estimated_total_rows == 2
    assert sdk.bulk_operations.get(operation.id).status == "completed"
    verify()


def test_bulk_set_objects(sdk: Knock, verify: Verify) -> None:
    operation = sdk.objects.bulk.set("py-paddocks", objects=[{"id": "north", "name": "North"}, {"id": "south"}])
    assert operation.name == "objects.set"
    assert sdk.bulk_operations.get(operation.id).success_count == 2
    verify()


def test_audiences(sdk: Knock, verify: Verify) -> None:
    members = [{"user": {"id": "py-member", "name": "Member"}}]
    sdk.audiences.add_members("py-beta", members=members, create_audience=True)
    (member,) = sdk.audiences.list_members("py-beta").entries
    assert member.user_id == "py-member"
    verify()


def test_pagination(sdk: Knock, verify: Verify) -> None:
    for n in range(3):
        sdk.objects.set("py-pages", f"item-{n}")
    first = sdk.objects.list("py-pages", page_size=2)
    assert len(first.entries) == 2 and first.has_next_page()
    assert [o.id for o in sdk.objects.list("py-pages", page_size=2)] == ["item-0", "item-1", "item-2"]
    verify()


def test_concurrent_requests(standalone: Standalone, verify: Verify) -> None:
    """The async client, many requests in flight at once: identify a crowd, then trigger for it."""
    from knockapi import AsyncKnock

    async def crowd() -> str:
        sdk = AsyncKnock(api_key=standalone.api_key, base_url=standalone.url, _strict_response_validation=True,
                         max_retries=0)  # fmt: skip
        ids = [f"py-crowd-{n}" for n in range(CROWD)]
        identified = await asyncio.gather(*(sdk.users.update(i, name=f"Visitor {n}") for n, i in enumerate(ids)))
        assert [u.id for u in identified] == ids
        answer = await sdk.workflows.trigger("park-digest", recipients=ids)
        return answer.workflow_run_id

    verify(workflow_run_id=asyncio.run(crowd()))


def test_deletes(sdk: Knock, verify: Verify) -> None:
    from knockapi import NotFoundError

    sdk.users.update("py-gone")
    sdk.objects.set("py-projects", "gone")
    sdk.tenants.set("py-gone")
    assert sdk.users.delete("py-gone") is None
    assert sdk.objects.delete("py-projects", "gone") is None
    assert sdk.tenants.delete("py-gone") is None
    with pytest.raises(NotFoundError):
        sdk.users.get("py-gone")
    verify()


def test_errors(sdk: Knock, verify: Verify) -> None:
    from knockapi import AuthenticationError, NotFoundError, UnprocessableEntityError

    with pytest.raises(AuthenticationError) as unauthorized:
        sdk.with_options(api_key="sk_test_not_the_fakes_key").users.get("py-nobody")
    assert unauthorized.value.status_code == 401 and _body(unauthorized.value)["type"] == "authentication_error"

    with pytest.raises(NotFoundError) as missing:
        sdk.users.get("py-nobody")
    assert missing.value.status_code == 404 and _body(missing.value)["code"] == "resource_missing"
    with pytest.raises(UnprocessableEntityError) as invalid:
        sdk.workflows.trigger("dinosaurs-loose", recipients=[])
    assert _body(invalid.value)["type"] == "invalid_request_error"
    verify()


def _body(error: Any) -> dict[str, Any]:
    return dict(json.loads(error.response.text))
