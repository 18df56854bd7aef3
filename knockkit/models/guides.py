"""In-app guides a user is eligible for, with their steps and each step's engagement."""

from __future__ import annotations

from collections.abc import Mapping

from knockkit.models._base import Datetime, Json, Model, model, unknown_keys

__all__ = ["Guide", "GuideActivationUrlPattern", "GuideActivationUrlRule", "GuideStep", "GuideStepMessage"]


@model(kw_only=True)
class GuideStepMessage(Model):
    """The user's engagement with a step (``id`` is null until the step was shown)."""

    id: str | None = None
    seen_at: Datetime = None
    read_at: Datetime = None
    interacted_at: Datetime = None
    link_clicked_at: Datetime = None
    archived_at: Datetime = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class GuideStep(Model):
    """A step of a guide; ``content`` follows the step's message type schema (free-form)."""

    ref: str | None = None
    schema_key: str | None = None
    schema_semver: str | None = None
    schema_variant_key: str | None = None
    content: Mapping[str, Json] | None = None
    message: GuideStepMessage | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class GuideActivationUrlPattern(Model):
    directive: str | None = None
    pathname: str | None = None
    search: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class GuideActivationUrlRule(Model):
    directive: str | None = None
    variable: str | None = None
    operator: str | None = None
    argument: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class Guide(Model):
    """An in-app guide a user is eligible for, with its steps and their engagement."""

    id: str
    key: str | None = None
    type: str | None = None
    active: bool | None = None
    channel_id: str | None = None
    semver: str | None = None
    steps: list[GuideStep] | None = None
    activation_url_patterns: list[GuideActivationUrlPattern] | None = None
    activation_url_rules: list[GuideActivationUrlRule] | None = None
    bypass_global_group_limit: bool | None = None
    dashboard_url: str | None = None
    inserted_at: Datetime = None
    updated_at: Datetime = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()
