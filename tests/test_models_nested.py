"""Nested models: unions told apart as Knock does, unknown keys kept at every depth, to_dict()
giving back the JSON decoded, errors naming the path, and model classes made on first use."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import subprocess
import sys
from typing import Any

import attrs
import pytest

from knockkit.models import (
    Activity,
    AwsSnsChannelData,
    ChannelData,
    ChatContent,
    DiscordChannelData,
    EmailContent,
    FeedButtonSetBlock,
    FeedContentBlock,
    FeedItem,
    InAppFeedContent,
    Message,
    MessageContent,
    MsTeamsChannelData,
    Object,
    ObjectReference,
    OneSignalChannelData,
    PreferenceSet,
    PushChannelData,
    PushDevice,
    Schedule,
    SlackChannelData,
    SlackConnection,
    Tenant,
    User,
    WorkflowPreference,
    structure,
    unstructure,
)

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("recipient", "kind"),
    [
        ({"__typename": "User", "id": "u1", "collection": "not-a-collection"}, User),  # a custom property
        ({"__typename": "Object", "id": "p1", "collection": "projects"}, Object),
        ({"id": "p1", "collection": "projects"}, Object),
        ({"id": "u1", "email": "u1@ingen.net"}, User),
    ],
)
def test_a_full_recipient_is_a_user_or_an_object(recipient: dict[str, Any], kind: type) -> None:
    activity = structure({"id": "a1", "recipient": recipient}, Activity)
    assert type(activity.recipient) is kind
    assert activity.to_dict() == {"id": "a1", "recipient": recipient}


def test_a_user_custom_property_named_collection_stays_a_property() -> None:
    activity = structure({"id": "a1", "recipient": {"__typename": "User", "id": "u1", "collection": "c"}}, Activity)
    assert isinstance(activity.recipient, User) and activity.recipient.properties == {"collection": "c"}


def test_references_are_ids_or_object_references() -> None:
    message = structure({"id": "m1", "recipient": "jhammond", "actors": ["u2", {"id": "p1", "collection": "c"}]},
                        Message)  # fmt: skip
    assert message.recipient == "jhammond"
    assert message.actors == ["u2", ObjectReference(id="p1", collection="c")]
    with pytest.raises(TypeError, match=r"^Message.recipient: expected str or a JSON object, not int$"):
        _ = structure({"id": "m1", "recipient": 7}, Message).recipient


@pytest.mark.parametrize(
    ("data", "provider", "kind"),
    [
        ({"tokens": ["t1"]}, None, PushChannelData),
        ({"devices": [{"token": "t1", "locale": "en"}]}, None, PushChannelData),
        ({"target_arns": ["arn:1"]}, None, AwsSnsChannelData),
        ({"devices": [{"target_arn": "arn:1"}]}, None, AwsSnsChannelData),
        ({"player_ids": ["p1"]}, None, OneSignalChannelData),
        ({"connections": [{"user_id": "U1"}]}, None, SlackChannelData),
        ({"connections": [], "token": {"access_token": "xoxb"}}, None, SlackChannelData),
        ({"connections": [{"ms_teams_user_id": "m1"}]}, None, MsTeamsChannelData),
        ({"connections": [], "ms_teams_tenant_id": "t"}, None, MsTeamsChannelData),
        # Connections that fit every chat provider: the provider decides, and without one the
        # data stays the mapping sent (nothing is guessed).
        ({"connections": [{"incoming_webhook": {"url": "https://x"}}]}, "chat_discord", DiscordChannelData),
        ({"connections": [{"incoming_webhook": {"url": "https://x"}}]}, "chat_slack", SlackChannelData),
        ({"connections": [{"channel_id": "C1"}]}, None, dict),
        ({"custom": 1}, None, dict),
    ],
)
def test_channel_data_is_typed_by_kind(data: dict[str, Any], provider: str | None, kind: type) -> None:
    body = {"channel_id": "c1", "data": data, **({"provider": provider} if provider else {})}
    decoded = structure(body, ChannelData)
    assert type(decoded.data) is kind
    assert decoded.to_dict() == body


def test_channel_data_models_keep_unknown_keys_at_every_depth() -> None:
    body = {"channel_id": "c1", "data": {"devices": [{"token": "t1", "model": "iPhone"}], "tokens": ["t1"], "v": 2}}
    decoded = structure(body, ChannelData)
    assert isinstance(decoded.data, PushChannelData) and decoded.data.extra == {"v": 2}
    assert decoded.data.devices == [PushDevice(token="t1", extra={"model": "iPhone"})]
    assert decoded.to_dict() == body


def test_message_contents_and_feed_blocks_are_typed() -> None:
    email = structure({"message_id": "m1", "data": {"__typename": "MessageEmailContent", "from": "a@b.c"}},
                      MessageContent)  # fmt: skip
    assert isinstance(email.data, EmailContent) and email.data.from_ == "a@b.c"
    assert email.to_dict()["data"] == {"__typename": "MessageEmailContent", "from": "a@b.c"}
    chat = structure({"message_id": "m1", "data": {"__typename": "MessageChatContent", "template": {"summary": "s"}}},
                     MessageContent)  # fmt: skip
    assert isinstance(chat.data, ChatContent) and chat.data.template and chat.data.template.summary == "s"
    blocks = [
        {"type": "markdown", "name": "body", "content": "*x*", "rendered": "<em>x</em>"},
        {"type": "button_set", "name": "actions", "buttons": [{"name": "ok", "label": "OK", "action": "/ok"}]},
        {"type": "video", "name": "clip"},
    ]
    feed = structure({"message_id": "m1", "data": {"__typename": "MessageInAppFeedContent", "blocks": blocks}},
                     MessageContent)  # fmt: skip
    assert isinstance(feed.data, InAppFeedContent) and feed.data.blocks is not None
    assert [type(block) for block in feed.data.blocks] == [FeedContentBlock, FeedButtonSetBlock, dict]
    item = structure({"id": "f1", "blocks": blocks, "actors": [{"id": "u1"}, {"id": "p", "collection": "c"}]},
                     FeedItem)  # fmt: skip
    assert [type(actor) for actor in item.actors or []] == [User, Object]
    unknown_kind = structure({"message_id": "m1", "data": {"__typename": "MessageCarrierPigeon"}}, MessageContent)
    assert unknown_kind.data == {"__typename": "MessageCarrierPigeon"}


def test_preference_settings_are_booleans_or_models() -> None:
    prefs = structure({"id": "default", "workflows": {"a": True, "b": {"channel_types": {"sms": False}}}},
                      PreferenceSet)  # fmt: skip
    assert prefs.workflows is not None and prefs.workflows["a"] is True
    setting = prefs.workflows["b"]
    assert isinstance(setting, WorkflowPreference) and setting.channel_types and setting.channel_types.sms is False
    with pytest.raises(TypeError, match=r"^PreferenceSet.workflows\['b'\]: expected bool or a JSON object, not str$"):
        _ = structure({"id": "default", "workflows": {"b": "yes"}}, PreferenceSet).workflows


def test_a_tenant_preference_set_may_come_without_an_id() -> None:
    tenant = structure({"id": "t1", "settings": {"preference_set": {"channel_types": {"email": False}}}}, Tenant)
    assert tenant.settings and tenant.settings.preference_set and tenant.settings.preference_set.id is None
    with pytest.raises(KeyError, match="PreferenceSet needs 'id'"):
        structure({"channel_types": {}}, PreferenceSet)


def test_errors_name_the_path_to_what_does_not_fit() -> None:
    schedule = {"id": "s1", "repeats": [{"frequency": "daily"}, {"frequency": "weekly", "hours": "nine"}]}
    repeats = structure(schedule, Schedule).repeats or []
    with pytest.raises(TypeError, match=r"^ScheduleRepeat.hours should be int, not str$"):
        _ = repeats[1].hours
    channel = structure({"id": "m1", "channel": {"created_at": "yesterday"}}, Message).channel
    with pytest.raises(ValueError, match=r"^MessageChannel.created_at: not an ISO 8601 timestamp \(9 characters\)$"):
        _ = channel and channel.created_at
    data = {"channel_id": "c", "data": {"tokens": [], "devices": [{"locale": "en"}]}}
    with pytest.raises(KeyError, match=r"PushChannelData.devices\[0\]: PushDevice needs 'token'"):
        _ = getattr(structure(data, ChannelData).data, "devices", None)


def test_to_dict_gives_back_the_keys_decoded_and_a_value_made_in_code_gives_every_field() -> None:
    decoded = structure({"id": "m1", "source": {"key": "w"}}, Message)
    assert decoded.to_dict() == {"id": "m1", "source": {"key": "w"}}
    made = ObjectReference(id="p1")
    assert made.to_dict() == {"id": "p1", "collection": None}
    expected = {"id": "p1", "collection": None}
    assert unstructure([made, {"x": made}]) == [expected, {"x": expected}]


def test_decoding_does_not_change_its_input() -> None:
    body = {"id": "m1", "recipient": {"id": "p", "collection": "c", "x": 1}, "custom": [1], "inserted_at": None}
    before = copy.deepcopy(body)
    structure(body, Message)
    assert body == before


def test_decoded_values_are_frozen_comparable_and_picklable() -> None:
    message = structure({"id": "m1", "recipient": {"id": "p", "collection": "c"}, "future": 1}, Message)
    assert message == structure({"id": "m1", "recipient": {"id": "p", "collection": "c"}, "future": 1}, Message)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        message.id = "m2"  # type: ignore[misc]
    restored = pickle.loads(pickle.dumps(message))
    assert restored == message and restored.to_dict() == message.to_dict()
    assert attrs.evolve(message, status="sent").status == "sent"


def test_model_classes_are_made_on_first_use() -> None:
    # In a fresh interpreter: importing the models makes no attrs class; using one makes it
    # (and what it needs), whichever way it is first used.
    code = (
        "import attrs, knockkit.models as m\n"
        "made = lambda: sorted(n for n in m.__all__ if '__attrs_attrs__' in getattr(getattr(m, n), '__dict__', {}))\n"
        "assert made() == [], made()\n"
        "assert [f.name for f in attrs.fields(m.SlackConnection)][:2] == ['access_token', 'channel_id']\n"
        "assert m.ObjectReference(id='p').collection is None\n"
        "m.structure({'id': 'u1'}, m.User)\n"
        "print(made())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['ObjectReference', 'SlackConnection', 'User']"


def test_first_use_from_many_threads_makes_one_class() -> None:
    code = (
        "import threading, knockkit.models as m\n"
        "barrier = threading.Barrier(8); out = []\n"
        "def work():\n"
        "    barrier.wait(); out.append(m.structure({'id': 'g', 'steps': [{'ref': 's'}]}, m.Guide))\n"
        "threads = [threading.Thread(target=work) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "assert len(out) == 8 and all(g == out[0] for g in out), out\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "ok"


def test_datetimes_are_read_at_every_depth() -> None:
    message = structure({"id": "m1", "channel": {"created_at": "2024-05-01T12:00:00Z"}}, Message)
    assert message.channel and message.channel.created_at == dt.datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert message.to_dict()["channel"]["created_at"] == "2024-05-01T12:00:00Z"


def test_slack_connections_are_models() -> None:
    data = structure({"channel_id": "c", "data": {"connections": [{"access_token": "x", "channel_id": "C1"}]}},
                     ChannelData)  # fmt: skip
    assert isinstance(data.data, SlackChannelData)
    assert data.data.connections == [SlackConnection(access_token="x", channel_id="C1")]
