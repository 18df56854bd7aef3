"""FakeKnock's messages and feeds: the list filters knockkit sends, cursor pagination with
``items``, get, engagement marks one by one and in batches, channel bulk updates, feeds."""

from __future__ import annotations

import datetime as dt

import pytest

import knockkit
from knockkit import bulk_operations, channels, feeds, messages, objects, users, workflows
from knockkit.models import (
    ChatBlock,
    ChatContent,
    EmailContent,
    FeedContentBlock,
    FeedFeatures,
    FeedSource,
    InAppFeedContent,
    ObjectReference,
    SmsContent,
    User,
    unstructure,
)
from knockkit.testing import FakeKnock

FEED = FakeKnock.channel_id("in_app_feed")


@pytest.fixture
def five(knock: FakeKnock, knock_client: knockkit.Client) -> list[str]:
    """Five in-app messages for jhammond (two tenants, two workflows); their ids, oldest first."""
    knock.add_workflow("dinosaurs-loose", steps=["in_app_feed"], categories=["safety"])
    knock.add_workflow("gift-shop", steps=["in_app_feed"], categories=["marketing"])
    for priority in range(3):
        workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"], tenant="jurassic-park",
                          data={"type": "trex", "priority": priority})  # fmt: skip
    workflows.trigger(knock_client, "gift-shop", recipients=["jhammond"], data={"type": "sale"})
    workflows.trigger(knock_client, "gift-shop", recipients=["jhammond"], tenant="isla-sorna", data={"type": "sale"})
    return [m.id for m in knock.messages()]


def ids(page: knockkit.Page[knockkit.models.Message]) -> list[str]:
    return [m.id for m in page]


def test_lists_come_back_as_items_newest_first(knock: FakeKnock, knock_client: knockkit.Client,
                                               five: list[str]) -> None:  # fmt: skip
    page = messages.list(knock_client)
    assert ids(page) == five[::-1]
    assert page.page_info.page_size == 50 and page.page_info.after is None
    raw = knockkit._http.request(knock_client, "GET", "/v1/messages", into=dict)
    assert set(raw) == {"items", "page_info"}
    assert raw["page_info"]["__typename"] == "PageInfo"
    assert raw["items"][0]["__typename"] == "Message"


def test_cursor_pagination(knock: FakeKnock, knock_client: knockkit.Client, five: list[str]) -> None:
    newest_first = five[::-1]
    first = messages.list(knock_client, page_size=2)
    assert ids(first) == newest_first[:2] and first.page_info.before is None and first.page_info.after
    second = messages.list(knock_client, page_size=2, after=first.page_info.after)
    assert ids(second) == newest_first[2:4]
    last = messages.list(knock_client, page_size=2, after=second.page_info.after)
    assert ids(last) == newest_first[4:] and last.page_info.after is None
    back = messages.list(knock_client, page_size=2, before=last.page_info.before)
    assert ids(back) == newest_first[2:4]
    assert list(m.id for m in knockkit.paginate(messages.list, knock_client, page_size=2)) == newest_first
    with pytest.raises(knockkit.UnprocessableEntityError):
        messages.list(knock_client, after="not-a-cursor")


def test_filters_knockkit_sends(knock: FakeKnock, knock_client: knockkit.Client, five: list[str]) -> None:
    def listed(**filters: object) -> list[str]:
        return sorted(ids(messages.list(knock_client, **filters)), key=five.index)  # type: ignore[arg-type]

    assert listed(tenant="jurassic-park") == five[:3]
    assert listed(source="gift-shop") == five[3:]
    assert listed(workflow_categories=["marketing", "nothing"]) == five[3:]
    assert listed(message_ids=[five[0], five[4]]) == [five[0], five[4]]
    assert listed(trigger_data={"type": "trex", "priority": 1}) == [five[1]]
    assert listed(status=["sent"]) == five and listed(status=["bounced"]) == []
    assert listed(channel_id=FEED) == five and listed(channel_id="other") == []
    first = knock.runs()[0]
    assert listed(workflow_run_id=first.workflow_run_id) == [five[0]]
    assert listed(workflow_recipient_run_id=first.id) == [five[0]]
    stamp = knock.messages()[2].inserted_at
    assert stamp is not None
    assert listed(inserted_at={"gte": stamp}) == five[2:]
    assert listed(inserted_at={"lt": stamp}) == five[:2]
    assert listed(inserted_at={"gt": stamp, "lte": stamp + dt.timedelta(days=1)}) == five[3:]
    messages.mark_as_read(knock_client, five[0])
    assert listed(engagement_status=["read"]) == [five[0]]
    assert listed(engagement_status=["unread"]) == five[1:]
    assert listed(tenant="jurassic-park", engagement_status=["unseen"]) == five[:3]  # read is not seen


