"""A Flask app with knockkit: settings in app.config["KNOCKKIT"], a view that triggers a
workflow, and Knock's outbound webhooks received by a blueprint.

    python examples/flask_app.py           # a scripted visit through Flask's test client
    python examples/flask_app.py serve     # serve it on http://127.0.0.1:5000

Without KNOCK_API_KEY it starts an embedded fake Knock (knockkit.testing.FakeKnock) on
127.0.0.1 and says so; with KNOCK_API_KEY (sk_...) the view triggers "dinosaurs-loose" in your
Knock environment. Webhooks are checked with KNOCK_WEBHOOK_SECRET (the webhook's signing
secret in the Knock dashboard; a made-up one when unset, so that the visit can sign its own).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from _target import embedded_fake, real_knock, say
from flask import Flask, jsonify, request

import knockkit
from knockkit import KnockInstance, webhooks, workflows
from knockkit.contrib.flask import Knock, webhook_blueprint


class ParkKnock(KnockInstance, app="park"):
    pass


WORKFLOW = "dinosaurs-loose"
DEMO_SECRET = "whsec_example_isla_nublar"
receiver = webhooks.Receiver(secret=lambda: os.environ.get("KNOCK_WEBHOOK_SECRET") or DEMO_SECRET)
# What the handlers did, by event key: Knock retries deliveries, so each event is acted on once.
# (A real app records keys in its database, with a unique constraint.)
handled: dict[str, str] = {}


@receiver.on("message.bounced", "message.undelivered")
def stop_emailing(event: webhooks.Event) -> None:
    if event.key in handled:
        return  # a repeated delivery of an event already handled
    recipient = event.message.recipient if event.message else None
    handled[event.key] = f"stop emailing {recipient} ({(event.event_data or {}).get('failure_reason')})"


def create_app(knock_settings: dict[str, Any]) -> Flask:
    app = Flask(__name__)
    app.config["KNOCKKIT"] = {"ParkKnock": knock_settings}
    Knock(app)
    app.register_blueprint(webhook_blueprint(receiver))

    @app.post("/alerts")
    def raise_alert() -> Any:
        # ParkKnock.client() reads this app's config["KNOCKKIT"] now, in the request's app context.
        run = workflows.trigger(
            ParkKnock.client(), WORKFLOW, recipients=request.json["recipients"], actor="dnedry",
            data={"type": request.json["type"]},
        )  # fmt: skip
        return jsonify(workflow_run_id=run.workflow_run_id)

    return app


def visit(app: Flask) -> None:
    browser = app.test_client()
    say("\n1. POST /alerts: the view triggers the workflow with the app's settings")
    response = browser.post("/alerts", json={"recipients": ["jhammond", "agrant"], "type": "trex"})
    say(f"   {response.status_code} {response.get_json()}")

    say("\n2. Knock delivers a signed message.bounced webhook, then delivers it again (a retry)")
    event = {
        "__typename": "Event", "type": "message.bounced", "created_at": "2026-01-31T17:12:59.958652Z",
        "data": {"id": "2w3YUpTTOxuDvZFji8OMsKrG176", "recipient": "agrant", "status": "bounced"},
        "event_data": {"failure_reason": "hard_bounce"},
    }  # fmt: skip
    body = json.dumps(event).encode()
    secret = os.environ.get("KNOCK_WEBHOOK_SECRET") or DEMO_SECRET
    for attempt in (1, 2):
        signature = webhooks.sign(body, secret)  # what Knock sends, made here with the secret
        response = browser.post("/webhooks/knock", data=body, headers={"x-knock-signature": signature})
        say(f"   delivery {attempt}: {response.status_code}")
    say(f"   handled once: {list(handled.values())}")

    say("\n3. A request with a forged signature is refused, and no handler runs")
    response = browser.post("/webhooks/knock", data=body, headers={"x-knock-signature": webhooks.sign(body, "guess")})
    say(f"   {response.status_code} {response.get_data(as_text=True)!r}")


def main() -> None:
    # Rejected deliveries are logged (the reason, never the secret) on "knockkit.webhooks".
    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="   log: %(name)s: %(message)s")
    serve = sys.argv[1:] == ["serve"]
    if real_knock():
        say("Running against the Knock API (KNOCK_API_KEY is set).")
        app = create_app({"api_key": knockkit.env("KNOCK_API_KEY"), "base_url": knockkit.env("KNOCK_BASE_URL")})
        app.run(host="127.0.0.1", port=5000) if serve else visit(app)
        return
    with embedded_fake() as fake:
        fake.add_workflow(WORKFLOW, ["in_app_feed"])
        say(f"Nothing leaves this machine. The fake's workflow {WORKFLOW!r}: in_app_feed")
        app = create_app({"api_key": fake.api_key, "base_url": fake.url})
        if serve:
            app.run(host="127.0.0.1", port=5000)
            return
        visit(app)
        say("\nWhat the fake did:\n   " + fake.describe().replace("\n", "\n   "))


if __name__ == "__main__":
    main()
