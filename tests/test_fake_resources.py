"""FakeKnock's stored resources: users, preferences (replace and deep merge), channel data,
objects, subscriptions, tenants (the objects of ``$tenants``), audiences, schedules (stored,
never run) and bulk operations."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

import knockkit
from knockkit import audiences, bulk_operations, objects, schedules, tenants, users, workflows
from knockkit._http import request
from knockkit.models import (
    ChannelTypePreferences,
    Object,
    PushChannelData,
    PushDevice,
    SlackChannelData,
    SlackConnection,
    Subscription,
    unstructure,
)
from knockkit.testing import FakeKnock

APNS = "8209a4f2-4a1d-4f9c-9f0e-0c7a8e4d2b11"
DAILY = [{"frequency": "daily", "hours": 9}]


def recipient_ids(subscriptions: Iterable[Subscription]) -> list[str | None]:
    return [s.recipient.id if s.recipient else None for s in subscriptions]


# --- users ----------------------------------------------------------------------------------


def test_identify_upserts_with_a_deep_merge(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    created = users.identify(knock_client, "jhammond", {"name": "John", "park": {"name": "Jurassic", "open": False}})
    assert created.created_at is None and created.updated_at is not None
    updated = users.identify(knock_client, "jhammond", {"email": "j@ingen.net", "park": {"open": True}})
    assert (updated.name, updated.email) == ("John", "j@ingen.net")
    assert updated.properties == {"park": {"name": "Jurassic", "open": True}}
    fetched = users.get(knock_client, "jhammond")
    assert fetched == updated and fetched.typename == "User"


def test_get_delete_and_list_users(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    with pytest.raises(knockkit.NotFoundError) as caught:
        users.get(knock_client, "nobody")
    assert caught.value.code == "resource_missing"
    for i in range(7):
        users.identify(knock_client, f"u{i}", {})
    first = users.list(knock_client, page_size=3)
    assert [u.id for u in first] == ["u0", "u1", "u2"] and first.page_info.before is None
    assert [u.id for u in users.list(knock_client, page_size=3, after=first.page_info.after)] == ["u3", "u4", "u5"]
    assert [u.id for u in knockkit.paginate(users.list, knock_client, page_size=3)] == [f"u{i}" for i in range(7)]
    users.delete(knock_client, "u3")
    users.delete(knock_client, "u3")  # deleting twice is harmless
    assert "u3" not in [u.id for u in knockkit.paginate(users.list, knock_client, page_size=3)]
    with pytest.raises(knockkit.UnprocessableEntityError):
        request(knock_client, "GET", "/v1/users", query={"page_size": 50, "after": "bogus"}, into=dict)


def test_merge_users(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    users.identify(knock_client, "guest-1", {"email": "guest@ingen.net", "visits": 3})
    users.set_channel_data(knock_client, "guest-1", APNS, {"tokens": ["t1"]})
    users.identify(knock_client, "jhammond", {"name": "John"})
    merged = users.merge(knock_client, "jhammond", "guest-1")
    assert (merged.name, merged.email, merged.properties) == ("John", "guest@ingen.net", {"visits": 3})
    assert knock.user("guest-1") is None
    assert unstructure(users.get_channel_data(knock_client, "jhammond", APNS).data)["tokens"] == ["t1"]


# --- preferences and channel data ----------------------------------------------------------


def test_preferences_replace_or_deep_merge(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    users.identify(knock_client, "jhammond", {})
    unset = users.get_preferences(knock_client, "jhammond")
    assert (unset.id, unset.channel_types, unset.workflows) == ("default", None, None)
    users.set_preferences(knock_client, "jhammond", {"channel_types": {"email": True, "sms": False}})
    users.set_workflow_preferences(knock_client, "jhammond", "dinosaurs-loose", {"channel_types": {"email": False}})
    users.set_workflow_preferences(knock_client, "jhammond", "dinosaurs-loose", {"channel_types": {"push": True}})
    users.set_channel_type_preferences(knock_client, "jhammond", "sms", True)
    merged = users.get_preferences(knock_client, "jhammond")
    assert unstructure(merged.channel_types) == {"email": True, "sms": True}
    assert unstructure(merged.workflows) == {"dinosaurs-loose": {"channel_types": {"email": False, "push": True}}}
    assert knock.requests[-2].body["__persistence_strategy__"] == "merge"
    replaced = users.set_preferences(knock_client, "jhammond", {"categories": {"marketing": False}})
    assert (replaced.channel_types, replaced.workflows, replaced.categories) == (None, None, {"marketing": False})
    users.set_preferences(knock_client, "jhammond", {"channel_types": {"email": False}}, preference_set="jurassic-park")
    assert [p.id for p in users.list_preferences(knock_client, "jhammond")] == ["default", "jurassic-park"]
    users.unset_preferences(knock_client, "jhammond", preference_set="jurassic-park")
    assert [p.id for p in users.list_preferences(knock_client, "jhammond")] == ["default"]


def test_preferences_reject_what_knock_rejects(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    with pytest.raises(knockkit.NotFoundError):
        users.set_preferences(knock_client, "nobody", {"channel_types": {"email": True}})
    users.identify(knock_client, "jhammond", {})
    with pytest.raises(knockkit.UnprocessableEntityError):
        request(knock_client, "PUT", "/v1/users/{user_id}/preferences/{id}", user_id="jhammond", id="default",
                json={"colour": "red"}, into=dict)  # fmt: skip


def test_channel_data(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    users.identify(knock_client, "jhammond", {})
    stored = users.set_channel_data(knock_client, "jhammond", APNS, {"tokens": ["t1", "t2"]})
    assert (stored.channel_id, stored.typename) == (APNS, "ChannelData")
    # Knock answers push data in full: the tokens sent, and a device for each.
    assert isinstance(stored.data, PushChannelData) and stored.data.tokens == ["t1", "t2"]
    assert unstructure(stored.data) == {
        "tokens": ["t1", "t2"],
        "devices": [{"token": t, "locale": None, "timezone": None} for t in ("t1", "t2")],
    }
    assert users.get_channel_data(knock_client, "jhammond", APNS) == stored
    devices = users.set_channel_data(knock_client, "jhammond", APNS, {"devices": [{"token": "t3", "locale": "en"}]})
    assert devices.data == PushChannelData(devices=[PushDevice(token="t3", locale="en")], tokens=["t3"])
    slack = users.set_channel_data(knock_client, "jhammond", "slack", {"connections": [{"user_id": "U1"}]})
    assert slack.data == SlackChannelData(connections=[SlackConnection(user_id="U1")])
    users.unset_channel_data(knock_client, "jhammond", APNS)
    with pytest.raises(knockkit.NotFoundError):
        users.get_channel_data(knock_client, "jhammond", APNS)


# --- objects and subscriptions ---------------------------------------------------------------


def test_objects_nest_their_properties(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    obj = objects.set(knock_client, "parks", "isla-nublar", {"name": "Isla Nublar", "fences": {"on": True}})
    assert (obj.id, obj.collection) == ("isla-nublar", "parks")
    assert obj.properties == {"name": "Isla Nublar", "fences": {"on": True}}
    objects.set(knock_client, "parks", "isla-nublar", {"fences": {"voltage": 10000}})
    assert objects.get(knock_client, "parks", "isla-nublar").properties["fences"] == {"on": True, "voltage": 10000}
    objects.set(knock_client, "parks", "isla-sorna", {})
    objects.set(knock_client, "labs", "hammond-lab", {})
    assert [o.id for o in objects.list(knock_client, "parks")] == ["isla-nublar", "isla-sorna"]
    objects.set_channel_data(knock_client, "parks", "isla-nublar", APNS, {"tokens": ["t"]})
    assert unstructure(objects.get_channel_data(knock_client, "parks", "isla-nublar", APNS).data)["tokens"] == ["t"]
    objects.set_preferences(knock_client, "parks", "isla-nublar", {"channel_types": {"email": False}})
    assert unstructure(objects.get_preferences(knock_client, "parks", "isla-nublar").channel_types) == {"email": False}
    objects.delete(knock_client, "parks", "isla-sorna")
    with pytest.raises(knockkit.NotFoundError):
        objects.get(knock_client, "parks", "isla-sorna")


def test_a_missing_object_is_named_in_one_quoted_piece(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    with pytest.raises(knockkit.NotFoundError) as caught:
        objects.get(knock_client, "$tenants", "jurassic-park")
    assert caught.value.message == "The object '$tenants/jurassic-park' was not found"
    assert caught.value.code == "resource_missing"
    with pytest.raises(knockkit.NotFoundError) as caught:
        objects.get_channel_data(knock_client, "parks", "isla-nublar", APNS)  # the same words on every path
    assert caught.value.message == "The object 'parks/isla-nublar' was not found"


def test_subscriptions(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    objects.set(knock_client, "parks", "isla-nublar", {"name": "Isla Nublar"})
    objects.set(knock_client, "parks", "isla-sorna", {})
    added = objects.add_subscriptions(
        knock_client, "parks", "isla-nublar", ["jhammond", {"id": "agrant", "email": "a@ingen.net"}],
        properties={"role": "owner"},
    )  # fmt: skip
    assert [(s.recipient.id if s.recipient else None, s.object.id if s.object else None) for s in added] == [
        ("jhammond", "isla-nublar"), ("agrant", "isla-nublar"),
    ]  # fmt: skip
    assert added[0].properties == {"role": "owner"}
    assert knock.user("agrant") is not None  # identified inline
    objects.add_subscriptions(knock_client, "parks", "isla-sorna", ["jhammond"])
    listed = objects.list_subscriptions(knock_client, "parks", "isla-nublar")
    assert recipient_ids(listed) == ["jhammond", "agrant"]
    only = objects.list_subscriptions(knock_client, "parks", "isla-nublar", recipients=["agrant"])
    assert recipient_ids(only) == ["agrant"]
    mine = users.list_subscriptions(knock_client, "jhammond")
    assert [s.object.id for s in mine if s.object] == ["isla-nublar", "isla-sorna"]
    narrowed = users.list_subscriptions(knock_client, "jhammond", objects=[{"collection": "parks", "id": "isla-sorna"}])
    assert [s.object.id for s in narrowed if s.object] == ["isla-sorna"]
    removed = objects.delete_subscriptions(knock_client, "parks", "isla-nublar", ["jhammond", "never-subscribed"])
    assert recipient_ids(removed) == ["jhammond"]
    assert recipient_ids(objects.list_subscriptions(knock_client, "parks", "isla-nublar")) == ["agrant"]
    with pytest.raises(knockkit.NotFoundError):
        objects.add_subscriptions(knock_client, "parks", "no-such-park", ["jhammond"])


def test_an_object_can_subscribe_to_an_object(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    objects.set(knock_client, "parks", "isla-nublar", {})
    objects.set(knock_client, "teams", "rangers", {})
    objects.add_subscriptions(knock_client, "parks", "isla-nublar", [{"id": "rangers", "collection": "teams"}])
    as_recipient = objects.list_subscriptions(knock_client, "teams", "rangers", mode="recipient")
    assert [s.object.id for s in as_recipient if s.object] == ["isla-nublar"]


# --- tenants --------------------------------------------------------------------------------


def test_tenants(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    tenant = tenants.set(
        knock_client, "jurassic-park", {"name": "Jurassic Park", "region": "costa-rica"},
        settings={"branding": {"primary_color": "#DF1A22"}},
    )  # fmt: skip
    assert (tenant.id, tenant.name, tenant.properties) == ("jurassic-park", "Jurassic Park", {"region": "costa-rica"})
    assert unstructure(tenant.settings) == {"branding": {"primary_color": "#DF1A22"}}
    tenants.set(knock_client, "isla-sorna", {"name": "Site B"})
    assert tenants.get(knock_client, "jurassic-park") == tenant
    assert [t.id for t in tenants.list(knock_client)] == ["jurassic-park", "isla-sorna"]
    assert [t.id for t in tenants.list(knock_client, name="Site B")] == ["isla-sorna"]
    tenants.delete(knock_client, "isla-sorna")
    with pytest.raises(knockkit.NotFoundError):
        tenants.get(knock_client, "isla-sorna")


def test_tenants_are_the_objects_of_the_tenants_collection(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    tenants.set(knock_client, "jurassic-park", {"name": "Jurassic Park", "region": "costa-rica"},
                settings={"branding": {"primary_color": "#DF1A22"}})  # fmt: skip
    # A tenant, read as an object: its name, settings and custom properties are the object's properties.
    obj = objects.get(knock_client, "$tenants", "jurassic-park")
    assert (obj.id, obj.collection) == ("jurassic-park", "$tenants")
    assert obj.properties == {
        "name": "Jurassic Park", "region": "costa-rica", "settings": {"branding": {"primary_color": "#DF1A22"}},
    }  # fmt: skip
    assert [o.id for o in objects.list(knock_client, "$tenants")] == ["jurassic-park"]
    # An object of $tenants, read as a tenant; both APIs write the one record.
    objects.set(knock_client, "$tenants", "isla-sorna", {"name": "Site B", "founded": 1993})
    objects.set(knock_client, "$tenants", "jurassic-park", {"region": "isla-nublar"})
    sorna = tenants.get(knock_client, "isla-sorna")
    assert (sorna.name, sorna.properties, sorna.settings) == ("Site B", {"founded": 1993}, None)
    park = tenants.get(knock_client, "jurassic-park")
    assert (park.name, park.properties) == ("Jurassic Park", {"region": "isla-nublar"})
    assert unstructure(park.settings) == {"branding": {"primary_color": "#DF1A22"}}
    assert [t.id for t in tenants.list(knock_client)] == ["jurassic-park", "isla-sorna"]
    assert knock.object("$tenants", "isla-sorna") is not None and knock.tenant("isla-sorna") is not None
    # Channel data and preferences of a tenant are the object's.
    slack = {"token": {"access_token": "xoxb-1"}, "connections": []}
    objects.set_channel_data(knock_client, "$tenants", "jurassic-park", "slack-channel", slack)
    stored = objects.get_channel_data(knock_client, "$tenants", "jurassic-park", "slack-channel")
    assert unstructure(stored.data) == slack
    tenants.set(knock_client, "isla-sorna", {"channel_data": {"slack-channel": slack}})
    stored = objects.get_channel_data(knock_client, "$tenants", "isla-sorna", "slack-channel")
    assert unstructure(stored.data) == slack
    # Deleting through either API deletes the one record, with its channel data.
    tenants.delete(knock_client, "jurassic-park")
    with pytest.raises(knockkit.NotFoundError):
        objects.get(knock_client, "$tenants", "jurassic-park")
    with pytest.raises(knockkit.NotFoundError):
        objects.get_channel_data(knock_client, "$tenants", "jurassic-park", "slack-channel")
    objects.delete(knock_client, "$tenants", "isla-sorna")
    assert list(tenants.list(knock_client)) == []


def test_a_trigger_creates_its_tenant_as_an_object(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow("dinosaurs-loose", steps=["in_app_feed"])
    workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"], tenant="jurassic-park")
    assert objects.get(knock_client, "$tenants", "jurassic-park").properties == {}
    # Tenant-level default preferences set through the objects API apply to runs in that tenant.
    objects.set(knock_client, "$tenants", "jurassic-park",
                {"settings": {"preference_set": {"channel_types": {"in_app_feed": False}}}})  # fmt: skip
    workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"], tenant="jurassic-park")
    assert len(knock.messages()) == 1


# --- audiences ------------------------------------------------------------------------------


def members(client: knockkit.Client, key: str) -> list[tuple[str, str | None]]:
    return [(m.user_id, m.tenant) for m in knockkit.paginate(audiences.list_members, client, key, page_size=2)]


def test_audience_members(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    users.identify(knock_client, "agrant", {"name": "Alan Grant"})
    audiences.add_members(knock_client, "beta-testers", [
        {"user": {"id": "jhammond", "name": "John Hammond", "email": "jhammond@ingen.net"}},   # new: identified
        {"user": {"id": "agrant"}, "tenant": "jurassic-park"},
        {"user": {"id": "agrant"}, "tenant": "isla-sorna"},                                   # one per tenant
    ], create_audience=True)  # fmt: skip
    assert knock.requests[-1].query == {"create_audience": "true"}
    assert knock.user("jhammond").email == "jhammond@ingen.net"  # type: ignore[union-attr]
    assert knock.user("agrant").name == "Alan Grant"  # type: ignore[union-attr]
    assert knock.tenant("isla-sorna") is not None  # created as a trigger creates it
    page = audiences.list_members(knock_client, "beta-testers")
    assert [(m.user_id, m.tenant) for m in page] == [
        ("jhammond", None), ("agrant", "jurassic-park"), ("agrant", "isla-sorna"),
    ]  # fmt: skip
    first = page.entries[0]
    assert first.typename == "AudienceMember" and first.added_at is not None
    assert first.user is not None and (first.user.id, first.user.name) == ("jhammond", "John Hammond")
    # Membership is a set: adding again keeps the member (and when it was added).
    audiences.add_members(knock_client, "beta-testers", [{"user": {"id": "jhammond"}}])
    assert audiences.list_members(knock_client, "beta-testers").entries[0].added_at == first.added_at
    assert members(knock_client, "beta-testers") == [
        ("jhammond", None), ("agrant", "jurassic-park"), ("agrant", "isla-sorna"),
    ]  # fmt: skip
    audiences.remove_members(knock_client, "beta-testers", [
        {"user": {"id": "agrant"}, "tenant": "jurassic-park"}, {"user": {"id": "never-added"}},
    ])  # fmt: skip
    assert members(knock_client, "beta-testers") == [("jhammond", None), ("agrant", "isla-sorna")]
    users.delete(knock_client, "jhammond")  # a deleted user leaves every audience
    assert members(knock_client, "beta-testers") == [("agrant", "isla-sorna")]


def test_an_audience_must_exist_unless_created(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    for call in (
        lambda: audiences.add_members(knock_client, "vips", [{"user": {"id": "jhammond"}}]),
        lambda: audiences.list_members(knock_client, "vips"),
        lambda: audiences.remove_members(knock_client, "vips", [{"user": {"id": "jhammond"}}]),
    ):
        with pytest.raises(knockkit.NotFoundError) as caught:
            call()
        assert caught.value.message == "The audience 'vips' was not found"
    assert knock.user("jhammond") is None  # a rejected request changes nothing
    knock.add_audience("vips")  # as if made in the dashboard
    assert members(knock_client, "vips") == []
    audiences.add_members(knock_client, "vips", [{"user": {"id": "jhammond"}}])
    assert members(knock_client, "vips") == [("jhammond", None)]
    with pytest.raises(knockkit.UnprocessableEntityError):
        request(knock_client, "POST", "/v1/audiences/{key}/members", key="vips",
                json={"members": [{"user": {"id": "agrant"}}, {"tenant": "jurassic-park"}]})  # fmt: skip
    assert knock.user("agrant") is None  # checked before anything is added
    knock.reset()
    with pytest.raises(knockkit.NotFoundError):
        audiences.list_members(knock_client, "vips")


# --- schedules ------------------------------------------------------------------------------


def test_schedules_are_stored_and_never_run(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow("daily-digest", steps=["in_app_feed"])
    created = schedules.create(
        knock_client, "daily-digest", recipients=["jhammond", {"id": "agrant", "name": "Alan"}], repeats=DAILY,
        data={"park": "isla-nublar"}, tenant="jurassic-park", actor="dnedry",
    )  # fmt: skip
    assert recipient_ids(created) == ["jhammond", "agrant"]
    first = created[0]
    assert (first.workflow, first.tenant, first.data) == ("daily-digest", "jurassic-park", {"park": "isla-nublar"})
    assert first.repeats and first.repeats[0].frequency == "daily"
    assert first.actor and first.actor.id == "dnedry"
    assert [s.id for s in schedules.list(knock_client, "daily-digest")] == [s.id for s in created]
    assert [s.id for s in schedules.list(knock_client, "daily-digest", recipients=["agrant"])] == [created[1].id]
    assert [s.id for s in users.list_schedules(knock_client, "jhammond")] == [first.id]
    (updated,) = schedules.update(knock_client, [first.id], data={"park": "isla-sorna"})
    assert updated.data == {"park": "isla-sorna"} and updated.repeats == first.repeats
    assert [s.id for s in schedules.delete(knock_client, [first.id])] == [first.id]
    assert [s.id for s in schedules.list(knock_client, "daily-digest")] == [created[1].id]
    assert knock.messages() == [] and knock.runs() == []
    with pytest.raises(knockkit.NotFoundError):
        schedules.create(knock_client, "undeclared", recipients=["jhammond"], repeats=DAILY)
    with pytest.raises(knockkit.NotFoundError):
        schedules.delete(knock_client, [first.id])


def test_object_schedules(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow("daily-digest", steps=["in_app_feed"])
    objects.set(knock_client, "parks", "isla-nublar", {})
    schedules.create(knock_client, "daily-digest", recipients=[{"id": "isla-nublar", "collection": "parks"}],
                     repeats=DAILY)  # fmt: skip
    (schedule,) = objects.list_schedules(knock_client, "parks", "isla-nublar")
    assert isinstance(schedule.recipient, Object) and schedule.recipient.collection == "parks"


# --- bulk operations ------------------------------------------------------------------------


def test_bulk_operations_apply_at_once_and_report_completed(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    queued = users.bulk_identify(knock_client, [{"id": "u1", "name": "One"}, {"id": "u2", "name": "Two"}])
    assert (queued.status, queued.name, queued.estimated_total_rows) == ("queued", "users.identify", 2)
    assert knock.user("u2") is not None  # applied already
    done = bulk_operations.get(knock_client, queued.id)
    assert (done.status, done.processed_rows, done.success_count, done.error_count) == ("completed", 2, 2, 0)
    assert done.finished and done.completed_at is not None
    assert bulk_operations.wait(knock_client, queued.id, interval=0.01).status == "completed"
    with pytest.raises(knockkit.NotFoundError):
        bulk_operations.get(knock_client, "00000000-0000-0000-0000-000000000000")


def test_every_bulk_endpoint(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    def finished(operation: knockkit.models.BulkOperation) -> knockkit.models.BulkOperation:
        return bulk_operations.get(knock_client, operation.id)

    users.bulk_identify(knock_client, [{"id": "u1"}, {"id": "u2"}, {"id": "u3"}])
    prefs = finished(users.bulk_set_preferences(knock_client, ["u1", "nobody"], {"channel_types": {"sms": False}}))
    assert (prefs.success_count, prefs.error_count) == (1, 1)
    assert users.get_preferences(knock_client, "u1").channel_types == ChannelTypePreferences(sms=False)
    users.bulk_delete(knock_client, ["u3"])
    assert knock.user("u3") is None
    objects.bulk_set(knock_client, "parks", [{"id": "p1", "name": "One"}, {"id": "p2"}])
    assert [o.id for o in objects.list(knock_client, "parks")] == ["p1", "p2"]
    objects.bulk_add_subscriptions(knock_client, "parks", [{"id": "p1", "recipients": ["u1", "u2"]}])
    assert len(objects.list_subscriptions(knock_client, "parks", "p1")) == 2
    objects.bulk_delete_subscriptions(knock_client, "parks", [{"id": "p1", "recipients": ["u2"]}])
    assert recipient_ids(objects.list_subscriptions(knock_client, "parks", "p1")) == ["u1"]
    objects.bulk_delete(knock_client, "parks", ["p2"])
    assert [o.id for o in objects.list(knock_client, "parks")] == ["p1"]
    tenants.bulk_set(knock_client, ["t1", {"id": "t2", "name": "Two"}])
    assert [t.id for t in tenants.list(knock_client)] == ["t1", "t2"]
    tenants.bulk_delete(knock_client, ["t1"])
    assert [t.id for t in tenants.list(knock_client)] == ["t2"]
    knock.add_workflow("daily-digest", steps=["in_app_feed"])
    created = finished(schedules.bulk_create(knock_client, [
        {"workflow": "daily-digest", "recipient": "u1", "repeats": DAILY},
        {"workflow": "undeclared", "recipient": "u2", "repeats": DAILY},
    ]))  # fmt: skip
    assert (created.success_count, created.error_count) == (1, 1)
    assert unstructure(created.error_items) == [{"index": 1, "message": "The workflow 'undeclared' was not found"}]
    workflows.trigger(knock_client, "daily-digest", recipients=["u1"])
    assert len(knock.messages()) == 1  # the schedule itself never ran


def test_users_are_listed_in_either_order(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    for user_id in ("first", "second", "third"):
        users.identify(knock_client, user_id, {})
    assert [u.id for u in users.list(knock_client, order="asc")] == ["first", "second", "third"]
    assert [u.id for u in users.list(knock_client, order="desc")] == ["third", "second", "first"]
    assert [u.id for u in knockkit.paginate(users.list, knock_client, order="desc", page_size=1)] == [
        "third", "second", "first"
    ]
