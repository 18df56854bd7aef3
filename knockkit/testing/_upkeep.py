"""What a FakeKnock does besides answering requests: keeping its state in a file
(``db=``) and, with ``real_time=True``, continuing held runs and firing schedules when they
fall due with no request arriving.

`Upkeep.changed` is called (with the state's lock held) after everything that may
change state: a request that is not a GET, a clock move, a release, a reset. It saves what
changed and wakes the timer, whose next due time may now be sooner.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knockkit.testing._local import LocalWorkflows
    from knockkit.testing.persistence import StateFile
    from knockkit.testing.stores import State

__all__ = ["Upkeep"]

#: The longest the timer sleeps without looking (a safety net: it is woken on every change).
_LONGEST_SLEEP = 60.0


class Upkeep:
    """The state file and the real-time timer of one FakeKnock."""

    def __init__(self, state: State, local: Callable[[], LocalWorkflows], *,
                 db: str | os.PathLike[str] | None, real_time: bool) -> None:  # fmt: skip
        self._state = state
        self._local = local  # makes the engine bridge on first use
        self._file: StateFile | None = None
        if db is not None:  # sqlite3 is imported only for a fake with a file
            from knockkit.testing.persistence import StateFile

            self._file = StateFile(db)
        self._real_time = real_time
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._timer: threading.Thread | None = None

    def start(self) -> None:
        """Load the file into the state (the engine is made when saved runs need it), and
        start the timer."""
        with self._state.lock:
            if self._file is not None:
                from knockkit.testing.persistence import needs_engine, restore

                families = self._file.load()
                if needs_engine(families):
                    self._local()
                restore(self._state, families)
                self._save()
            if self._real_time:
                self._local()
                self._timer = threading.Thread(target=self._run_timer, name="FakeKnock:real-time", daemon=True)
                self._timer.start()

    def watch(self, local: LocalWorkflows) -> None:
        """Save after every move of the engine's clock (the bridge continues the due runs first)."""
        local.engine.clock.subscribe(lambda _now: self._changed_locked())

    def _changed_locked(self) -> None:
        with self._state.lock:
            self.changed()

    def changed(self) -> None:
        self._save()
        self._wake.set()

    def _save(self) -> None:
        if self._file is not None:
            from knockkit.testing.persistence import snapshot

            self._file.save(snapshot(self._state))

    def close(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._timer is not None:
            self._timer.join(timeout=5)
        with self._state.lock:
            if self._file is not None:
                self._file.close()
                self._file = None  # a request still finishing saves nothing now

    # --- the real-time timer ----------------------------------------------------------------------

    def _run_timer(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # a change from here on wakes the wait below at once
            self._wake.wait(self._due_in())

    def _due_in(self) -> float:
        """Continue the runs that are due and fire the schedules that are; the seconds until the next."""
        with self._state.lock:
            local = self._state.local
            if local is None or self._stopping.is_set():
                return _LONGEST_SLEEP
            before = len(local.lines)
            local.run_due()
            fired = self._state.fire_due_schedules()
            if fired or len(local.lines) != before:
                self._save()
            wakes = [t for t in (local.engine.next_wake(), self._state.next_schedule_time()) if t is not None]
            if not wakes:
                return _LONGEST_SLEEP
            return min(_LONGEST_SLEEP, max(0.0, (min(wakes) - local.engine.clock.now()).total_seconds()))
