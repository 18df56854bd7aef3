"""User code reading nested fields of responses and building typed requests, as mypy --strict
checks it (.ci/run). No casts, and no expression of type Any (the inline setting below):
every value read here is typed down to its leaves.

Not collected by pytest. The lines marked `# type: ignore[...]` must stay errors
(warn_unused_ignores, part of --strict, fails the run if they stop being errors).
"""

# mypy: disallow-any-expr

from __future__ import annotations

import datetime as dt

from typing_extensions import assert_type

from knockkit import Client, messages, users, workflows
from knockkit.models import (
    ChannelTypePreferences,
    ConditionalSetting,
    EmailContent,
    Message,
    MessageSource,
    Object,
    ObjectReference,
    PushChannelData,
    PushDevice,
    SlackChannelData,
    User,
    WorkflowPreference,
)
from knockkit.params import InlineObject, InlineUser, PreferenceSetParams, ScheduleRepeatParams


def message_fields(client: Client) -> None:
    msg = messages.get(client, "1jNaXzB2RZX3LY8wVQnfCKyPnv7")
    assert_type(msg, Message)
    # A message's recipient is a reference, as Knock sends it: a user id, or an object reference.
    recipient = msg.recipient
    if isinstance(recipient, ObjectReference):
        assert_type(recipient.collection, str | None)
    elif recipient is not None:
        assert_type(recipient, str)
    if msg.source is not None:
        assert_type(msg.source, MessageSource)
        assert_type(msg.source.key, str | None)
        assert_type(msg.source.workflow_run_id, str | None)
    if msg.channel is not None:
        assert_type(msg.channel.type, str | None)
    for actor in msg.actors or []:
        print(actor if isinstance(actor, str) else actor.id)
    assert_type(msg.inserted_at, dt.datetime | None)
    content = messages.get_content(client, msg.id).data
    if isinstance(content, EmailContent):
        assert_type(content.subject_line, str | None)


def full_recipients(client: Client) -> None:
    # Activities carry full recipients: a User or an Object, told apart as Knock does.
    for activity in messages.list_activities(client, "1jNaXzB2RZX3LY8wVQnfCKyPnv7"):
        if isinstance(activity.recipient, User):
            assert_type(activity.recipient.email, str | None)
        elif isinstance(activity.recipient, Object):
            assert_type(activity.recipient.collection, str | None)


def channel_data(client: Client) -> None:
    data = users.get_channel_data(client, "jhammond", "apns-channel").data
    if isinstance(data, PushChannelData) and data.tokens:
        assert_type(data.tokens[0], str)
        assert_type(data.devices, list[PushDevice] | None)
    elif isinstance(data, SlackChannelData):
        for connection in data.connections or []:
            assert_type(connection.channel_id, str | None)


def preferences(client: Client) -> None:
    prefs = users.get_preferences(client, "jhammond")
    setting = (prefs.workflows or {}).get("new-comment")
    if isinstance(setting, WorkflowPreference) and setting.channel_types is not None:
        assert_type(setting.channel_types, ChannelTypePreferences)
        assert_type(setting.channel_types.email, bool | ConditionalSetting | None)
    sms = prefs.channel_types.sms if prefs.channel_types else None
    if isinstance(sms, ConditionalSetting):
        for condition in sms.conditions or []:
            assert_type(condition.variable, str | None)


def requests(client: Client) -> None:
    grant: InlineUser = {"id": "agrant", "email": "agrant@ingen.net"}
    park: InlineObject = {"id": "p1", "collection": "parks"}
    workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond", grant, park], settings={"sandbox_mode": True},
                      tenant={"id": "jurassic-park", "name": "Jurassic Park"})  # fmt: skip
    prefs: PreferenceSetParams = {"channel_types": {"email": True, "sms": {"conditions": []}}}
    users.set_preferences(client, "jhammond", prefs)
    users.set_channel_data(client, "jhammond", "apns-channel", {"tokens": ["t1"]})
    daily: ScheduleRepeatParams = {"frequency": "daily", "hours": 9, "minutes": 0}
    print(daily)


def request_mistakes(client: Client) -> None:
    users.set_preferences(client, "jhammond", {"channel_types": {"emial": True}})  # type: ignore[call-overload]
    users.set_preferences(client, "jhammond", {"channel_type": {"email": True}})  # type: ignore[call-overload]
    workflows.trigger(client, "w", recipients=["u"], settings={"sandbox": True})  # type: ignore[call-overload]
    workflows.trigger(client, "w", recipients=[{"email": "a@b.c"}])  # type: ignore[list-item]  # no id
    users.set_channel_data(client, "jhammond", "apns-channel", {"tokens": "t1"})  # type: ignore[call-overload]
    bad: ScheduleRepeatParams = {"frequency": "yearly"}  # type: ignore[typeddict-item]
    print(bad)


def response_mistakes(client: Client) -> None:
    msg = messages.get(client, "1jNaXzB2RZX3LY8wVQnfCKyPnv7")
    print(msg.recipient.email)  # type: ignore[union-attr, misc]  # a reference has no email
    print(msg.source.key)  # type: ignore[union-attr, misc]  # the source may be missing
    data = users.get_channel_data(client, "jhammond", "apns-channel").data
    print(data.tokens)  # type: ignore[union-attr, misc]  # only push data has tokens
