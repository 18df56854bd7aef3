"""In-app feeds: a user's feed items and the feed's settings."""

from __future__ import annotations

from collections.abc import Mapping

from knockkit.models._base import Datetime, Json, Model, model, unknown_keys
from knockkit.models.contents import FeedBlock
from knockkit.models.messages import Activity
from knockkit.models.recipients import Recipient

__all__ = ["FeedFeatures", "FeedItem", "FeedSettings", "FeedSource"]


@model(kw_only=True)
class FeedSource(Model):
    """The workflow that produced a feed item."""

    key: str | None = None
    version_id: str | None = None
    categories: list[str] | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class FeedItem(Model):
    """An entry of a user's in-app feed."""

    id: str
    activities: list[Activity] | None = None
    actors: list[Recipient] | None = None
    blocks: list[FeedBlock] | None = None
    data: Mapping[str, Json] | None = None
    source: FeedSource | None = None
    tenant: str | None = None
    total_activities: int | None = None
    total_actors: int | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    seen_at: Datetime = None
    read_at: Datetime = None
    interacted_at: Datetime = None
    link_clicked_at: Datetime = None
    clicked_at: Datetime = None
    archived_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class FeedFeatures(Model):
    branding_required: bool | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class FeedSettings(Model):
    features: FeedFeatures | None = None
    extra: Mapping[str, Json] = unknown_keys()
