"""A FastAPI app with knockkit: an endpoint that triggers a workflow, and Knock's outbound
webhooks received by knockkit's Starlette route (async handlers are awaited).

    python examples/fastapi_app.py                              # a scripted visit (TestClient)
    uvicorn --app-dir examples fastapi_app:app --port 8000      # serve it (with uvicorn installed)

Without KNOCK_API_KEY it starts an embedded fake Knock (knockkit.testing.FakeKnock) on
127.0.0.1 and says so; with KNOCK_API_KEY (sk_...) the endpoint triggers "dinosaurs-loose" in
your Knock environment. Webhooks are checked with KNOCK_WEBHOOK_SECRET (a made-up one when
unset, so that the visit can sign its own).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from _target import embedded_fake, real_knock, say
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

import knockkit
from knockkit import KnockInstance, webhooks, workflows
from knockkit.contrib.starlette import webhook_endpoint


class ParkKnock(KnockInstance, app="park"):
    pass


WORKFLOW = "dinosaurs-loose"
DEMO_SECRET = "whsec_example_isla_nublar"
receiver = webhooks.Receiver(secret=lambda: os.environ.get("KNOCK_WEBHOOK_SECRET") or DEMO_SECRET)
handled: dict[str, str] = {}  # event key -> what was done (a real app keeps this in its database)


@receiver.on("message.delivered")
async def delivered(event: webhooks.Event) -> None:
    if event.key not in handled:  # Knock may deliver an event more than once
        handled[event.key] = f"{event.message.recipient if event.message else '?'} got {event.type}"


class Alert(BaseModel):
    recipients: list[str]
    type: str


app = FastAPI(title="knockkit example")
app.add_route("/webhooks/knock", webhook_endpoint(receiver), methods=["POST"])


@app.post("/alerts")
def raise_alert(alert: Alert) -> dict[str, str]:
    # A plain `def` endpoint runs in FastAPI's thread pool: the sync client does not block the loop.
    run = workflows.trigger(ParkKnock.client(), WORKFLOW, recipients=alert.recipients, data={"type": alert.type})
    return {"workflow_run_id": run.workflow_run_id}


def visit() -> None:
    browser = TestClient(app)
    say("\n1. POST /alerts")
    response = browser.post("/alerts", json={"recipients": ["jhammond", "imalcolm"], "type": "raptor"})
    say(f"   {response.status_code} {response.json()}")

    say("\n2. Knock delivers a signed message.delivered webhook, twice (a retry)")
    body = json.dumps({
        "__typename": "Event", "type": "message.delivered", "created_at": "2026-01-31T17:13:05Z",
        "data": {"id": "2w3YUpTTOxuDvZFji8OMsKrG177", "recipient": "imalcolm", "status": "delivered"},
        "event_data": None,
    }).encode()  # fmt: skip
    secret = os.environ.get("KNOCK_WEBHOOK_SECRET") or DEMO_SECRET
    for attempt in (1, 2):
        signature = webhooks.sign(body, secret)  # what Knock sends, made here with the secret
        response = browser.post("/webhooks/knock", content=body, headers={"x-knock-signature": signature})
        say(f"   delivery {attempt}: {response.status_code}")
    say(f"   handled once: {list(handled.values())}")

    say("\n3. A stale signature (signed ten minutes ago) is refused")
    stale = webhooks.sign(body, secret, timestamp=time.time() - 600)
    response = browser.post("/webhooks/knock", content=body, headers={"x-knock-signature": stale})
    say(f"   {response.status_code} {response.text!r}")


def main() -> None:
    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="   log: %(name)s: %(message)s")
    if real_knock():
        say("Running against the Knock API (KNOCK_API_KEY is set).")
        visit()
        return
    with embedded_fake() as fake:
        fake.add_workflow(WORKFLOW, ["in_app_feed"])
        say(f"Nothing leaves this machine. The fake's workflow {WORKFLOW!r}: in_app_feed")
        knockkit.configure("park", ParkKnock, api_key=fake.api_key, base_url=fake.url)
        visit()
        say("\nWhat the fake did:\n   " + fake.describe().replace("\n", "\n   "))


if __name__ == "__main__":
    main()
