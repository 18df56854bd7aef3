"""What callers pass in, typed: TypedDicts for the shapes Knock's API reference defines.

The resource functions' parameters are annotated with these, so mypy and IDEs check keys
and value types; at run time they are plain dicts (a TypedDict is a ``dict``), and the
functions keep accepting any mapping:

```python
from knockkit.params import InlineUser, PreferenceSetParams

grant: InlineUser = {"id": "agrant", "email": "agrant@ingen.net"}
workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond", grant])
users.set_preferences(client, "jhammond", {"channel_types": {"sms": False}})   # "smss" is an error
```

Custom properties of an inline user, object or tenant are not keys the TypedDicts know
(Knock accepts any): identify them first with ``users.identify`` / ``objects.set`` (which
take any properties), or annotate such a mapping as ``Any``.
"""

# No "from __future__ import annotations": TypedDict reads Required/NotRequired from the
# evaluated annotations (with string annotations, __required_keys__ would be wrong).
import datetime as _dt
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Literal

if sys.version_info >= (3, 11):
    from typing import NotRequired, Required, TypedDict
else:  # Required/NotRequired (PEP 655) arrived in 3.11; TypedDict must come from the same place
    from typing_extensions import NotRequired, Required, TypedDict

__all__ = [
    "AudienceMemberParams",
    "AwsSnsChannelDataParams",
    "AwsSnsDeviceParams",
    "BulkPreferenceSetParams",
    "ChannelDataParams",
    "ChannelSetting",
    "ChannelTypeName",
    "ChannelTypesParams",
    "ConditionParams",
    "ConditionalSettingParams",
    "DiscordChannelDataParams",
    "DiscordChannelConnectionParams",
    "DiscordConnectionParams",
    "Frequency",
    "IncomingWebhookConnectionParams",
    "IncomingWebhookParams",
    "InlineChannelData",
    "InlineObject",
    "InlinePreferences",
    "InlineTenant",
    "InlineUser",
    "MsTeamsChannelDataParams",
    "MsTeamsConnectionParams",
    "MsTeamsTokenConnectionParams",
    "ObjectRef",
    "OneSignalChannelDataParams",
    "Operator",
    "PreferenceSetParams",
    "PushChannelDataParams",
    "PushDeviceParams",
    "RecipientParam",
    "RecipientRef",
    "ScheduleParams",
    "ScheduleRepeatParams",
    "Timestamp",
    "SlackChannelDataParams",
    "SlackConnectionParams",
    "SlackTokenConnectionParams",
    "SlackTokenParams",
    "SubscriptionParams",
    "SubscriptionRefParams",
    "TenantBrandingParams",
    "TenantParam",
    "TenantSettingsParams",
    "TimeRange",
    "TokenHolder",
    "TriggerSettings",
    "Weekday",
    "WorkflowSetting",
    "WorkflowSettingParams",
]

Timestamp = _dt.datetime | str
"""A timezone-aware ``datetime``, or ISO 8601 text."""

# --- preferences --------------------------------------------------------------------------

Operator = Literal[
    "equal_to", "not_equal_to", "greater_than", "less_than", "greater_than_or_equal_to", "less_than_or_equal_to",
    "contains", "not_contains", "empty", "not_empty", "exists", "not_exists", "contains_all", "not_contains_all",
    "is_timestamp", "is_not_timestamp", "is_timestamp_on_or_after", "is_timestamp_before",
    "is_timestamp_on_or_after_date", "is_timestamp_before_date", "is_timestamp_between", "is_between",
    "is_audience_member", "is_not_audience_member",
]  # fmt: skip


class ConditionParams(TypedDict):
    """``{"variable": "recipient.country_code", "operator": "equal_to", "argument": "US"}``."""

    variable: str
    operator: Operator
    argument: str | int | float | bool | None


class ConditionalSettingParams(TypedDict):
    """A setting that holds when its conditions do."""

    conditions: Sequence[ConditionParams]


ChannelSetting = bool | ConditionalSettingParams
"""A channel type's or a channel's setting: on, off, or on under conditions."""


ChannelTypeName = Literal["chat", "email", "http", "in_app_feed", "push", "sms"]
"""The channel types a preference set has settings for."""


