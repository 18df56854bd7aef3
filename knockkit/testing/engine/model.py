"""Workflow definitions: what a Knock workflow directory says, as frozen values.

These mirror the step schemas of Knock's management API (``@knocklabs/mgmt``'s
``WorkflowStep`` union) as far as the local engine runs them. Templates stay as the
mappings the directory gave (with every ``@`` file joined in); nothing here renders,
evaluates or knows about time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = [
    "CHANNEL_TYPES",
    "DURATION_UNITS",
    "OPERATORS",
    "BatchStep",
    "Branch",
    "BranchStep",
    "ChannelStep",
    "Condition",
    "ConditionGroup",
    "DelayStep",
    "Duration",
    "FetchStep",
    "Step",
    "ThrottleStep",
    "UnsupportedStep",
    "UpdateDataStep",
    "WorkflowDefinition",
]

#: Channel types a channel step can send through (``in_app_guide`` loads but is not run).
CHANNEL_TYPES = ("email", "sms", "push", "chat", "in_app_feed", "http", "in_app_guide")
DURATION_UNITS = ("seconds", "minutes", "hours", "days", "weeks", "months")
#: Knock's condition operators (``Condition.operator`` in the management API, plus the two
#: ``*_now`` operators its conditions docs list).
OPERATORS = (
    "equal_to", "not_equal_to", "greater_than", "less_than", "greater_than_or_equal_to",
    "less_than_or_equal_to", "contains", "not_contains", "contains_all", "not_contains_all",
    "is_timestamp_before", "is_timestamp_on_or_after", "is_timestamp_between", "is_between",
    "empty", "not_empty", "exists", "not_exists", "is_timestamp", "is_timestamp_before_now",
    "is_timestamp_on_or_after_now", "is_audience_member", "is_not_audience_member",
)  # fmt: skip


@attrs.frozen(kw_only=True)
class Duration:
    """``{"unit": "minutes", "value": 5}``."""

    value: float
    unit: str

    def __str__(self) -> str:
        value = int(self.value) if float(self.value).is_integer() else self.value
        return f"{value} {self.unit}"


@attrs.frozen(kw_only=True)
class Condition:
    """``variable operator argument``; the argument is kept as written (usually a string)."""

    variable: str
    operator: str
    argument: Any = None

    def __str__(self) -> str:
        if self.argument is None:
            return f"{self.variable} {self.operator}"
        return f"{self.variable} {self.operator} {self.argument!r}"


@attrs.frozen(kw_only=True)
class ConditionGroup:
    """``{"all": [...]}`` (every item holds) or ``{"any": [...]}`` (one item holds)."""

    mode: str  # "all" or "any"
    items: tuple[Condition | ConditionGroup, ...]


@attrs.frozen(kw_only=True)
class ChannelStep:
    """A channel step: renders ``template`` for ``channel_type`` and sends a message.

    ``template_files`` maps a template field (``"html_body"``) to the file it came from,
    relative to the workflow directory, so a render error can name the file.
    """

    ref: str
    channel_type: str
    channel_key: str | None = None
    channel_group_key: str | None = None
    template: Mapping[str, Any] = attrs.field(factory=dict)
    template_files: Mapping[str, str] = attrs.field(factory=dict)
    send_windows: tuple[Mapping[str, Any], ...] = ()
    conditions: ConditionGroup | None = None
    name: str | None = None
    type: str = "channel"


@attrs.frozen(kw_only=True)
class DelayStep:
    """Wait ``delay_for``, or until the timestamp at ``delay_until_field_path`` (plus
    ``delay_for`` as an offset when both are set)."""

    ref: str
    delay_for: Duration | None = None
    delay_until_field_path: str | None = None
    conditions: ConditionGroup | None = None
    name: str | None = None
    type: str = "delay"


@attrs.frozen(kw_only=True)
class BatchStep:
    """Collect later triggers for the same recipient (and batch key) as activities."""

    ref: str
    window: Duration | None = None
    until_field_path: str | None = None
    window_type: str = "fixed"  # or "sliding"
    extension_limit: Duration | None = None
    batch_key: str | None = None
    order: str = "asc"  # "asc": the first activities are rendered; "desc": the last
    max_activities: int | None = None
    render_limit: int = 10
    flush_leading: bool = False
    conditions: ConditionGroup | None = None
    name: str | None = None
    type: str = "batch"


@attrs.frozen(kw_only=True)
class ThrottleStep:
    """Let at most ``limit`` runs per recipient (and throttle key) through per window."""

    ref: str
    window: Duration | None = None
    window_field_path: str | None = None
    throttle_key: str | None = None
    limit: int = 1
    conditions: ConditionGroup | None = None
    name: str | None = None
    type: str = "throttle"


@attrs.frozen(kw_only=True)
class Branch:
    """One branch; a branch without conditions is the default and always matches."""

    name: str
    steps: tuple[Step, ...]
    conditions: ConditionGroup | None = None
    terminates: bool = False


@attrs.frozen(kw_only=True)
class BranchStep:
    """Run the steps of the first branch whose conditions hold."""

    ref: str
    branches: tuple[Branch, ...]
    name: str | None = None
    type: str = "branch"
    conditions: None = None  # Knock allows no conditions on the branch step itself


@attrs.frozen(kw_only=True)
class FetchStep:
    """An HTTP fetch (``http_fetch``): a request template whose JSON answer is merged
    into ``data``. ``headers``/``query_params`` are key-value lists or one template."""

    ref: str
    method: str = "get"
    url: str = ""
    headers: tuple[tuple[str, str], ...] | str = ()
    query_params: tuple[tuple[str, str], ...] | str = ()
    body: str | None = None
    conditions: ConditionGroup | None = None
    name: str | None = None
    type: str = "http_fetch"


@attrs.frozen(kw_only=True)
class UpdateDataStep:
    """``update_data``: a template rendering to a JSON object merged into ``data``."""

    ref: str
    data: str
    conditions: ConditionGroup | None = None
    name: str | None = None
    type: str = "update_data"


@attrs.frozen(kw_only=True)
class UnsupportedStep:
    """A step type the local engine loads but does not run (``ai_agent``,
    ``trigger_workflow``, ``update_user``, ...); a run records it as skipped."""

    ref: str
    type: str
    settings: Mapping[str, Any] = attrs.field(factory=dict)
    conditions: ConditionGroup | None = None
    name: str | None = None


Step = ChannelStep | DelayStep | BatchStep | ThrottleStep | BranchStep | FetchStep | UpdateDataStep | UnsupportedStep


@attrs.frozen(kw_only=True)
class WorkflowDefinition:
    """A workflow as its ``workflow.json`` (and template files) define it.

    ``conditions`` are the trigger step's conditions: when they do not hold, a run halts
    before its first step. ``path`` is the workflow directory it was loaded from, if any.
    """

    key: str
    steps: tuple[Step, ...]
    name: str = ""
    categories: tuple[str, ...] = ()
    conditions: ConditionGroup | None = None
    commercial: bool = False
    override_preferences: bool = False
    trigger_frequency: str = "every_trigger"
    description: str | None = None
    path: Path | None = None

    def walk(self) -> Iterator[Step]:
        """Every step, depth first, branch steps before the steps of their branches."""
        yield from _walk(self.steps)

    def step(self, ref: str) -> Step:
        """The step with this ref (KeyError if none)."""
        for step in self.walk():
            if step.ref == ref:
                return step
        raise KeyError(f"workflow {self.key!r} has no step with ref {ref!r}")


def _walk(steps: tuple[Step, ...]) -> Iterator[Step]:
    for step in steps:
        yield step
        if isinstance(step, BranchStep):
            for branch in step.branches:
                yield from _walk(branch.steps)
