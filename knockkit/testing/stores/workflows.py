"""Workflows a test declares (``FakeKnock.add_workflow``): steps, and the preference rules
that decide whether a channel step may reach a recipient."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "CHANNEL_TYPES",
    "CONTENT_CHANNEL_TYPES",
    "HOLD_STEPS",
    "PREFERENCE_KEYS",
    "Step",
    "Workflow",
    "default_channel_id",
    "make_step",
    "preference_block",
]

CHANNEL_TYPES = ("in_app_feed", "email", "sms", "push", "chat", "http")
#: The channel types whose messages have contents in Knock's spec (not http).
CONTENT_CHANNEL_TYPES = ("in_app_feed", "email", "sms", "push", "chat")
#: Function steps that hold a run until FakeKnock.release() (so it can be cancelled).
HOLD_STEPS = ("delay", "batch")
PREFERENCE_KEYS = ("channel_types", "channels", "workflows", "categories", "commercial_subscribed")
_NAMESPACE = uuid.UUID("6f1c2b7e-4a3d-4e8f-9b0a-5c6d7e8f9a0b")


def default_channel_id(channel_type: str) -> str:
    """The channel id a step of this type uses when the workflow does not name one (stable)."""
    return str(uuid.uuid5(_NAMESPACE, f"knockkit-fake:{channel_type}"))


def _check_step_type(_: Any, __: Any, value: str) -> None:
    if value not in CHANNEL_TYPES + HOLD_STEPS:
        known = ", ".join(CHANNEL_TYPES + HOLD_STEPS)
        raise ValueError(f"unknown step type {value!r}; FakeKnock knows: {known}")


@attrs.frozen
class Step:
    """One workflow step: a channel step (``"email"``, ``"push"``, ...) or a hold step.

    ``channel_id`` is the Knock channel the step sends through (push and chat steps need
    the recipient's channel data for exactly this id); it defaults to
    ``FakeKnock.channel_id`` of the type. ``"delay"`` and ``"batch"`` steps hold the
    run until ``FakeKnock.release``; a batch step also folds later triggers for the
    same recipient into the held run as extra activities.
    """

    type: str = attrs.field(validator=_check_step_type)
    channel_id: str | None = attrs.field(default=None, kw_only=True)
    ref: str | None = attrs.field(default=None, kw_only=True)
    provider: str | None = attrs.field(default=None, kw_only=True)

    @property
    def holds(self) -> bool:
        return self.type in HOLD_STEPS


def make_step(value: object, index: int) -> Step:
    """A Step from ``"email"``, ``Step(...)`` or ``{"type"/"channel_type": ..., "channel_id": ...}``."""
    if isinstance(value, Step):
        step = value
    elif isinstance(value, str):
        step = Step(value)
    elif isinstance(value, Mapping):
        fields = dict(value)
        kind = fields.pop("type", None) or fields.pop("channel_type", None)
        if not isinstance(kind, str):
            raise ValueError(f"steps[{index}] needs a 'type' (a channel type, 'delay' or 'batch')")
        unknown = sorted(set(fields) - {"channel_id", "ref", "provider"})
        if unknown:
            raise ValueError(f"steps[{index}] has unknown key(s) {unknown}")
        step = Step(kind, **fields)
    else:
        raise TypeError(f"steps[{index}] must be a step type, a mapping or a Step, not {type(value).__name__}")
    channel_id = step.channel_id
    if channel_id is None and not step.holds:
        channel_id = default_channel_id(step.type)
    return attrs.evolve(step, channel_id=channel_id, ref=step.ref or f"{step.type}_{index + 1}")


@attrs.frozen(kw_only=True)
class Workflow:
    key: str
    steps: tuple[Step, ...]
    categories: tuple[str, ...] = ()
    commercial: bool = False
    version_id: str = attrs.field(factory=lambda: str(uuid.uuid4()))


def _setting_blocks(setting: object, step: Step) -> bool:
    """A workflow or category setting: ``False``, or a mapping whose channels/channel types opt out."""
    if setting is False:
        return True
    if isinstance(setting, Mapping):
        return _channel_blocks(setting, step)
    return False


def _channel_blocks(prefs: Mapping[str, Any], step: Step) -> bool:
    # A setting for the exact channel beats the one for its channel type.
    channels = prefs.get("channels")
    if isinstance(channels, Mapping) and step.channel_id in channels:
        return channels[step.channel_id] is False
    types = prefs.get("channel_types")
    return isinstance(types, Mapping) and types.get(step.type) is False


def preference_block(prefs: Mapping[str, Any], workflow: Workflow, step: Step) -> str | None:
    """Why the preferences stop this step, or None. Any opt-out wins; conditions count as opt-in."""
    if _channel_blocks(prefs, step):
        return f"preferences opt out of {step.type}"
    workflows = prefs.get("workflows")
    if isinstance(workflows, Mapping) and _setting_blocks(workflows.get(workflow.key), step):
        return f"preferences opt out of workflow {workflow.key}"
    categories = prefs.get("categories")
    if isinstance(categories, Mapping):
        for category in workflow.categories:
            if _setting_blocks(categories.get(category), step):
                return f"preferences opt out of category {category}"
    if workflow.commercial and prefs.get("commercial_subscribed") is False:
        return "commercial_subscribed is false for a commercial workflow"
    return None
