"""FakeKnock: Knock's API served on 127.0.0.1 (state in memory, or in an SQLite file), for
tests and local runs.

The class is assembled from its parts: reading and asserting (``_inspect.py``), injected
faults (``_faults.py``), Slack and Teams declarations (``_providers.py``); the HTTP serving
is ``_http_server.py``, the state ``stores/``, the handlers ``routes/``, the state file and
the real-time timer ``_upkeep.py`` (with ``persistence.py``).
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Iterable, Mapping
from math import inf
from types import TracebackType
from typing import TYPE_CHECKING, Any

from knockkit._client import AsyncClient, Client
from knockkit.testing._faults import Fault, FaultInjection
from knockkit.testing._http_server import MAX_CONNECTIONS, FakeServer, RecordedRequest
from knockkit.testing._inspect import Inspection, RecipientRun
from knockkit.testing._providers import FAKE_SLACK_TEAM_ID, ProviderDeclarations
from knockkit.testing._upkeep import Upkeep
from knockkit.testing.inbox import Inbox
from knockkit.testing.routes import Reply, dispatch, fault_reply
from knockkit.testing.stores import (
    JsonDict,
    KnockFault,
    State,
    Step,
    Workflow,
    default_channel_id,
    make_step,
    rkey_of,
)

if TYPE_CHECKING:
    from knockkit.testing._local import LocalWorkflows
    from knockkit.testing.engine import Clock

__all__ = ["FAKE_API_KEY", "FAKE_SLACK_TEAM_ID", "FakeKnock", "RecipientRun", "RecordedRequest"]

#: The secret key a FakeKnock accepts unless told otherwise.
FAKE_API_KEY = "sk_test_knockkit_fake_0000"
_HOST = "127.0.0.1"  # the fake never listens beyond loopback
_UNROUTED = {"errors": {"detail": "404 Not Found"}}  # Knock's answer for a path it does not route


class FakeKnock(Inspection, FaultInjection, ProviderDeclarations):
    """A stateful fake of Knock's API on ``127.0.0.1``, in a background thread.

    It serves users, objects, tenants (the objects of ``$tenants``), preferences, channel
    data, subscriptions, audiences, workflows (trigger and cancel), messages (with their
    contents, events and activities), feeds, schedules, bulk operations and the Slack and
    Microsoft Teams provider calls with the paths and JSON shapes of Knock's API, and runs
    the workflows a test declares:

    ```python
    with FakeKnock() as fake:
        fake.add_workflow("dinosaurs-loose", steps=["in_app_feed", "email"])
        client = fake.client()
        users.identify(client, "jhammond", {"email": "jhammond@ingen.net"})
        workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"])
        fake.assert_message_sent(recipient="jhammond", channel_type="email")
    ```

    The server starts when the object is made and stops on ``close`` (or leaving the
    ``with`` block). Every method is thread-safe: one lock guards all state.

    ``db=PATH`` keeps the state in an SQLite file (created if missing): a new FakeKnock on
    the same file starts where the last one stopped (a file of another schema version is a
    ``StateFileError``). ``real_time=True`` continues held runs of loaded workflows when
    their delay or batch window ends on the wall clock, with no request arriving.
    ``idle_timeout`` is how many seconds a connection may stay silent, between requests or
    part-way through one, before the fake closes it; past ``max_connections`` open connections
    the one idle longest is closed to make room (with none idle, new ones wait to be accepted).
    """

    def __init__(self, *, port: int = 0, api_key: str = FAKE_API_KEY, log: bool = False,
                 workflows_dir: str | os.PathLike[str] | None = None, vars: Mapping[str, Any] | None = None,
                 db: str | os.PathLike[str] | None = None, real_time: bool = False,
                 idle_timeout: float = 15.0, max_connections: int = MAX_CONNECTIONS) -> None:  # fmt: skip
        if isinstance(idle_timeout, bool) or not isinstance(idle_timeout, (int, float)) or not 0 < idle_timeout < inf:
            raise ValueError(f"idle_timeout must be a finite number of seconds > 0, got {idle_timeout!r}")
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) or max_connections < 1:
            raise ValueError(f"max_connections must be a whole number >= 1, got {max_connections!r}")
        self.api_key = api_key
        self._log = log
        self._vars = dict(vars or {})  # what templates of loaded workflows see as ``vars``
        self._state = State()
        self._upkeep = Upkeep(self._state, self._local, db=db, real_time=real_time)
        self._requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._latency = 0.0
        self._inbox = Inbox(self)  # the page at / (knockkit/testing/inbox)
        try:
            if workflows_dir is not None:
                self.load_workflows(workflows_dir)
            self._upkeep.start()
            self._server = FakeServer(
                (_HOST, port), self, idle_timeout=float(idle_timeout), max_connections=max_connections
            )
        except BaseException:
            self._upkeep.close()
            raise
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
        """A ``knockkit.Client`` for this fake: its key, its URL, retries that wait
        milliseconds, and ``Retry-After`` honoured up to one second. Keywords override."""
        return Client(**self._client_settings(overrides))

    def async_client(self, **overrides: Any) -> AsyncClient:
        """The same as ``client``, as a ``knockkit.AsyncClient``."""
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
        self._upkeep.close()

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
            self._upkeep.changed()

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
        ``release``, so it can be cancelled), ``Step`` values, or mappings such as
        ``{"type": "push", "channel_id": APNS_CHANNEL}``. A channel step without a channel id
        uses ``channel_id`` of its type.
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
            self._upkeep.changed()
        return workflow

    def load_workflows(self, path: str | os.PathLike[str]) -> list[str]:
        """Load the workflows in a Knock CLI directory (``knock workflow pull --all``): a
        folder per workflow with its ``workflow.json`` and template files. Triggering one
        runs it through the local engine (``knockkit.testing.engine``): templates are
        rendered with Liquid, conditions evaluated, delays and batches held on
        ``clock``. Returns the keys loaded; a malformed file raises
        ``WorkflowFileError`` naming it. A workflow declared with ``add_workflow``
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
            self._upkeep.watch(self._state.local)
        return self._state.local

    def add_audience(self, key: str) -> None:
        """Declare an (empty) audience, as if made in Knock's dashboard: adding members to an
        audience that does not exist is a 404 unless the request says ``create_audience``."""
        if not isinstance(key, str) or not key:
            raise ValueError("an audience key must be a non-empty string")
        with self._state.lock:
            self._state.audiences.setdefault(key, {})
            self._upkeep.changed()

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
            self._upkeep.changed()
            return released

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
            if saved is not None:
                self._upkeep.changed()
        return reply if reply is not None else (404, _UNROUTED, {})

    def _record(self, request: RecordedRequest) -> None:
        with self._state.lock:
            self._requests.append(request)