def test_user_and_object_message_lists(knock: FakeKnock, knock_client: knockkit.Client, five: list[str]) -> None:
    assert ids(users.list_messages(knock_client, "jhammond", source="dinosaurs-loose")) == five[:3][::-1]
    objects.set(knock_client, "parks", "isla-nublar", {})
    workflows.trigger(knock_client, "gift-shop", recipients=[{"id": "isla-nublar", "collection": "parks"}])
    (object_message,) = objects.list_messages(knock_client, "parks", "isla-nublar")
    assert object_message.recipient == ObjectReference(id="isla-nublar", collection="parks")
    with pytest.raises(knockkit.NotFoundError):
        users.list_messages(knock_client, "nobody")


def test_get_and_engagement_marks(knock: FakeKnock, knock_client: knockkit.Client, five: list[str]) -> None:
    message = messages.get(knock_client, five[0])
    assert message.engagement_statuses == [] and message.seen_at is None
    assert messages.mark_as_seen(knock_client, five[0]).engagement_statuses == ["seen"]
    read = messages.mark_as_read(knock_client, five[0])
    assert read.engagement_statuses == ["seen", "read"] and read.read_at is not None
    assert messages.mark_as_unread(knock_client, five[0]).engagement_statuses == ["seen"]
    assert messages.mark_as_unseen(knock_client, five[0]).engagement_statuses == []
    interacted = messages.mark_as_interacted(knock_client, five[1], metadata={"button": "run"})
    assert interacted.engagement_statuses == ["seen", "read", "interacted"]
    assert interacted.metadata == {"button": "run"}
    assert messages.archive(knock_client, five[2]).archived_at is not None
    assert messages.unarchive(knock_client, five[2]).archived_at is None
    with pytest.raises(knockkit.NotFoundError):
        messages.get(knock_client, "no-such-message")
    with pytest.raises(knockkit.NotFoundError):
        messages.mark_as_seen(knock_client, "no-such-message")


def test_batch_marks(knock: FakeKnock, knock_client: knockkit.Client, five: list[str]) -> None:
    marked = messages.batch_mark_as_seen(knock_client, [five[0], five[1], "unknown-id"])
    assert [m.id for m in marked] == five[:2] and all(m.seen_at for m in marked)
    assert all(m.read_at for m in messages.batch_mark_as_read(knock_client, five[:3]))
    assert not any(m.read_at for m in messages.batch_mark_as_unread(knock_client, five[:1]))
    assert not any(m.seen_at for m in messages.batch_mark_as_unseen(knock_client, five[:1]))
    interacted = messages.batch_mark_as_interacted(knock_client, five[3:], metadata={"via": "batch"})
    assert all(m.interacted_at and m.metadata == {"via": "batch"} for m in interacted)
    assert all(m.archived_at for m in messages.batch_archive(knock_client, five))
    assert not any(m.archived_at for m in messages.batch_unarchive(knock_client, five[:2]))
    statuses = {m.id: m.engagement_statuses for m in knock.messages()}
    assert statuses[five[0]] == []
    assert statuses[five[2]] == ["read", "archived"]


def test_channel_bulk_updates_are_bulk_operations(knock: FakeKnock, knock_client: knockkit.Client,
                                                  five: list[str]) -> None:  # fmt: skip
    operation = channels.bulk_update_message_status(knock_client, FEED, "archive", tenants=["jurassic-park"])
    assert operation.status == "queued"
    done = bulk_operations.get(knock_client, operation.id)
    assert (done.status, done.success_count, done.processed_rows) == ("completed", 3, 3)
    assert [bool(m.archived_at) for m in knock.messages()] == [True, True, True, False, False]
    channels.bulk_update_message_status(knock_client, FEED, "read", workflows=["gift-shop"], has_tenant=True)
    assert [bool(m.read_at) for m in knock.messages()] == [False, False, False, False, True]
    channels.bulk_update_message_status(knock_client, FEED, "delete", archived="only")
    assert len(knock.messages()) == 2


