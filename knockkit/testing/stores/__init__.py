"""The fake's state, one module per resource family.

`State` is every store at once: each family's class builds on the one below it
(``base`` holds the data of all of them), so a family only calls what is defined below
it. Callers hold ``State.lock``; nothing here knows about HTTP.

======================  =============================================================
``base.py``             the data (every family's dicts), sequence, checkpoints; helpers
``workflows.py``        declared workflows (``Step``, ``Workflow``), preference rules
``preferences.py``      preference sets and channel data (users and objects)
``users.py``            users: identify, merge, delete, render
``objects.py``          objects, subscriptions, recipients (user or object)
``tenants.py``          tenants (the objects of ``$tenants``)
``audiences.py``        audience members
``providers.py``        Slack and Microsoft Teams: tokens held, declared channels
``messages.py``         messages, engagement, events, contents, feed items
``bulk.py``             bulk operations
``runs.py``             recipient runs of declared workflows: trigger, hold, cancel
``schedules.py``        schedules, and firing them when the clock passes their time
======================  =============================================================
"""

from __future__ import annotations

from knockkit.testing.stores.base import (
    TENANTS,
    JsonDict,
    KnockFault,
    RKey,
    describe_key,
    invalid,
    not_found,
    parse_time,
    rkey_of,
)
from knockkit.testing.stores.schedules import SchedulesStore
from knockkit.testing.stores.workflows import (
    CHANNEL_TYPES,
    CONTENT_CHANNEL_TYPES,
    HOLD_STEPS,
    Step,
    Workflow,
    default_channel_id,
    make_step,
    preference_block,
)

__all__ = [
    "CHANNEL_TYPES",
    "CONTENT_CHANNEL_TYPES",
    "HOLD_STEPS",
    "TENANTS",
    "JsonDict",
    "KnockFault",
    "RKey",
    "State",
    "Step",
    "Workflow",
    "default_channel_id",
    "describe_key",
    "invalid",
    "make_step",
    "not_found",
    "parse_time",
    "preference_block",
    "rkey_of",
]


class State(SchedulesStore):
    """Every entity the fake knows and the Knock semantics applied to it (all the stores)."""
