"""Channel data: what a recipient holds for one channel (push tokens, chat connections...).

``ChannelData.data`` is a model per kind of channel, told apart by the ``provider`` Knock
names beside it or, without one, by the keys only that kind has (``tokens``, ``target_arns``,
``player_ids``, a Slack ``token``, Microsoft Teams keys). Chat data whose connections fit
more than one provider (only incoming webhooks, or none) stays the mapping Knock sent:

```python
data = users.get_channel_data(client, "jhammond", APNS_CHANNEL).data
if isinstance(data, PushChannelData):
    data.tokens[0]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from knockkit.models._base import Json, Model, Pick, model, unknown_keys

__all__ = [
    "AwsSnsChannelData",
    "AwsSnsDevice",
    "ChannelData",
    "ChannelDataKind",
    "DiscordChannelData",
    "DiscordConnection",
    "IncomingWebhook",
    "MsTeamsChannelData",
    "MsTeamsConnection",
    "OneSignalChannelData",
    "PushChannelData",
    "PushDevice",
    "SlackChannelData",
    "SlackConnection",
    "SlackToken",
]


@model(kw_only=True)
class PushDevice(Model):
    token: str
    locale: str | None = None
    timezone: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class PushChannelData(Model):
    """APNs, FCM and Expo: device tokens (``devices`` adds each token's locale and timezone)."""

    tokens: list[str] | None = None
    devices: list[PushDevice] | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class AwsSnsDevice(Model):
    target_arn: str
    locale: str | None = None
    timezone: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class AwsSnsChannelData(Model):
    """Amazon SNS: platform endpoint ARNs."""

    target_arns: list[str] | None = None
    devices: list[AwsSnsDevice] | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class OneSignalChannelData(Model):
    player_ids: list[str] | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class IncomingWebhook(Model):
    url: str
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class SlackConnection(Model):
    """A Slack connection: a channel or user reached with an access token, or an incoming webhook."""

    access_token: str | None = None
    channel_id: str | None = None
    channel_name: str | None = None
    user_id: str | None = None
    incoming_webhook: IncomingWebhook | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class SlackToken(Model):
    access_token: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class SlackChannelData(Model):
    connections: list[SlackConnection] | None = None
    token: SlackToken | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class MsTeamsConnection(Model):
    """A Microsoft Teams connection: a channel or user of a Teams tenant, or an incoming webhook."""

    ms_teams_tenant_id: str | None = None
    ms_teams_team_id: str | None = None
    ms_teams_channel_id: str | None = None
    ms_teams_user_id: str | None = None
    incoming_webhook: IncomingWebhook | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class MsTeamsChannelData(Model):
    connections: list[MsTeamsConnection] | None = None
    ms_teams_tenant_id: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class DiscordConnection(Model):
    channel_id: str | None = None
    incoming_webhook: IncomingWebhook | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class DiscordChannelData(Model):
    connections: list[DiscordConnection] | None = None
    extra: Mapping[str, Json] = unknown_keys()


_BY_PROVIDER: dict[str, type] = {
    "push_apns": PushChannelData,
    "push_fcm": PushChannelData,
    "push_expo": PushChannelData,
    "push_aws_sns": AwsSnsChannelData,
    "push_one_signal": OneSignalChannelData,
    "chat_slack": SlackChannelData,
    "chat_ms_teams": MsTeamsChannelData,
    "chat_discord": DiscordChannelData,
}
_SLACK_KEYS = frozenset({"access_token", "user_id", "channel_name"})


def _channel_data_kind(data: Mapping[str, Any], parent: Mapping[str, Any] | None) -> type | None:
    provider = parent.get("provider") if parent is not None else None
    if provider in _BY_PROVIDER:
        return _BY_PROVIDER[provider]
    devices = data.get("devices")
    device_keys = set().union(*(d for d in devices if isinstance(d, dict))) if isinstance(devices, list) else set()
    if "tokens" in data or "token" in device_keys:
        return PushChannelData
    if "target_arns" in data or "target_arn" in device_keys:
        return AwsSnsChannelData
    if "player_ids" in data:
        return OneSignalChannelData
    if "token" in data:
        return SlackChannelData
    if "ms_teams_tenant_id" in data:
        return MsTeamsChannelData
    connections = data.get("connections")
    if not isinstance(connections, list):
        return None
    keys = set().union(*(c for c in connections if isinstance(c, dict)))
    if any(key.startswith("ms_teams_") for key in keys):
        return MsTeamsChannelData
    if keys & _SLACK_KEYS:
        return SlackChannelData
    return None  # incoming webhooks or channel ids only: Slack, Teams and Discord look alike


#: What ``ChannelData.data`` holds: a model per kind, or the mapping as sent when the kind is unclear.
ChannelDataKind = Annotated[
    PushChannelData
    | AwsSnsChannelData
    | OneSignalChannelData
    | SlackChannelData
    | MsTeamsChannelData
    | DiscordChannelData
    | Mapping[str, Json],
    Pick(_channel_data_kind),
]


@model(kw_only=True)
class ChannelData(Model):
    """A recipient's data for one channel; ``data`` is typed by the kind of channel (see the module)."""

    channel_id: str
    data: ChannelDataKind | None = None
    provider: str | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()