def test_feed_items(knock: FakeKnock, knock_client: knockkit.Client, five: list[str]) -> None:
    page = feeds.list_items(knock_client, "jhammond", FEED)
    assert [item.id for item in page] == five[::-1]
    assert page.extra["meta"] == {"__typename": "FeedMetadata", "total_count": 5, "unread_count": 5, "unseen_count": 5}
    assert page.extra["vars"] == {}
    item = page.entries[-1]
    assert item.source is not None
    assert item.source == FeedSource(
        typename="Workflow", key="dinosaurs-loose", categories=["safety"], version_id=item.source.version_id
    )
    assert item.total_activities == 1 and item.data == {"type": "trex", "priority": 0}
    messages.mark_as_read(knock_client, five[0])
    messages.archive(knock_client, five[1])
    unread = feeds.list_items(knock_client, "jhammond", FEED, status="unread")
    assert [i.id for i in unread] == [five[4], five[3], five[2]]
    assert unread.extra["meta"]["unread_count"] == 3 and unread.extra["meta"]["unseen_count"] == 4
    assert [i.id for i in feeds.list_items(knock_client, "jhammond", FEED, archived="only")] == [five[1]]
    assert len(feeds.list_items(knock_client, "jhammond", FEED, archived="include")) == 5
    assert [i.id for i in feeds.list_items(knock_client, "jhammond", FEED, tenant="isla-sorna")] == [five[4]]
    assert len(feeds.list_items(knock_client, "jhammond", FEED, has_tenant=False)) == 1
    assert len(feeds.list_items(knock_client, "jhammond", FEED, source="gift-shop")) == 2
    assert len(feeds.list_items(knock_client, "jhammond", FakeKnock.channel_id("email"))) == 0
    paged = feeds.list_items(knock_client, "jhammond", FEED, page_size=3)
    assert len(paged) == 3 and paged.page_info.after
    assert feeds.get_settings(knock_client, "jhammond", FEED).features == FeedFeatures(branding_required=False)


# --- contents, events, activities, delivery logs -----------------------------------------------

APNS = "8209a4f2-4a1d-4f9c-9f0e-0c7a8e4d2b11"
SLACK = "7c1e0042-5ef2-411a-a43b-e541acb139ed"


