"""A retried trigger never runs a workflow twice.

500 triggers go through a server that fails a seeded random share of attempts, some
before doing anything (a 500, a reset) and some after starting the run (then answering
500, closing or resetting the connection, so the client cannot know it worked). Like
Knock, the server deduplicates runs by Idempotency-Key. It fails one key at most twice,
so every trigger succeeds within the client's two retries; the test then checks that
the server holds exactly 500 runs and that each trigger returned its own run. With an
AsyncClient the 500 triggers are sent at once, on one event loop.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter

import knockkit
from knockkit import workflows
from knockkit.models import TriggerResult
from tests.reliability._server import Action, Close, FaultServer, Request, Reset, json_response, knock_error
from tests.reliability.conftest import make_client

TRIGGERS = 500
SEED = 20240501
FAILURE_SHARE = 0.35
MAX_FAILURES_PER_KEY = 2  # = the client's max_retries, so every trigger can succeed

BEFORE = ("500 before running", "reset before running")
AFTER = ("ran, then 500", "ran, then closed", "ran, then reset")


class IdempotentTriggers:
    """Knock's trigger endpoint, with its Idempotency-Key deduplication and injected faults."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.runs: dict[str, str] = {}  # idempotency key -> workflow run id
        self.attempts: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.ran_then_failed: set[str] = set()  # keys whose run started on an attempt that then failed
        self.replays = 0

    def __call__(self, request: Request) -> Action:
        key = request.headers["idempotency-key"]
        with self.lock:
            self.attempts[key] += 1
            outcome = "ok"
            if self.failures[key] < MAX_FAILURES_PER_KEY and self.rng.random() < FAILURE_SHARE:
                outcome = self.rng.choice(BEFORE + AFTER)
                self.failures[key] += 1
            self.outcomes[outcome] += 1
            if outcome in BEFORE:
                return knock_error(500) if outcome == BEFORE[0] else Reset()
            replayed = key in self.runs
            if not replayed:
                self.runs[key] = f"run_{len(self.runs) + 1:04d}"
            run_id = self.runs[key]
            if outcome in AFTER:
                self.ran_then_failed.add(key)
            elif replayed:
                self.replays += 1
        if outcome == "ok":
            headers = {"idempotent-replayed": "true"} if replayed else {}
            return json_response(200, {"workflow_run_id": run_id}, **headers)
        return {"ran, then 500": knock_error(500), "ran, then closed": Close(), "ran, then reset": Reset()}[outcome]


def send_all(client: knockkit.Client) -> list[TriggerResult]:
    """The 500 triggers: one after another with a Client, all at once on one loop with an AsyncClient."""
    if not isinstance(client, knockkit.AsyncClient):
        return [workflows.trigger(client, "dinosaurs-loose", recipients=[f"user-{i}"], data={"i": i})
                for i in range(TRIGGERS)]  # fmt: skip

    async def at_once() -> list[TriggerResult]:
        calls = [workflows.trigger(client, "dinosaurs-loose", recipients=[f"user-{i}"], data={"i": i})
                 for i in range(TRIGGERS)]  # fmt: skip
        return list(await asyncio.gather(*calls))

    return asyncio.run(at_once())


def test_500_triggers_through_a_failing_server_make_exactly_500_runs(server: FaultServer, transport: str) -> None:
    service = IdempotentTriggers(SEED)
    server.handler = service
    # A generous deadline: with 100 connections at once the loopback server answers slowly, and
    # a timeout would be one more failure than the budget of retries allows for.
    # Two retries more than the server's faults need: on a loaded machine an attempt may also
    # time out or be refused, and the test is about duplicates, not about that budget.
    client = make_client(server, transport, backoff_factor=0.001, max_retries=MAX_FAILURES_PER_KEY + 2, timeout=10.0)

    results = send_all(client)

    # Exactly one run per logical trigger, and each trigger got its own run back.
    assert len(service.runs) == TRIGGERS
    assert len(service.attempts) == TRIGGERS  # a retry never came with a new key
    assert sorted(r.workflow_run_id for r in results) == sorted(service.runs.values())
    # Every request the server saw for a trigger was for the same recipients.
    by_key: dict[str, set[str]] = {}
    for request in server.requests:
        by_key.setdefault(request.headers["idempotency-key"], set()).add(str(request.json()["recipients"]))
    assert all(len(bodies) == 1 for bodies in by_key.values())

    # The faults really happened, on both sides of the run.
    assert sum(service.attempts.values()) == len(server.requests) > TRIGGERS * 1.2
    assert all(service.outcomes[kind] >= 10 for kind in BEFORE + AFTER), service.outcomes
    # Each trigger whose run started on a failed attempt was answered by a replay of that run
    # (more replays only if an answer was also lost to the machine's load).
    assert service.replays >= len(service.ran_then_failed) >= 50


def test_a_caller_supplied_key_is_kept_across_calls(server: FaultServer) -> None:
    # A caller that retries a failed trigger itself reuses its own key: still one run.
    service = IdempotentTriggers(SEED)
    server.handler = service
    client: knockkit.Client = make_client(server, backoff_factor=0.001, max_retries=0)
    results = []
    for _ in range(20):
        try:
            results.append(
                workflows.trigger(client, "dinosaurs-loose", recipients=["u1"], idempotency_key="order-1234")
            )
        except knockkit.KnockError:
            continue
    assert len(service.runs) == 1 and set(service.attempts) == {"order-1234"}
    assert results and {r.workflow_run_id for r in results} == {"run_0001"}