class ChannelTypesParams(TypedDict, total=False):
    chat: ChannelSetting
    email: ChannelSetting
    http: ChannelSetting
    in_app_feed: ChannelSetting
    push: ChannelSetting
    sms: ChannelSetting


class WorkflowSettingParams(TypedDict, total=False):
    """A workflow's or a category's setting, when it is more than on or off."""

    channel_types: ChannelTypesParams | None
    channels: Mapping[str, ChannelSetting] | None
    conditions: Sequence[ConditionParams] | None


WorkflowSetting = bool | WorkflowSettingParams


class PreferenceSetParams(TypedDict, total=False):
    """A preference set to write (``users.set_preferences``, inline ``preferences``...)."""

    channel_types: ChannelTypesParams | None
    channels: Mapping[str, ChannelSetting] | None
    workflows: Mapping[str, WorkflowSetting] | None
    categories: Mapping[str, WorkflowSetting] | None
    commercial_subscribed: ChannelSetting | None
    __persistence_strategy__: Literal["merge", "replace"]  # the functions' merge=True sends "merge"


class BulkPreferenceSetParams(PreferenceSetParams, total=False):
    """A preference set for ``users.bulk_set_preferences``: it names its set (``"default"`` unless given)."""

    id: str


InlinePreferences = Mapping[str, PreferenceSetParams]
"""Preference sets by set id (``"default"``, or a tenant id), as inline users and objects take them."""

# --- channel data ---------------------------------------------------------------------------


class PushDeviceParams(TypedDict):
    token: str
    locale: NotRequired[str | None]
    timezone: NotRequired[str | None]


class PushChannelDataParams(TypedDict, total=False):
    """APNs, FCM and Expo: device tokens, or devices with their locale and timezone."""

    tokens: list[str]  # a list: a str would pass as a Sequence[str]
    devices: Sequence[PushDeviceParams]


class AwsSnsDeviceParams(TypedDict):
    target_arn: str
    locale: NotRequired[str | None]
    timezone: NotRequired[str | None]


class AwsSnsChannelDataParams(TypedDict, total=False):
    target_arns: list[str]
    devices: Sequence[AwsSnsDeviceParams]


class OneSignalChannelDataParams(TypedDict):
    player_ids: list[str]


class IncomingWebhookParams(TypedDict):
    url: str


class IncomingWebhookConnectionParams(TypedDict):
    incoming_webhook: IncomingWebhookParams


class SlackTokenConnectionParams(TypedDict, total=False):
    access_token: str | None
    channel_id: str | None
    channel_name: str | None
    user_id: str | None


SlackConnectionParams = SlackTokenConnectionParams | IncomingWebhookConnectionParams


class SlackTokenParams(TypedDict):
    access_token: str | None


class SlackChannelDataParams(TypedDict):
    connections: Sequence[SlackConnectionParams]
    token: NotRequired[SlackTokenParams | None]


class MsTeamsTokenConnectionParams(TypedDict, total=False):
    ms_teams_tenant_id: str | None
    ms_teams_team_id: str | None
    ms_teams_channel_id: str | None
    ms_teams_user_id: str | None


MsTeamsConnectionParams = MsTeamsTokenConnectionParams | IncomingWebhookConnectionParams


class MsTeamsChannelDataParams(TypedDict):
    connections: Sequence[MsTeamsConnectionParams]
    ms_teams_tenant_id: NotRequired[str | None]


class DiscordChannelConnectionParams(TypedDict):
    channel_id: str


DiscordConnectionParams = DiscordChannelConnectionParams | IncomingWebhookConnectionParams


class DiscordChannelDataParams(TypedDict):
    connections: Sequence[DiscordConnectionParams]


ChannelDataParams = (
    PushChannelDataParams
    | AwsSnsChannelDataParams
    | OneSignalChannelDataParams
    | SlackChannelDataParams
    | MsTeamsChannelDataParams
    | DiscordChannelDataParams
)
"""Channel data for one channel, by kind of provider."""

InlineChannelData = Mapping[str, ChannelDataParams]
"""Channel data by channel id, as inline users, objects and tenants take it."""

# --- recipients and tenants -------------------------------------------------------------------


