"""knockkit.testing: a stateful fake of Knock's API for tests (moto for Knock).

```python
from knockkit.testing import FakeKnock

with FakeKnock() as fake:
    fake.add_workflow("dinosaurs-loose", steps=["in_app_feed", "email"])
    client = fake.client()
    ...
    fake.assert_message_sent(recipient="jhammond", channel_type="email")
```

With pytest, the ``knock`` and ``knock_client`` fixtures give a fake (reset for each
test) and a client for it. ``python -m knockkit.testing`` serves a fake on a port.
Names are imported on first use, so that loading the pytest plugin (which imports this
package) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knockkit.testing._http_server import RecordedRequest
    from knockkit.testing._inspect import RecipientRun
    from knockkit.testing._providers import FAKE_SLACK_TEAM_ID
    from knockkit.testing._server import FAKE_API_KEY, FakeKnock
    from knockkit.testing.stores import Step, Workflow

__all__ = ["FAKE_API_KEY", "FAKE_SLACK_TEAM_ID", "FakeKnock", "RecipientRun", "RecordedRequest", "Step", "Workflow"]

_HOME = {
    "FAKE_API_KEY": "knockkit.testing._server",
    "FAKE_SLACK_TEAM_ID": "knockkit.testing._providers",
    "FakeKnock": "knockkit.testing._server",
    "RecipientRun": "knockkit.testing._inspect",
    "RecordedRequest": "knockkit.testing._http_server",
    "Step": "knockkit.testing.stores",
    "Workflow": "knockkit.testing.stores",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'knockkit.testing' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