def test_message_contents_per_channel_type(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    steps = ["in_app_feed", "email", "sms", {"type": "push", "channel_id": APNS},
             {"type": "chat", "channel_id": SLACK}, "http"]  # fmt: skip
    knock.add_workflow("dinosaurs-loose", steps=steps)
    users.identify(knock_client, "jhammond", {
        "email": "jhammond@ingen.net", "phone_number": "+15555550100",
        "channel_data": {APNS: {"tokens": ["apns-1", "apns-2"]}, SLACK: {"connections": [{"user_id": "U01"}]}},
    })  # fmt: skip
    workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"], data={"type": "trex", "n": 1})
    sent = {m.channel.type if m.channel else None: m for m in knock.messages()}
    text = '{"n": 1, "type": "trex"}'
    contents = {kind: messages.get_content(knock_client, sent[kind].id) for kind in ("in_app_feed", "email", "sms",
                                                                                      "push", "chat")}  # fmt: skip
    email = contents["email"]
    assert (email.message_id, email.typename, email.inserted_at) == (sent["email"].id, "MessageContent",
                                                                     sent["email"].inserted_at)  # fmt: skip
    assert isinstance(email.data, EmailContent) and email.data.from_ == "knock@fake.knockkit.invalid"
    assert email.data.to_dict() == {
        "__typename": "MessageEmailContent", "from": "knock@fake.knockkit.invalid", "to": "jhammond@ingen.net",
        "cc": None, "bcc": None, "reply_to": None, "subject_line": "dinosaurs-loose", "text_body": text,
        "html_body": "<pre>{&quot;n&quot;: 1, &quot;type&quot;: &quot;trex&quot;}</pre>",
    }  # fmt: skip
    assert unstructure(contents["sms"].data) == {"__typename": "MessageSmsContent", "to": "+15555550100", "body": text}
    assert unstructure(contents["push"].data) == {
        "__typename": "MessagePushContent", "token": "apns-1", "title": "dinosaurs-loose", "body": text,
        "data": {"type": "trex", "n": 1},
    }  # fmt: skip
    chat = contents["chat"].data
    assert isinstance(chat, ChatContent) and chat.template is not None
    assert (chat.typename, chat.connection) == ("MessageChatContent", {"user_id": "U01"})
    assert chat.template.blocks == [ChatBlock(type="text", name="body", content=text)]
    feed = contents["in_app_feed"].data
    assert isinstance(feed, InAppFeedContent) and feed.typename == "MessageInAppFeedContent"
    assert feed.blocks is not None and isinstance(feed.blocks[0], FeedContentBlock) and feed.blocks[0].content == text
    # The address is the one the message went to, whatever the user's profile says later.
    users.identify(knock_client, "jhammond", {"email": "new@ingen.net"})
    later = messages.get_content(knock_client, sent["email"].id).data
    assert isinstance(later, EmailContent) and later.to == "jhammond@ingen.net"
    # Knock's spec has no content for http messages; batches skip them, and unknown ids.
    with pytest.raises(knockkit.NotFoundError):
        messages.get_content(knock_client, sent["http"].id)
    with pytest.raises(knockkit.NotFoundError):
        messages.get_content(knock_client, "no-such-message")
    batch = messages.batch_get_content(knock_client, [sent["sms"].id, "no-such-message", sent["http"].id,
                                                      sent["email"].id])  # fmt: skip
    assert [(c.message_id, type(c.data)) for c in batch] == [
        (sent["sms"].id, SmsContent), (sent["email"].id, EmailContent),
    ]  # fmt: skip
    assert knock.requests[-1].query == {"message_ids": [sent["sms"].id, "no-such-message", sent["http"].id,
                                                        sent["email"].id]}  # fmt: skip


def test_message_events_follow_engagement(knock: FakeKnock, knock_client: knockkit.Client, five: list[str]) -> None:
    def events(message_id: str) -> list[str]:
        return [e.type or "" for e in knockkit.paginate(messages.list_events, knock_client, message_id, page_size=2)]

    first = messages.list_events(knock_client, five[0])
    (sent,) = first
    assert (sent.type, sent.recipient, sent.data, sent.typename) == ("message.sent", "jhammond", None, "MessageEvent")
    assert sent.inserted_at == knock.messages()[0].inserted_at and first.page_info.after is None
    messages.mark_as_seen(knock_client, five[0])
    messages.mark_as_seen(knock_client, five[0])  # already seen: nothing changes, no event
    messages.mark_as_read(knock_client, five[0])
    messages.mark_as_unread(knock_client, five[0])
    messages.mark_as_interacted(knock_client, five[0], metadata={"button": "run"})  # reads it again
    messages.mark_as_interacted(knock_client, five[0])  # every interaction is an event
    messages.archive(knock_client, five[0])
    messages.unarchive(knock_client, five[0])
    messages.mark_as_unseen(knock_client, five[0])
    assert events(five[0]) == [  # newest first
        "message.unseen", "message.unarchived", "message.archived", "message.interacted", "message.interacted",
        "message.read", "message.unread", "message.read", "message.seen", "message.sent",
    ]  # fmt: skip
    interacted = [e for e in messages.list_events(knock_client, five[0]) if e.type == "message.interacted"]
    assert [e.data for e in interacted] == [None, {"button": "run"}]
    # Batches and channel-wide updates record events too.
    messages.batch_archive(knock_client, five[1:3])
    channels.bulk_update_message_status(knock_client, FEED, "read", tenants=["isla-sorna"])
    assert events(five[1]) == events(five[2]) == ["message.archived", "message.sent"]
    assert events(five[4]) == ["message.read", "message.sent"]
    with pytest.raises(knockkit.NotFoundError):
        messages.list_events(knock_client, "no-such-message")


def test_message_activities_are_the_triggers_folded_into_it(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow("comments", steps=["batch", "in_app_feed"])
    users.identify(knock_client, "dnedry", {"name": "Dennis Nedry"})
    for actor, text in (("dnedry", "first"), ("agrant", "second"), ("dnedry", "third")):
        workflows.trigger(knock_client, "comments", recipients=["jhammond"], actor=actor, data={"text": text})
    knock.release()
    (message,) = knock.messages()
    page = messages.list_activities(knock_client, message.id)
    assert [a.data for a in page] == [{"text": "third"}, {"text": "second"}, {"text": "first"}]  # newest first
    newest = page.entries[0]
    assert newest.typename == "Activity" and newest.inserted_at == newest.updated_at
    assert isinstance(newest.actor, User) and (newest.actor.id, newest.actor.name) == ("dnedry", "Dennis Nedry")
    assert isinstance(newest.recipient, User) and newest.recipient.id == "jhammond"
    # The same activities as the feed item shows (there, oldest first).
    (item,) = feeds.list_items(knock_client, "jhammond", FEED)
    assert [a.id for a in page][::-1] == [a.id for a in item.activities or []]
    only = messages.list_activities(knock_client, message.id, trigger_data={"text": "second"})
    assert [a.data for a in only] == [{"text": "second"}]
    paged = messages.list_activities(knock_client, message.id, page_size=2)
    assert len(paged) == 2 and paged.next_params is not None
    walked = knockkit.paginate(messages.list_activities, knock_client, message.id, page_size=2)
    assert [a.id for a in walked] == [a.id for a in page]
    with pytest.raises(knockkit.NotFoundError):
        messages.list_activities(knock_client, "no-such-message")


def test_delivery_logs_are_empty(knock: FakeKnock, knock_client: knockkit.Client, five: list[str]) -> None:
    logs = messages.list_delivery_logs(knock_client, five[0], page_size=10)
    assert list(logs) == [] and logs.page_info.page_size == 10 and logs.next_params is None
    raw = knockkit._http.request(knock_client, "GET", "/v1/messages/{message_id}/delivery_logs", message_id=five[0],
                                 into=dict)  # fmt: skip
    assert raw == {"items": [], "page_info": {"__typename": "PageInfo", "after": None, "before": None, "page_size": 50}}
    with pytest.raises(knockkit.NotFoundError):
        messages.list_delivery_logs(knock_client, "no-such-message")
