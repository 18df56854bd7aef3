"""FakeKnock: Knock's API served from memory on 127.0.0.1, for tests and local runs."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import math
import os
import socketserver
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import attrs

from knockkit._client import AsyncClient, Client, mask_key
from knockkit.testing import inbox
from knockkit.testing._http_server import PooledHTTPServer
from knockkit.testing._routes import Reply, dispatch, fault_reply, parse_query
from knockkit.testing._state import (
    JsonDict,
    KnockFault,
    State,
    Step,
    Workflow,
    default_channel_id,
    describe_key,
    make_step,
    rkey_of,
)

if TYPE_CHECKING:
    from knockkit.models import Message, Object, Tenant, User
    from knockkit.testing._local import LocalWorkflows
    from knockkit.testing.engine import Clock

__all__ = ["FAKE_API_KEY", "FAKE_SLACK_TEAM_ID", "FakeKnock", "RecipientRun", "RecordedRequest"]

#: The secret key a FakeKnock accepts unless told otherwise.
FAKE_API_KEY = "sk_test_knockkit_fake_0000"
_HOST = "127.0.0.1"  # the fake never listens beyond loopback
#: The largest request body the fake reads (Knock's bulk requests stay far below it).
MAX_BODY = 8 * 1024 * 1024
_UNROUTED = {"errors": {"detail": "404 Not Found"}}  # Knock's answer for a path it does not route
#: The Slack workspace (team) id of declared Slack channels that do not name one.
FAKE_SLACK_TEAM_ID = "T0FAKEKNOCK"
_FAULT_BODIES = {
    429: ("rate_limit_exceeded", "rate_limit_error"),
    401: ("api_key_missing", "authentication_error"),
}


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """A request the fake received, as a test may want to assert on it."""

    method: str
    #: the path with each id percent-decoded (``/v1/users/a b``)
    path: str
    #: the path exactly as sent (``/v1/users/a%20b``)
    raw_path: str
    #: the query in Knock's style, parsed (``{"status": ["sent"], "inserted_at": {"gte": "..."}}``)
    query: Mapping[str, Any]
    #: headers as sent, except the API key in ``Authorization``, which is masked
    headers: Mapping[str, str]
    #: the parsed JSON body (the raw text if it was not JSON; ``None`` without a body)
    body: Any
    #: the status answered; ``None`` when the connection was dropped on purpose
    status: int | None
    request_id: str
    #: when the request arrived (UTC), and how long the fake took to answer it
    received_at: dt.datetime | None = None
    elapsed_ms: float | None = None

    def header(self, name: str) -> str | None:
        """A header by case-insensitive name."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@attrs.frozen(kw_only=True)
class RecipientRun:
    """One recipient's run of a triggered workflow, as the fake sees it."""

    id: str
    workflow_run_id: str
    workflow: str
    recipient: Any
    actor: Any
    tenant: str | None
    #: "processing" (held at a delay or batch step), "completed" or "cancelled"
    status: str
    cancellation_key: str | None
    #: the ref of the delay or batch step holding the run, if any
    held_at: str | None
    #: one line per channel step that sent nothing, with the reason
    skipped: tuple[str, ...]
    message_ids: tuple[str, ...]


@attrs.define
class _Fault:
    kind: str  # "fail", "drop" or "slow"
    remaining: int
    method: str | None
    path: str | None
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    processed: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or fnmatch.fnmatchcase(path, self.path)
        )


