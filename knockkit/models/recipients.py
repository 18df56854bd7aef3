"""Recipients: users, objects, tenants, references to them, subscriptions and audience members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

import attrs

from knockkit.models._base import Datetime, Json, Model, Pick, model, unknown_keys
from knockkit.models.preferences import PreferenceSettings

__all__ = [
    "AudienceMember",
    "Object",
    "ObjectReference",
    "Recipient",
    "RecipientReference",
    "Subscription",
    "Tenant",
    "TenantBranding",
    "TenantSettings",
    "User",
]


@model(kw_only=True)
class User(Model):
    """A Knock user. Custom properties (anything Knock does not define) are in ``properties``."""

    _extra: ClassVar[str] = "properties"
    id: str
    name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    avatar: str | None = None
    timezone: str | None = None
    locale: str | None = None
    created_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    properties: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class Object(Model):
    """An object in a collection; its custom properties are nested under ``properties``."""

    id: str
    collection: str | None = None
    properties: Mapping[str, Json] = attrs.field(factory=dict)
    created_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class ObjectReference(Model):
    """A reference to an object: its ``id`` in its ``collection``."""

    id: str
    collection: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


def _recipient_kind(value: Mapping[str, Any], _parent: object) -> type:
    """Knock's rule: an object has a ``collection`` (and says ``__typename: "Object"``); a user has neither."""
    typename = value.get("__typename")
    if typename == "Object" or (typename != "User" and "collection" in value):
        return Object
    return User


Recipient = Annotated[User | Object, Pick(_recipient_kind)]
"""A recipient as Knock returns it in full: a ``User`` or an ``Object``."""

RecipientReference = str | ObjectReference
"""A reference to a recipient: a user's id, or an ``ObjectReference``."""


@model(kw_only=True)
class TenantBranding(Model):
    icon_url: str | None = None
    logo_url: str | None = None
    primary_color: str | None = None
    primary_color_contrast: str | None = None
    dark_icon_url: str | None = None
    dark_logo_url: str | None = None
    dark_primary_color: str | None = None
    dark_primary_color_contrast: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class TenantSettings(Model):
    """A tenant's branding and its default preference set (for its members)."""

    branding: TenantBranding | None = None
    preference_set: PreferenceSettings | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class Tenant(Model):
    """A tenant. Custom properties are in ``properties``, as for users."""

    _extra: ClassVar[str] = "properties"
    id: str
    name: str | None = None
    settings: TenantSettings | None = None
    created_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    properties: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class Subscription(Model):
    """A recipient's subscription to an object."""

    recipient: Recipient | None = None
    object: Object | None = None
    properties: Mapping[str, Json] | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class AudienceMember(Model):
    """A user's membership of an audience (for one tenant, or none)."""

    user_id: str
    user: User | None = None
    tenant: str | None = None
    added_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()
