"""A local Knock workflow engine, with no HTTP and no store: load a workflow directory
(the layout ``knock pull`` writes), trigger runs, move a clock, read what each step did
(messages rendered with Liquid, steps skipped and why, runs held until a time).

Importing this package loads no template engine: python-liquid (the ``local`` extra) is
imported the first time a template is rendered.
"""

from __future__ import annotations

from knockkit.testing.engine.clock import Clock
from knockkit.testing.engine.conditions import Verdict, evaluate
from knockkit.testing.engine.content import (
    ChatContent,
    Content,
    EmailContent,
    HttpRequest,
    InAppFeedContent,
    PushContent,
    SmsContent,
)
from knockkit.testing.engine.engine import Engine
from knockkit.testing.engine.loader import WorkflowFileError, load_workflow, load_workflows
from knockkit.testing.engine.model import (
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
from knockkit.testing.engine.render import Renderer, TemplateError
from knockkit.testing.engine.runs import MessageState, Run, StepOutcome, Trigger, TriggerResult
from knockkit.testing.engine.steps import FetchHook, GateHook

__all__ = [
    "BatchStep",
    "Branch",
    "BranchStep",
    "ChannelStep",
    "ChatContent",
    "Clock",
    "Condition",
    "ConditionGroup",
    "Content",
    "DelayStep",
    "Duration",
    "EmailContent",
    "Engine",
    "FetchHook",
    "FetchStep",
    "GateHook",
    "HttpRequest",
    "InAppFeedContent",
    "MessageState",
    "PushContent",
    "Renderer",
    "Run",
    "SmsContent",
    "Step",
    "StepOutcome",
    "TemplateError",
    "ThrottleStep",
    "Trigger",
    "TriggerResult",
    "UnsupportedStep",
    "UpdateDataStep",
    "Verdict",
    "WorkflowDefinition",
    "WorkflowFileError",
    "evaluate",
    "load_workflow",
    "load_workflows",
]
