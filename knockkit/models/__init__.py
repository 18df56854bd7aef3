"""Typed, frozen values for what Knock returns, and the one converter that reads them.

Every shape Knock's API reference defines is a model, at every depth: a message's
``recipient`` is a user id or an ``ObjectReference``, its ``source`` a
``MessageSource``; a preference set's ``channel_types`` a ``ChannelTypePreferences``;
channel data a model per kind of channel (``PushChannelData``, ``SlackChannelData``...).
Unions are told apart the way Knock does (``__typename``, ``collection``, the provider).

Every model keeps every key it was given: keys it does not name are kept in
``.properties`` on users and tenants (where Knock flattens custom properties into the
top level) and in ``.extra`` elsewhere, and ``.to_dict()`` puts them back. So a field
Knock adds tomorrow never breaks decoding and is never lost.

The models live in one module per family (``knockkit.models.messages``, ...); import
them from here.
"""

from __future__ import annotations

from knockkit.models._base import Datetime, Json, Model
from knockkit.models._codec import structure, unstructure
from knockkit.models.bulk import BulkOperation, BulkOperationError
from knockkit.models.channel_data import (
    AwsSnsChannelData,
    AwsSnsDevice,
    ChannelData,
    ChannelDataKind,
    DiscordChannelData,
    DiscordConnection,
    IncomingWebhook,
    MsTeamsChannelData,
    MsTeamsConnection,
    OneSignalChannelData,
    PushChannelData,
    PushDevice,
    SlackChannelData,
    SlackConnection,
    SlackToken,
)
from knockkit.models.contents import (
    ChatBlock,
    ChatContent,
    ChatTemplate,
    EmailContent,
    FeedBlock,
    FeedButton,
    FeedButtonSetBlock,
    FeedContentBlock,
    InAppFeedContent,
    MessageContent,
    MessageContentKind,
    PushContent,
    SmsContent,
)
from knockkit.models.feeds import FeedFeatures, FeedItem, FeedSettings, FeedSource
from knockkit.models.guides import (
    Guide,
    GuideActivationUrlPattern,
    GuideActivationUrlRule,
    GuideStep,
    GuideStepMessage,
)
from knockkit.models.messages import (
    Activity,
    DeliveryLog,
    DeliveryLogRequest,
    DeliveryLogResponse,
    Message,
    MessageChannel,
    MessageEvent,
    MessageSource,
    RecipientSnapshot,
)
from knockkit.models.pages import Page, PageInfo
from knockkit.models.preferences import (
    ChannelTypePreferences,
    Condition,
    ConditionalSetting,
    PreferenceCenterUrl,
    PreferenceSet,
    PreferenceSettings,
    WorkflowPreference,
)
from knockkit.models.providers import AuthCheck, Connection, MsTeamsChannel, MsTeamsTeam, SlackChannel
from knockkit.models.recipients import (
    AudienceMember,
    Object,
    ObjectReference,
    Recipient,
    RecipientReference,
    Subscription,
    Tenant,
    TenantBranding,
    TenantSettings,
    User,
)
from knockkit.models.schedules import Schedule, ScheduleRepeat
from knockkit.models.workflows import TriggerResult, TriggerSource, WorkflowRecipientRun, WorkflowRecipientRunEvent

__all__ = [
    "Activity",
    "AudienceMember",
    "AuthCheck",
    "AwsSnsChannelData",
    "AwsSnsDevice",
    "BulkOperation",
    "BulkOperationError",
    "ChannelData",
    "ChannelDataKind",
    "ChannelTypePreferences",
    "ChatBlock",
    "ChatContent",
    "ChatTemplate",
    "Condition",
    "ConditionalSetting",
    "Connection",
    "Datetime",
    "DeliveryLog",
    "DeliveryLogRequest",
    "DeliveryLogResponse",
    "DiscordChannelData",
    "DiscordConnection",
    "EmailContent",
    "FeedBlock",
    "FeedButton",
    "FeedButtonSetBlock",
    "FeedContentBlock",
    "FeedFeatures",
    "FeedItem",
    "FeedSettings",
    "FeedSource",
    "Guide",
    "GuideActivationUrlPattern",
    "GuideActivationUrlRule",
    "GuideStep",
    "GuideStepMessage",
    "InAppFeedContent",
    "IncomingWebhook",
    "Json",
    "Message",
    "MessageChannel",
    "MessageContent",
    "MessageContentKind",
    "MessageEvent",
    "MessageSource",
    "Model",
    "MsTeamsChannel",
    "MsTeamsChannelData",
    "MsTeamsConnection",
    "MsTeamsTeam",
    "Object",
    "ObjectReference",
    "OneSignalChannelData",
    "Page",
    "PageInfo",
    "PreferenceCenterUrl",
    "PreferenceSet",
    "PreferenceSettings",
    "PushChannelData",
    "PushContent",
    "PushDevice",
    "Recipient",
    "RecipientReference",
    "RecipientSnapshot",
    "Schedule",
    "ScheduleRepeat",
    "SlackChannel",
    "SlackChannelData",
    "SlackConnection",
    "SlackToken",
    "SmsContent",
    "Subscription",
    "Tenant",
    "TenantBranding",
    "TenantSettings",
    "TriggerResult",
    "TriggerSource",
    "User",
    "WorkflowPreference",
    "WorkflowRecipientRun",
    "WorkflowRecipientRunEvent",
    "structure",
    "unstructure",
]
