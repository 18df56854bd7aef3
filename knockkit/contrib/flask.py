"""knockkit for Flask: settings from ``app.config["KNOCKKIT"]`` and a webhook blueprint.

```python
app.config["KNOCKKIT"] = {"MyKnock": {"api_key": knockkit.env("KNOCK_KEY")}}
Knock(app)                                   # or knock = Knock(); knock.init_app(app)
app.register_blueprint(webhook_blueprint(receiver))
```

Inside an app context, ``MyKnock.client()`` resolves its settings from the *current* app's
config, so two apps in one process keep theirs apart; outside any app context it falls back
to ``knockkit.configure()`` and the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, has_app_context, request

from knockkit._settings import add_settings_source, check_instances, instance_settings
from knockkit.webhooks import HEADER, Receiver

__all__ = ["CONFIG_KEY", "Knock", "webhook_blueprint"]

CONFIG_KEY = "KNOCKKIT"
"""The config key holding ``{"MyKnock": {...settings...}}``."""
_WHERE = f"app.config[{CONFIG_KEY!r}]"
_EXTENSION = "knockkit"


def app_settings(name: str) -> Mapping[str, Any] | None:
    """The current app's settings for instance ``name`` (None outside an app context, or in an
    app that did not init the extension)."""
    if not has_app_context() or _EXTENSION not in current_app.extensions:
        return None
    return instance_settings(_WHERE, current_app.config.get(CONFIG_KEY), name)


class Knock:
    """The Flask extension: ``Knock(app)``, or ``Knock()`` then ``init_app(app)`` per app."""

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Check ``app.config["KNOCKKIT"]`` now (a wrong setting is a ``ValueError`` naming it,
        never showing a key) and let clients made in this app's context read it."""
        errors = [p.message for p in check_instances(_WHERE, app.config.get(CONFIG_KEY)) if p.level == "error"]
        if errors:
            raise ValueError("knockkit: " + "; ".join(errors))
        app.extensions[_EXTENSION] = self
        add_settings_source(_WHERE + "[{name!r}] (of the current Flask app)", app_settings)


def webhook_blueprint(
    receiver: Receiver, *, rule: str = "/webhooks/knock", name: str = "knockkit_webhooks"
) -> Blueprint:
    """A blueprint with one POST route, ``rule``, that verifies the raw body, answers 400 to a
    bad or stale signature, and calls the receiver's handlers. Give each receiver its own
    ``name`` if an app mounts several."""
    if not isinstance(receiver, Receiver):
        raise TypeError(f"webhook_blueprint() takes a knockkit.webhooks.Receiver, not {type(receiver).__name__}")
    blueprint = Blueprint(name, __name__)

    @blueprint.post(rule)
    def knock_webhook() -> Response:
        status = receiver.respond(request.get_data(cache=False), request.headers.get(HEADER))
        return Response(Receiver.REJECTED if status == 400 else b"", status=status, mimetype="text/plain")

    return blueprint
