"""Preferences: a recipient's preference set, per channel type, channel, workflow and category.

Every setting is either a boolean (opted in or out) or an object whose ``conditions`` decide
at send time; workflows and categories may also carry their own channel-type settings:

```python
prefs = users.get_preferences(client, "jhammond")
setting = (prefs.workflows or {}).get("new-comment")
if isinstance(setting, WorkflowPreference) and setting.channel_types:
    setting.channel_types.email    # True, False, a ConditionalSetting, or None
```
"""

from __future__ import annotations

from collections.abc import Mapping

from knockkit.models._base import Json, Model, model, unknown_keys

__all__ = [
    "ChannelTypePreferences",
    "Condition",
    "ConditionalSetting",
    "PreferenceCenterUrl",
    "PreferenceSet",
    "PreferenceSettings",
    "WorkflowPreference",
]


@model(kw_only=True)
class Condition(Model):
    """``variable operator argument``, e.g. ``recipient.country_code equal_to US``."""

    variable: str | None = None
    operator: str | None = None
    #: a string in Knock's spec; numbers and booleans are read as sent
    argument: str | int | float | bool | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class ConditionalSetting(Model):
    """A setting that holds when its conditions do (for a channel type, a channel, or commercial messages)."""

    conditions: list[Condition] | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class ChannelTypePreferences(Model):
    """A setting per channel type: ``True``/``False``, a ``ConditionalSetting``, or ``None`` if not set.
    Channel types Knock adds later are in ``extra``, as sent."""

    chat: bool | ConditionalSetting | None = None
    email: bool | ConditionalSetting | None = None
    http: bool | ConditionalSetting | None = None
    in_app_feed: bool | ConditionalSetting | None = None
    push: bool | ConditionalSetting | None = None
    sms: bool | ConditionalSetting | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class WorkflowPreference(Model):
    """The object form of a workflow's or a category's setting (the other form is a plain boolean)."""

    channel_types: ChannelTypePreferences | None = None
    channels: Mapping[str, bool | ConditionalSetting] | None = None
    conditions: list[Condition] | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class PreferenceSettings(Model):
    """A preference set whose id may be missing (a tenant's default ``preference_set``)."""

    id: str | None = None
    channel_types: ChannelTypePreferences | None = None
    channels: Mapping[str, bool | ConditionalSetting] | None = None
    workflows: Mapping[str, bool | WorkflowPreference] | None = None
    categories: Mapping[str, bool | WorkflowPreference] | None = None
    commercial_subscribed: bool | ConditionalSetting | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class PreferenceSet(PreferenceSettings):
    """A recipient's preferences (the ``default`` set, or one per tenant)."""

    id: str  # required here (attrs lets a subclass redefine a field)


@model(kw_only=True)
class PreferenceCenterUrl(Model):
    url: str
    token: str | None = None
    extra: Mapping[str, Json] = unknown_keys()