class FakeKnock:
    """A stateful fake of Knock's API on ``127.0.0.1``, in a background thread.

    It serves users, objects, tenants (the objects of ``$tenants``), preferences, channel
    data, subscriptions, audiences, workflows (trigger and cancel), messages (with their
    contents, events and activities), feeds, schedules, bulk operations and the Slack and
    Microsoft Teams provider calls with the paths and JSON shapes of Knock's API, and runs
    the workflows a test declares::

        with FakeKnock() as fake:
            fake.add_workflow("dinosaurs-loose", steps=["in_app_feed", "email"])
            client = fake.client()
            users.identify(client, "jhammond", {"email": "jhammond@ingen.net"})
            workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"])
            fake.assert_message_sent(recipient="jhammond", channel_type="email")

    The server starts when the object is made and stops on :meth:`close` (or leaving the
    ``with`` block). Every method is thread-safe: one lock guards all state.
    """

    def __init__(self, *, port: int = 0, api_key: str = FAKE_API_KEY, log: bool = False,
                 workflows_dir: str | os.PathLike[str] | None = None, vars: Mapping[str, Any] | None = None,
                 ) -> None:  # fmt: skip
        self.api_key = api_key
        self._log = log
        self._vars = dict(vars or {})  # what templates of loaded workflows see as ``vars``
        self._state = State()
        if workflows_dir is not None:
            self.load_workflows(workflows_dir)
        self._requests: list[RecordedRequest] = []
        self._faults: list[_Fault] = []
        self._latency = 0.0
        self._inbox = inbox.Inbox(self)  # the page at / (knockkit/testing/inbox)
        self._server = _Server((_HOST, port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"FakeKnock:{self.port}",
            daemon=True,
        )  # fmt: skip
        self._thread.start()
        self._closed = False

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to point a client at, e.g. ``http://127.0.0.1:53021``."""
        return f"http://{_HOST}:{self.port}"

    def client(self, **overrides: Any) -> Client:
        """A :class:`knockkit.Client` for this fake: its key, its URL, retries that wait
        milliseconds, and ``Retry-After`` honoured up to one second. Keywords override."""
        return Client(**self._client_settings(overrides))

    def async_client(self, **overrides: Any) -> AsyncClient:
        """The same as :meth:`client`, as a :class:`knockkit.AsyncClient`."""
        return AsyncClient(**self._client_settings(overrides))

    def _client_settings(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "api_key": self.api_key, "base_url": self.url, "backoff_factor": 0.001, "max_retry_after": 1.0,
        }  # fmt: skip
        settings.update(overrides)
        return settings

    def close(self) -> None:
        """Stop serving and close every open connection. Calling it twice is harmless."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    stop = close

    def __enter__(self) -> FakeKnock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<FakeKnock {self.url}{' closed' if self._closed else ''}>"

    def reset(self) -> None:
        """Forget everything: entities, declared workflows, messages, runs, recorded requests, faults,
        latency (workflows loaded from a directory stay loaded; their runs are forgotten)."""
        with self._state.lock:
            self._state.clear()
            if self._state.local is not None:
                self._state.local.reset()
            self._requests.clear()
            self._faults.clear()
            self._latency = 0.0

    # --- declaring workflows ---------------------------------------------------------------------

    def add_workflow(
        self,
        key: str,
        steps: Iterable[str | Step | Mapping[str, Any]] = ("in_app_feed",),
        *,
        categories: Iterable[str] = (),
        commercial: bool = False,
    ) -> Workflow:
        """Declare (or replace) a workflow the fake can run.

        ``steps`` are channel types (``"in_app_feed"``, ``"email"``, ``"sms"``, ``"push"``,
        ``"chat"``, ``"http"``), ``"delay"``/``"batch"`` (which hold the run until
        :meth:`release`, so it can be cancelled), :class:`Step` values, or mappings such as
        ``{"type": "push", "channel_id": APNS_CHANNEL}``. A channel step without a channel id
        uses :meth:`channel_id` of its type.
        """
        if not isinstance(key, str) or not key:
            raise ValueError("a workflow key must be a non-empty string")
        if isinstance(steps, (str, Step, Mapping)):
            steps = [steps]
        if isinstance(categories, str):
            categories = [categories]
        workflow = Workflow(
            key=key,
            steps=tuple(make_step(step, index) for index, step in enumerate(steps)),
            categories=tuple(categories),
            commercial=bool(commercial),
        )
        with self._state.lock:
            self._state.workflows[key] = workflow
        return workflow

    def load_workflows(self, path: str | os.PathLike[str]) -> list[str]:
        """Load the workflows in a Knock CLI directory (``knock workflow pull --all``): a
        folder per workflow with its ``workflow.json`` and template files. Triggering one
        runs it through the local engine (:mod:`knockkit.testing.engine`): templates are
        rendered with Liquid, conditions evaluated, delays and batches held on
        :attr:`clock`. Returns the keys loaded; a malformed file raises
        ``WorkflowFileError`` naming it. A workflow declared with :meth:`add_workflow`
        under the same key wins."""
        with self._state.lock:
            return self._local().load(path)

    def loaded_workflows(self) -> dict[str, list[str]]:
        """The workflows loaded from directories, each with its top-level step refs."""
        with self._state.lock:
            local = self._state.local
            if local is None:
                return {}
            return {key: [step.ref for step in d.steps] for key, d in sorted(local.engine.workflows.items())}

    @property
    def clock(self) -> Clock:
        """The clock loaded workflows run on (real time until moved): ``fake.clock.advance(minutes=5)``
        or ``fake.clock.set(when)`` continue the runs whose delay or batch window has passed."""
        with self._state.lock:
            return self._local().engine.clock

    def _local(self) -> LocalWorkflows:
        if self._state.local is None:
            from knockkit.testing._local import LocalWorkflows
            from knockkit.testing.engine import Clock

            self._state.local = LocalWorkflows(self._state, Clock(real_time=True), vars=self._vars,
                                               log=sys.stderr if self._log else None)  # fmt: skip
        return self._state.local

    def add_audience(self, key: str) -> None:
        """Declare an (empty) audience, as if made in Knock's dashboard: adding members to an
        audience that does not exist is a 404 unless the request says ``create_audience``."""
        if not isinstance(key, str) or not key:
            raise ValueError("an audience key must be a non-empty string")
        with self._state.lock:
            self._state.audiences.setdefault(key, {})

    # --- declaring what Slack and Microsoft Teams would list -------------------------------------

    def add_slack_channels(self, channel_id: str, channels: Iterable[Mapping[str, Any]]) -> None:
        """Declare the Slack channels the workspace connected to Knock channel ``channel_id``
        has, as ``providers.slack.list_channels`` lists them (once the token holder has
        ``{"token": {"access_token": ...}}`` channel data for that channel).

        Each is Slack's conversation: ``{"id": "C01", "name": "general"}`` plus, optionally,
        ``is_private``, ``is_im``, ``is_mpim``, ``is_archived`` (honoured by the ``types`` and
        ``exclude_archived`` options) and ``context_team_id`` (default :data:`FAKE_SLACK_TEAM_ID`).
        A channel with an id already declared replaces it."""
        defaults = {"is_private": False, "is_im": False, "context_team_id": FAKE_SLACK_TEAM_ID}
        self._declare(self._state.slack_channels, channel_id, channel_id, channels, ("id", "name"), defaults)

    def add_ms_teams_teams(self, channel_id: str, teams: Iterable[Mapping[str, Any]]) -> None:
        """Declare the Microsoft Teams teams (``{"id": ..., "displayName": ...}``, Graph's
        names) that ``providers.ms_teams.list_teams`` lists for Knock channel ``channel_id``
        (once the holder has ``{"ms_teams_tenant_id": ...}`` channel data for it)."""
        self._declare(self._state.ms_teams_teams, channel_id, channel_id, teams, ("id", "displayName"), {})

    def add_ms_teams_channels(self, channel_id: str, team_id: str, channels: Iterable[Mapping[str, Any]]) -> None:
        """Declare the channels of one Teams team (``{"id": ..., "displayName": ...}``; also
        ``isArchived``, default false, and ``membershipType``, default ``"standard"``). As on
        Knock, archived and ``"private"`` channels are left out of the list."""
        if not isinstance(team_id, str) or not team_id:
            raise ValueError("team_id must be a non-empty string")
        defaults = {"isArchived": False, "membershipType": "standard"}
        where = (channel_id, team_id)
        self._declare(self._state.ms_teams_channels, channel_id, where, channels, ("id", "displayName"), defaults)

    def _declare(
        self, store: dict[Any, list[JsonDict]], channel_id: str, where: Any, items: Iterable[Mapping[str, Any]],
        required: tuple[str, ...], defaults: Mapping[str, Any],
    ) -> None:  # fmt: skip
        if not isinstance(channel_id, str) or not channel_id:
            raise ValueError("channel_id (the Knock channel's id) must be a non-empty string")
        with self._state.lock:
            self._state.declare_provider_items(store, where, items, required, defaults)

    @staticmethod
    def channel_id(channel_type: str) -> str:
        """The channel id steps of ``channel_type`` use when declared without one (stable
        across fakes and runs): set push or chat channel data for this id."""
        return default_channel_id(channel_type)

    def release(
        self, workflow: str | None = None, *, recipient: str | Mapping[str, str] | None = None,
        cancellation_key: str | None = None,
    ) -> int:  # fmt: skip
        """Let held runs continue past their current delay or batch step (to the next one,
        or to the end). Narrow by workflow key, recipient and cancellation key; returns the
        number of recipient runs released."""
        wanted = rkey_of(recipient) if recipient is not None else None

        def chosen(run: JsonDict) -> bool:
            return (
                workflow in (None, run["workflow"]) and wanted in (None, run["_key"])
                and cancellation_key in (None, run["trigger_source"]["cancellation_key"])
            )  # fmt: skip

        with self._state.lock:
            released = self._state.release(chosen)
            if self._state.local is not None:
                released += self._state.local.release(chosen)
            return released

    # --- inspecting --------------------------------------------------------------------------------

    def messages(
        self,
        *,
        recipient: str | Mapping[str, str] | None = None,
        workflow: str | None = None,
        channel_type: str | None = None,
        status: str | None = None,
        tenant: str | None = None,
    ) -> list[Message]:
        """The messages the fake has created, oldest first, as :class:`knockkit.models.Message`."""
        from knockkit.models import Message, structure

        with self._state.lock:
            rendered = [self._state.render_message(m) for m in self._matching(recipient, workflow, channel_type)]
        return [
            structure(m, Message) for m in rendered
            if status in (None, m["status"]) and tenant in (None, m["tenant"])
        ]  # fmt: skip

    def _matching(self, recipient: object, workflow: str | None, channel_type: str | None) -> list[JsonDict]:
        wanted = rkey_of(recipient) if recipient is not None else None
        return sorted(
            (
                m for m in self._state.messages.values()
                if wanted in (None, m["_key"]) and workflow in (None, m["workflow"])
                and channel_type in (None, m["_channel_type"])
            ),
            key=lambda m: m["_seq"],
        )  # fmt: skip

    def assert_message_sent(
        self,
        *,
        recipient: str | Mapping[str, str] | None = None,
        workflow: str | None = None,
        channel_type: str | None = None,
        data: Mapping[str, Any] | None = None,
        count: int | None = None,
    ) -> list[Message]:
        """Assert that messages matching all the given criteria were created (exactly
        ``count`` of them, if given) and return them. ``data`` matches a subset of the
        trigger data. On failure the AssertionError lists every message sent, every step
        that sent nothing (with the reason) and every run still held or cancelled."""
        found = self._assert_count(recipient, workflow, channel_type, data)
        if (count is None and not found) or (count is not None and len(found) != count):
            wanted = "at least one message" if count is None else f"exactly {count} message{'s' * (count != 1)}"
            self._fail(f"expected {wanted}, found {len(found)}", recipient, workflow, channel_type, data)
        return found

    def assert_no_message_sent(
        self,
        *,
        recipient: str | Mapping[str, str] | None = None,
        workflow: str | None = None,
        channel_type: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Assert that no message matches all the given criteria."""
        found = self._assert_count(recipient, workflow, channel_type, data)
        if found:
            self._fail(f"expected no message, found {len(found)}", recipient, workflow, channel_type, data)

    def _assert_count(
        self, recipient: object, workflow: str | None, channel_type: str | None, data: Mapping[str, Any] | None
    ) -> list[Message]:
        from knockkit.models import Message, structure

        with self._state.lock:
            matching = [
                self._state.render_message(m) for m in self._matching(recipient, workflow, channel_type)
                if data is None or all((m["data"] or {}).get(k) == v for k, v in data.items())
            ]  # fmt: skip
        return [structure(m, Message) for m in matching]

    def _fail(self, what: str, recipient: object, workflow: str | None, channel_type: str | None,
              data: Mapping[str, Any] | None) -> None:  # fmt: skip
        criteria = {"recipient": recipient, "workflow": workflow, "channel_type": channel_type, "data": data}
        wanted = ", ".join(f"{k}={v!r}" for k, v in criteria.items() if v is not None) or "any message"
        raise AssertionError(f"{what} matching {wanted}\n{self.describe()}")

    def describe(self) -> str:
        """What the fake did, for people: messages sent, steps skipped and why, runs held or cancelled."""
        with self._state.lock:
            state = self._state
            messages = sorted(state.messages.values(), key=lambda m: m["_seq"])
            runs = sorted(state.runs.values(), key=lambda r: r["_seq"])
            lines = [f"Messages sent ({len(messages)}):"]
            lines += [
                f"  {m['workflow']} {m['_channel_type']} -> {describe_key(m['_key'])} [{m['status']}]"
                f" tenant={m['tenant']} data={json.dumps(m['data'], sort_keys=True)}"
                for m in messages
            ]
            skipped = [(r, e) for r in runs for e in r["_events"] if "skipped" in e]
            if skipped:
                lines.append(f"Steps that sent nothing ({len(skipped)}):")
                lines += [
                    f"  {r['workflow']} {e['step']} -> {describe_key(r['_key'])}: {e['skipped']}" for r, e in skipped
                ]
            waiting = [r for r in runs if r["status"] == "cancelled" or r.get("_held")]
            if waiting:
                lines.append(f"Runs held or cancelled ({len(waiting)}):")
                lines += [
                    f"  {r['workflow']} -> {describe_key(r['_key'])}: "
                    + (f"held at {r['_held']}" if r.get("_held") else "cancelled")
                    + f" (cancellation_key={r['trigger_source']['cancellation_key']!r})"
                    for r in waiting
                ]
            if not state.workflows:
                lines.append("No workflows declared: call fake.add_workflow(key, steps=[...]) first.")
        return "\n".join(lines)

    def runs(
        self, *, workflow: str | None = None, recipient: str | Mapping[str, str] | None = None,
        status: str | None = None,
    ) -> list[RecipientRun]:  # fmt: skip
        """The recipient runs of triggered workflows, oldest first."""
        wanted = rkey_of(recipient) if recipient is not None else None
        with self._state.lock:
            return [
                RecipientRun(
                    id=r["id"], workflow_run_id=r["workflow_run_id"], workflow=r["workflow"],
                    recipient=r["recipient"], actor=r["actor"], tenant=r["tenant"], status=r["status"],
                    cancellation_key=r["trigger_source"]["cancellation_key"], held_at=r.get("_held"),
                    skipped=tuple(f"{e['step']}: {e['skipped']}" for e in r["_events"] if "skipped" in e),
                    message_ids=tuple(e["message_id"] for e in r["_events"] if "message_id" in e),
                )
                for r in sorted(self._state.runs.values(), key=lambda r: r["_seq"])
                if workflow in (None, r["workflow"]) and wanted in (None, r["_key"])
                and status in (None, r["status"])
            ]  # fmt: skip

    def user(self, user_id: str) -> User | None:
        """The user as Knock would return it, or None."""
        from knockkit.models import User, structure

        with self._state.lock:
            user = self._state.users.get(user_id)
            rendered = self._state.render_user(user) if user else None
        return structure(rendered, User) if rendered else None

    def object(self, collection: str, object_id: str) -> Object | None:
        from knockkit.models import Object, structure

        with self._state.lock:
            obj = self._state.objects.get((collection, object_id))
            rendered = self._state.render_object(obj) if obj else None
        return structure(rendered, Object) if rendered else None

    def tenant(self, tenant_id: str) -> Tenant | None:
        from knockkit.models import Tenant, structure

        with self._state.lock:
            tenant = self._state.tenant(tenant_id)
            rendered = self._state.render_tenant(tenant) if tenant else None
        return structure(rendered, Tenant) if rendered else None

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in the order answered (a copy)."""
        with self._state.lock:
            return list(self._requests)

    # --- faults ------------------------------------------------------------------------------------

    def fail_next(
        self, n: int = 1, *, status: int = 503, retry_after: float | None = None, method: str | None = None,
        path: str | None = None,
    ) -> None:  # fmt: skip
        """Answer the next ``n`` matching requests with ``status`` in Knock's error shape,
        without touching state. ``retry_after`` (seconds, rounded up) adds a Retry-After
        header; ``method`` and ``path`` (a glob such as ``/v1/workflows/*/trigger``) narrow it."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an error status (400-599)")
        self._add_fault(_Fault("fail", n, method, path, status=status, retry_after=retry_after))

    def drop_next(
        self, n: int = 1, *, method: str | None = None, path: str | None = None, processed: bool = False
    ) -> None:
        """Close the connection of the next ``n`` matching requests without answering.

        With ``processed=True`` the request is handled first (state changes, as when a
        response is lost on the way back), which is what idempotency keys protect against."""
        self._add_fault(_Fault("drop", n, method, path, processed=processed))

    def slow_next(self, n: int = 1, *, seconds: float, method: str | None = None, path: str | None = None) -> None:
        """Wait ``seconds`` before answering the next ``n`` matching requests."""
        self._add_fault(_Fault("slow", n, method, path, seconds=seconds))

    @property
    def latency(self) -> float:
        """Seconds added before every answer (0 by default)."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must be >= 0 seconds")
        with self._state.lock:
            self._latency = float(seconds)

    def _add_fault(self, fault: _Fault) -> None:
        if isinstance(fault.remaining, bool) or not isinstance(fault.remaining, int) or fault.remaining < 1:
            raise ValueError("n must be a whole number >= 1")
        fault.method = fault.method.upper() if fault.method else None
        with self._state.lock:
            self._faults.append(fault)

    def _take_faults(self, method: str, path: str) -> tuple[_Fault | None, float]:
        """The fail/drop fault this request meets (if any), and how long to wait first."""
        with self._state.lock:
            delay = self._latency
            chosen: _Fault | None = None
            for fault in self._faults:
                if fault.remaining and fault.matches(method, path):
                    if fault.kind == "slow":
                        delay += fault.seconds
                        fault.remaining -= 1
                    elif chosen is None:
                        chosen = fault
                        fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining]
            return chosen, delay

    # --- answering (called by the handler threads) -------------------------------------------------

    def _answer(self, method: str, segments: list[str], query: Mapping[str, Any], body: Any,
                headers: Mapping[str, str], bad_json: bool) -> Reply:  # fmt: skip
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return fault_reply(KnockFault(401, "api_key_missing", "No valid API key provided", "authentication_error"))
        if bad_json:
            return fault_reply(KnockFault(400, "invalid_json", "The request body is not valid JSON"))
        with self._state.lock:
            # A refused request changes nothing (a trigger refused for its tenth recipient
            # must not have identified the first nine): undo its writes.
            saved = self._state.checkpoint() if method != "GET" else None
            try:
                reply = dispatch(self._state, method, segments, query, body, headers)
            except KnockFault as fault:
                if saved is not None:
                    self._state.restore(saved)
                return fault_reply(fault)
            except Exception as exc:  # a bug in the fake: say so plainly rather than hang the client
                traceback.print_exc(file=sys.stderr)
                message = f"FakeKnock failed on {method} /{'/'.join(segments)}: {type(exc).__name__}: {exc}"
                return fault_reply(KnockFault(500, "fake_knock_error", message, "api_error"))
        return reply if reply is not None else (404, _UNROUTED, {})

    def _record(self, request: RecordedRequest) -> None:
        with self._state.lock:
            self._requests.append(request)


def _fault_reply(fault: _Fault) -> Reply:
    if fault.status in _FAULT_BODIES:
        code, kind = _FAULT_BODIES[fault.status]
    elif fault.status >= 500:
        code, kind = "service_unavailable", "api_error"
    else:
        code, kind = "bad_request", "invalid_request_error"
    message = f"injected by FakeKnock.fail_next (status {fault.status})"
    status, body, headers = fault_reply(KnockFault(fault.status, code, message, kind))
    if fault.retry_after is not None:
        headers["Retry-After"] = str(max(0, math.ceil(fault.retry_after)))
    return status, body, headers


class _Server(PooledHTTPServer):
    def __init__(self, address: tuple[str, int], fake: FakeKnock) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can be slow; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout, a closed pool) is normal in tests: no traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as urllib3's pools expect
    timeout = 10.0  # seconds each read of a request may wait (a client that stalls mid-request)
    # Small answers on a kept-alive connection: without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK add about 40 ms to every request.
    disable_nagle_algorithm = True
    server: _Server

    def handle(self) -> None:
        # One request per call: between requests the connection waits in the server's
        # selector, without a thread (PooledHTTPServer).
        self.close_connection = True
        self.handle_one_request()

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _handle(self) -> None:
        fake = self.server.fake
        received, started = dt.datetime.now(dt.timezone.utc), time.perf_counter()
        request_id = uuid.uuid4().hex
        split = urlsplit(self.path)
        stripped = split.path.strip("/")
        segments = [unquote(s) for s in stripped.split("/")] if stripped else []
        path = "/" + "/".join(segments)
        refused = self._unreadable_request()
        if refused is not None:
            # The connection is closed after the answer: what follows cannot be framed.
            self.close_connection = True
            self._send(fault_reply(refused), request_id)
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):
                body, bad_json = raw.decode("utf-8", "replace"), True
        headers = {k.lower(): v for k, v in self.headers.items()}
        if inbox.handles(path):  # the inbox page and its JSON: not Knock's API, not recorded
            self._send(fake._inbox.answer(self.command, path, headers, raw), request_id)
            return
        try:
            query = parse_query(split.query)
        except KnockFault as refusal:
            self._send(fault_reply(refusal), request_id)
            return
        fault, delay = fake._take_faults(self.command, path)
        if delay:
            time.sleep(delay)
        if fault is not None and fault.kind == "drop":
            if fault.processed:
                fake._answer(self.command, segments, query, body, headers, bad_json)
            reply: Reply | None = None
        elif fault is not None:
            reply = _fault_reply(fault)
        else:
            reply = fake._answer(self.command, segments, query, body, headers, bad_json)
        fake._record(
            RecordedRequest(
                method=self.command, path=path, raw_path=split.path, query=query, headers=_masked(self.headers.items()),
                body=body, status=reply[0] if reply else None, request_id=request_id, received_at=received,
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )
        )  # fmt: skip
        if reply is None:
            self.close_connection = True  # no answer: the client sees the connection close
        else:
            self._send(reply, request_id)
        if fake._log:
            outcome = reply[0] if reply else "dropped"
            elapsed = (time.perf_counter() - started) * 1000
            sys.stderr.write(f"{self.command} {self.path} -> {outcome} ({elapsed:.1f} ms)\n")

    def _unreadable_request(self) -> KnockFault | None:
        """A body the fake will not read: no usable Content-Length, or too large."""
        if self.headers.get("Transfer-Encoding"):
            return KnockFault(400, "invalid_request", "send the body with a Content-Length, not Transfer-Encoding")
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return None
        value = lengths[0].strip()
        if len(lengths) > 1 or not (value.isascii() and value.isdigit()):
            return KnockFault(400, "invalid_request", "Content-Length must be one non-negative whole number")
        if int(value) > MAX_BODY:
            return KnockFault(413, "request_too_large", f"the body is over {MAX_BODY} bytes")
        return None

    def _send(self, reply: Reply, request_id: str) -> None:
        status, body, extra = reply  # a bytes body comes with its own Content-Type (the inbox's)
        data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None and not isinstance(body, bytes):
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", request_id)
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # _handle logs one line per request when asked to


def _masked(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as sent, with the API key replaced by its kind (``Bearer sk_test_***``)."""
    masked = {}
    for name, value in headers:
        if name.lower() == "authorization" and value.startswith("Bearer "):
            value = "Bearer " + mask_key(value[7:]).strip("'")
        masked[name] = value
    return masked
