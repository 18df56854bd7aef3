"""``workflow.json`` (with its template files joined in) to `WorkflowDefinition`.

Every problem raises `WorkflowFileError` naming the file and the field
(``steps[1].settings.delay_for.unit``). Keys the engine does not use are ignored, so a
workflow pulled from a newer Knock still loads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from knockkit.testing.engine.model import (
    CHANNEL_TYPES,
    DURATION_UNITS,
    OPERATORS,
    BatchStep,
    Branch,
    BranchStep,
    ChannelStep,
    Condition,
    ConditionGroup,
    DelayStep,
    Duration,
    FetchStep,
    Step,
    ThrottleStep,
    UnsupportedStep,
    UpdateDataStep,
    WorkflowDefinition,
)

__all__ = ["WorkflowFileError", "parse_workflow"]

_KEY = re.compile(r"^[a-z0-9_-]+$")
#: Knock's default step refs are "<channel type>_<n>"; a step without a channel_type is
#: read from its ref first, then from its template's fields.
_REF_PREFIXES = (
    ("in_app_feed_", "in_app_feed"), ("email_", "email"), ("sms_", "sms"), ("push_", "push"),
    ("chat_", "chat"), ("http_", "http"), ("webhook_", "http"),
)  # fmt: skip
_TEMPLATE_HINTS = (
    (("subject", "html_body", "visual_blocks"), "email"),
    (("title",), "push"),
    (("url", "method"), "http"),
    (("action_url", "action_buttons"), "in_app_feed"),
    (("json_body", "summary"), "chat"),
)
_METHODS = ("get", "post", "put", "delete", "patch")


class WorkflowFileError(ValueError):
    """A workflow directory that cannot be loaded; ``path`` and ``field`` say where."""

    def __init__(self, path: Path | str, field: str, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path}: {field}: {problem}" if field else f"{self.path}: {problem}")


class _Node:
    """A mapping being read, with the file it came from and the field path to it."""

    def __init__(self, file: Path, where: str, value: object) -> None:
        if not isinstance(value, Mapping):
            raise WorkflowFileError(file, where, f"must be an object, not {_kind(value)}")
        self.file, self.where, self.value = file, where, value

    def at(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def error(self, name: str, problem: str) -> WorkflowFileError:
        return WorkflowFileError(self.file, self.at(name), problem)

    def text(self, name: str, *, required: bool = False, choices: tuple[str, ...] = ()) -> str | None:
        value = self.value.get(name)
        if value is None:
            if required:
                raise self.error(name, "is required")
            return None
        if not isinstance(value, str):
            raise self.error(name, f"must be a string, not {_kind(value)}")
        if choices and value not in choices:
            raise self.error(name, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.value.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(name, f"must be a whole number from {low} to {high}, not {value!r}")
        return value

    def flag(self, name: str) -> bool:
        value = self.value.get(name, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(name, f"must be true or false, not {value!r}")
        return value

    def child(self, name: str, *, required: bool = False) -> _Node | None:
        value = self.value.get(name)
        if value is None:
            if required:
                raise self.error(name, "is required")
            return None
        return _Node(self.file, self.at(name), value)

    def items(self, name: str) -> list[tuple[str, object]]:
        """The entries of a list field, each with its field path (``steps[2]``)."""
        value = self.value.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(name, f"must be a list, not {_kind(value)}")
        return [(f"{self.at(name)}[{i}]", item) for i, item in enumerate(value)]


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), repr(value))


def parse_workflow(
    key: str, document: object, *, path: Path, files: Mapping[str, str] | None = None,
    channel_types: Mapping[str, str] | None = None,
) -> WorkflowDefinition:  # fmt: skip
    """A definition from a ``workflow.json`` document whose ``@`` files are joined in.

    ``files`` maps a joined field (``steps[0].template.html_body``) to its file;
    ``channel_types`` maps channel keys to channel types for steps that name neither.
    """
    if not _KEY.match(key):
        raise WorkflowFileError(path.parent, "", f"a workflow key must be lowercase letters, digits, - or _: {key!r}")
    root = _Node(path, "", document)
    reader = _StepReader(files or {}, channel_types or {})
    steps = reader.steps(root, "steps", required=True)
    settings = root.child("settings")
    categories = root.items("categories")
    for where, category in categories:
        if not isinstance(category, str):
            raise WorkflowFileError(path, where, f"must be a string, not {_kind(category)}")
    return WorkflowDefinition(
        key=key,
        name=root.text("name") or key,
        steps=steps,
        categories=tuple(str(c) for _, c in categories),
        conditions=_conditions(root, "conditions"),
        commercial=settings.flag("is_commercial") if settings else False,
        override_preferences=settings.flag("override_preferences") if settings else False,
        trigger_frequency=root.text(
            "trigger_frequency", choices=("every_trigger", "once_per_recipient", "once_per_recipient_per_tenant")
        ) or "every_trigger",
        description=root.text("description"),
        path=path.parent,
    )  # fmt: skip


class _StepReader:
    def __init__(self, files: Mapping[str, str], channel_types: Mapping[str, str]) -> None:
        self.files = files
        self.channel_types = channel_types
        self.refs: set[str] = set()

    def steps(self, node: _Node, name: str, *, required: bool = False) -> tuple[Step, ...]:
        if required and name not in node.value:
            raise node.error(name, "is required")
        return tuple(self.step(_Node(node.file, where, item)) for where, item in node.items(name))

    def step(self, node: _Node) -> Step:
        kind = node.text("type", required=True)
        ref = node.text("ref", required=True)
        assert kind is not None and ref is not None
        if ref in self.refs:
            raise node.error("ref", f"{ref!r} is used by another step (refs are unique per workflow)")
        self.refs.add(ref)
        common: dict[str, Any] = {"ref": ref, "name": node.text("name")}
        if kind == "branch":
            return BranchStep(branches=self.branches(node), **common)
        common["conditions"] = _conditions(node, "conditions")
        if kind == "channel":
            return self.channel(node, common)
        settings = node.child("settings", required=kind in ("delay", "batch", "throttle", "http_fetch", "update_data"))
        if kind == "delay":
            return _delay(node, settings, common)  # type: ignore[arg-type]
        if kind == "batch":
            return _batch(settings, common)  # type: ignore[arg-type]
        if kind == "throttle":
            return _throttle(settings, common)  # type: ignore[arg-type]
        if kind == "http_fetch":
            return _fetch(settings, common)  # type: ignore[arg-type]
        if kind == "update_data":
            return _update_data(settings, common)  # type: ignore[arg-type]
        return UnsupportedStep(type=kind, settings=dict(settings.value) if settings else {}, **common)

    def branches(self, node: _Node) -> tuple[Branch, ...]:
        entries = node.items("branches")
        if not entries:
            raise node.error("branches", "a branch step needs at least one branch")
        branches: list[Branch] = []
        for where, item in entries:
            branch = _Node(node.file, where, item)
            branches.append(Branch(
                name=branch.text("name") or f"branch {len(branches) + 1}",
                steps=self.steps(branch, "steps"),
                conditions=_conditions(branch, "conditions"),
                terminates=branch.flag("terminates"),
            ))  # fmt: skip
        return tuple(branches)

    def channel(self, node: _Node, common: dict[str, Any]) -> ChannelStep:
        template = node.child("template")
        template_value = dict(template.value) if template else {}
        channel_key = node.text("channel_key")
        kind = node.text("channel_type", choices=CHANNEL_TYPES) or self.channel_types.get(channel_key or "")
        kind = kind or _guess_channel_type(common["ref"], template_value)
        if kind is None:
            raise node.error(
                "channel_type",
                f"cannot tell the channel type of step {common['ref']!r} (channel_key {channel_key!r}); add "
                f"\"channel_type\": one of {', '.join(CHANNEL_TYPES)}",
            )
        if template is not None:
            _check_template(template, kind)
        prefix = f"{template.where}." if template else "\0"
        files = {field[len(prefix):]: file for field, file in self.files.items() if field.startswith(prefix)}
        windows = [item for _, item in node.items("send_windows")]
        return ChannelStep(
            channel_type=kind, channel_key=channel_key, channel_group_key=node.text("channel_group_key"),
            template=template_value, template_files=files,
            send_windows=tuple(w for w in windows if isinstance(w, Mapping)), **common,
        )  # fmt: skip


def _guess_channel_type(ref: str, template: Mapping[str, Any]) -> str | None:
    for prefix, kind in _REF_PREFIXES:
        if ref.startswith(prefix):
            return kind
    for fields, kind in _TEMPLATE_HINTS:
        if any(field in template for field in fields):
            return kind
    if set(template) - {"settings"} == {"text_body"}:
        return "sms"
    return None


def _check_template(template: _Node, kind: str) -> None:
    for field in ("subject", "html_body", "text_body", "title", "markdown_body", "json_body", "summary",
                  "action_url", "url", "body"):  # fmt: skip
        template.text(field)
    if kind == "email":
        template.text("subject", required=True)
        if "html_body" not in template.value and "visual_blocks" not in template.value:
            raise template.error("html_body", "an email template needs html_body or visual_blocks")
        for where, block in template.items("visual_blocks"):
            _Node(template.file, where, block).text("type", required=True)
    elif kind in ("sms", "push"):
        template.text("text_body", required=True)
    elif kind == "in_app_feed":
        template.text("markdown_body", required=True)
        for where, button in template.items("action_buttons"):
            button_node = _Node(template.file, where, button)
            button_node.text("label", required=True)
            button_node.text("action", required=True)
    elif kind == "chat" and "markdown_body" not in template.value and "json_body" not in template.value:
        raise template.error("markdown_body", "a chat template needs markdown_body or json_body")


def _duration(node: _Node, name: str) -> Duration | None:
    child = node.child(name)
    if child is None:
        return None
    unit = child.text("unit", required=True, choices=DURATION_UNITS)
    value = child.value.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise child.error("value", f"must be a number of {unit} (0 or more), not {value!r}")
    return Duration(value=value, unit=str(unit))


def _delay(node: _Node, settings: _Node, common: dict[str, Any]) -> DelayStep:
    delay_for = _duration(settings, "delay_for")
    until = settings.text("delay_until_field_path")
    if delay_for is None and until is None:
        raise settings.error("delay_for", "a delay step needs delay_for or delay_until_field_path")
    return DelayStep(delay_for=delay_for, delay_until_field_path=until, **common)


def _batch(settings: _Node, common: dict[str, Any]) -> BatchStep:
    window = _duration(settings, "batch_window")
    until = settings.text("batch_until_field_path")
    if window is None and until is None:
        raise settings.error("batch_window", "a batch step needs batch_window or batch_until_field_path")
    mode = settings.text("batch_execution_mode", choices=("accumulate", "flush_leading"))
    return BatchStep(
        window=window, until_field_path=until,
        window_type=settings.text("batch_window_type", choices=("fixed", "sliding")) or "fixed",
        extension_limit=_duration(settings, "batch_window_extension_limit"),
        batch_key=settings.text("batch_key"),
        order=settings.text("batch_order", choices=("asc", "desc")) or "asc",
        max_activities=settings.integer("batch_items_max_limit", 2, 1000),
        render_limit=settings.integer("batch_items_render_limit", 1, 100) or 10,
        flush_leading=mode == "flush_leading", **common,
    )  # fmt: skip


def _throttle(settings: _Node, common: dict[str, Any]) -> ThrottleStep:
    window = _duration(settings, "throttle_window")
    field_path = settings.text("throttle_window_field_path")
    if window is None and field_path is None:
        raise settings.error("throttle_window", "a throttle step needs throttle_window or throttle_window_field_path")
    return ThrottleStep(
        window=window, window_field_path=field_path, throttle_key=settings.text("throttle_key"),
        limit=settings.integer("throttle_limit", 1, 1_000_000) or 1, **common,
    )  # fmt: skip


def _pairs(node: _Node, name: str) -> tuple[tuple[str, str], ...] | str:
    """A key-value list (``[{"key": ..., "value": ...}]``) or one template string."""
    if isinstance(node.value.get(name), str):
        return str(node.value[name])
    pairs = []
    for where, item in node.items(name):
        pair = _Node(node.file, where, item)
        pairs.append((str(pair.text("key", required=True)), pair.text("value") or ""))
    return tuple(pairs)


def _fetch(settings: _Node, common: dict[str, Any]) -> FetchStep:
    method = (settings.text("method") or "get").lower()
    if method not in _METHODS:
        raise settings.error("method", f"must be one of {', '.join(_METHODS)}, not {method!r}")
    return FetchStep(
        method=method, url=str(settings.text("url", required=True)), headers=_pairs(settings, "headers"),
        query_params=_pairs(settings, "query_params"), body=settings.text("body"), **common,
    )  # fmt: skip


def _update_data(settings: _Node, common: dict[str, Any]) -> UpdateDataStep:
    data = settings.value.get("data")
    if isinstance(data, Mapping):
        data = json.dumps(data)
    if not isinstance(data, str):
        raise settings.error("data", "must be a JSON object or a template rendering to one")
    return UpdateDataStep(data=data, **common)


def _conditions(node: _Node, name: str) -> ConditionGroup | None:
    child = node.child(name)
    return None if child is None else _group(child)


def _group(node: _Node) -> ConditionGroup:
    modes = [mode for mode in ("all", "any") if mode in node.value]
    if len(modes) != 1:
        raise WorkflowFileError(node.file, node.where, 'conditions need exactly one of "all" or "any"')
    mode = modes[0]
    items: list[Condition | ConditionGroup] = []
    for where, item in node.items(mode):
        child = _Node(node.file, where, item)
        if "variable" not in child.value and ("all" in child.value or "any" in child.value):
            items.append(_group(child))
            continue
        operator = child.text("operator", required=True, choices=OPERATORS)
        items.append(Condition(variable=str(child.text("variable", required=True)), operator=str(operator),
                               argument=child.value.get("argument")))  # fmt: skip
    return ConditionGroup(mode=mode, items=tuple(items))