class InlineUser(TypedDict, total=False):
    """A user identified inline (in ``recipients``, ``actor``, audience members...)."""

    id: Required[str]
    name: str | None
    email: str | None
    phone_number: str | None
    avatar: str | None
    timezone: str | None
    locale: str | None
    created_at: Timestamp | None
    channel_data: InlineChannelData | None
    preferences: InlinePreferences | None


class InlineObject(TypedDict, total=False):
    """An object set inline; with only ``id`` and ``collection`` it is a reference to one."""

    id: Required[str]
    collection: Required[str]
    name: str | None
    created_at: Timestamp | None
    channel_data: InlineChannelData | None
    preferences: InlinePreferences | None


class ObjectRef(TypedDict):
    """A reference to an object."""

    id: str
    collection: str


RecipientParam = str | InlineUser | InlineObject
"""A recipient (or actor) to notify: a user id, an inline user, or an object (inline or by reference)."""

RecipientRef = str | ObjectRef
"""A reference to a recipient: a user id, or an object reference."""


class TenantBrandingParams(TypedDict, total=False):
    icon_url: str | None
    logo_url: str | None
    primary_color: str | None
    primary_color_contrast: str | None
    dark_icon_url: str | None
    dark_logo_url: str | None
    dark_primary_color: str | None
    dark_primary_color_contrast: str | None


class TenantSettingsParams(TypedDict, total=False):
    """A tenant's branding and its default preference set."""

    branding: TenantBrandingParams
    preference_set: PreferenceSetParams | None


class InlineTenant(TypedDict, total=False):
    """A tenant set inline (in a trigger, a schedule, ``tenants.bulk_set``)."""

    id: Required[str]
    name: str | None
    settings: TenantSettingsParams
    channel_data: InlineChannelData | None
    preferences: InlinePreferences | None


TenantParam = str | InlineTenant
"""A tenant: its id, or an inline tenant."""

# --- workflows, schedules, subscriptions, audiences, filters ---------------------------------


class TriggerSettings(TypedDict, total=False):
    """``workflows.trigger(settings=...)``."""

    sandbox_mode: bool | None
    skip_delay: bool | None


Frequency = Literal["daily", "weekly", "monthly", "hourly"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


# Knock's responses carry "__typename" in a rule, and sending it back is allowed; a class body
# would mangle that name, hence the functional form.
_Typename = TypedDict("_Typename", {"__typename": str}, total=False)


class ScheduleRepeatParams(_Typename, total=False):
    """A repeat rule: ``{"frequency": "weekly", "days": ["mon"], "hours": 9, "minutes": 30}``.

    It may also carry ``"__typename": "ScheduleRepeat"``, as Knock returns it."""

    frequency: Required[Frequency]
    interval: int
    days: Sequence[Weekday] | None
    day_of_month: int | None
    hours: int | None
    minutes: int | None


class ScheduleParams(TypedDict, total=False):
    """One schedule of ``schedules.bulk_create``."""

    workflow: Required[str]
    recipient: RecipientParam
    repeats: Sequence[ScheduleRepeatParams]
    scheduled_at: Timestamp | None
    ending_at: Timestamp | None
    actor: RecipientParam | None
    data: Mapping[str, Any] | None
    tenant: TenantParam | None


class SubscriptionParams(TypedDict):
    """One entry of ``objects.bulk_add_subscriptions``: recipients to subscribe to object ``id``."""

    id: str
    recipients: Sequence[RecipientParam]
    properties: NotRequired[Mapping[str, Any] | None]


class SubscriptionRefParams(TypedDict):
    """One entry of ``objects.bulk_delete_subscriptions``."""

    id: str
    recipients: Sequence[RecipientRef]


class TimeRange(TypedDict, total=False):
    """A timestamp range filter: ``{"gte": datetime(...), "lt": ...}`` (sent as ``inserted_at[gte]=...``)."""

    gt: Timestamp
    gte: Timestamp
    lt: Timestamp
    lte: Timestamp


class TokenHolder(TypedDict):
    """The object that holds a chat provider's access token (Slack, Microsoft Teams)."""

    object_id: str
    collection: str


class AudienceMemberParams(TypedDict):
    """A member to add to (or remove from) an audience, for a tenant or none."""

    user: InlineUser
    tenant: NotRequired[str | None]
