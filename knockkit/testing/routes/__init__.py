"""Knock's HTTP surface over the fake's state: one module per resource family, each
registering its handlers in the route table of `knockkit.testing.routes.table`."""

from __future__ import annotations

# Imported for their routes (no two templates tie, so the order does not matter:
# test_fake_server checks it).
from knockkit.testing.routes import (  # noqa: F401
    audiences,
    bulk,
    feeds,
    messages,
    objects,
    providers,
    schedules,
    tenants,
    users,
    workflows,
)
from knockkit.testing.routes.table import Call, Reply, dispatch, fault_reply, parse_query

__all__ = ["Call", "Reply", "dispatch", "fault_reply", "parse_query"]
