"""Where the examples run: the Knock API when KNOCK_API_KEY is set, else an embedded fake Knock.

Every example starts with :func:`connect` (multi_tenant.py, which needs two Knocks, with
:func:`embedded_fake`), so each says first thing which of the two it talks to:

- KNOCK_API_KEY set: a client of the declared instance ``ExampleKnock``, whose settings come
  from KNOCK_API_KEY, KNOCK_BASE_URL and KNOCK_BRANCH. Nothing is declared or created in the
  fake's way; ids the example needs come from environment variables (:meth:`Target.setting`).
- KNOCK_API_KEY unset: a :class:`knockkit.testing.FakeKnock` on 127.0.0.1, with the workflows
  the example declares, and ``ExampleKnock`` configured to talk to it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import knockkit
from knockkit import KnockInstance

if TYPE_CHECKING:
    from knockkit.testing import FakeKnock

__all__ = ["ExampleKnock", "Target", "connect", "embedded_fake", "real_knock", "say"]


class ExampleKnock(KnockInstance, app="knockkit-examples"):
    """The instance the examples talk through (multi_tenant.py declares two of its own)."""


def say(text: str = "") -> None:
    print(text, flush=True)


def real_knock() -> bool:
    """Whether the examples use the Knock API: KNOCK_API_KEY is set and not empty."""
    return bool(os.environ.get("KNOCK_API_KEY"))


@dataclasses.dataclass(frozen=True)
class Target:
    client: knockkit.Client
    #: the embedded fake, or None against the Knock API
    fake: FakeKnock | None

    def setting(self, var: str, fake_value: str, what: str) -> str | None:
        """An id the example needs: the fake's, or on Knock the variable ``var`` (None, saying
        what to set, when it is not set)."""
        if self.fake is not None:
            return fake_value
        value = os.environ.get(var)
        if not value:
            say(f"   skipped: set {var} to {what}")
            return None
        return value


@contextlib.contextmanager
def embedded_fake(label: str = "", *, api_key: str | None = None) -> Iterator[FakeKnock]:
    """Start a FakeKnock on 127.0.0.1 and say so; it stops when the block ends."""
    from knockkit.testing import FakeKnock

    with FakeKnock(**({"api_key": api_key} if api_key else {})) as fake:
        name = f" ({label})" if label else ""
        say(f"KNOCK_API_KEY is not set: running against an embedded fake Knock{name} at {fake.url}.")
        yield fake


@contextlib.contextmanager
def connect(
    instance: type[KnockInstance] = ExampleKnock,
    *,
    workflows: Mapping[str, Sequence[Any]] | None = None,
) -> Iterator[Target]:
    """A client of ``instance`` for the Knock API or for an embedded fake (see the module docstring).

    ``workflows`` (key -> steps) are declared in the fake only; on Knock they must exist already.
    """
    if real_knock():
        client = instance.client()  # KNOCK_API_KEY, KNOCK_BASE_URL and KNOCK_BRANCH, read now
        say(f"Running against the Knock API at {client.base_url} (KNOCK_API_KEY is set).")
        yield Target(client, None)
        return
    with embedded_fake() as fake:
        say("Nothing leaves this machine. Set KNOCK_API_KEY (sk_...) to run the same steps against Knock.")
        knockkit.configure(instance.app, instance, api_key=fake.api_key, base_url=fake.url)
        for key, steps in (workflows or {}).items():
            fake.add_workflow(key, steps)
            say(f"The fake's workflow {key!r}: {' -> '.join(getattr(s, 'type', s) for s in steps)}")
        yield Target(instance.client(), fake)
