"""Trigger a workflow, then cancel it for one recipient (the seed scenarios "Sending notifies"
and "Canceling notifies").

    python examples/trigger_and_cancel.py

Without KNOCK_API_KEY it runs against an embedded fake Knock on 127.0.0.1 (knockkit.testing),
whose workflow "dinosaurs-loose" sends an in-app message, waits at a delay step, then emails:
the cancelled recipient gets no email.

With KNOCK_API_KEY set it triggers the workflow named by KNOCK_WORKFLOW_KEY (default
"dinosaurs-loose") in your Knock environment for four users it identifies first. Cancelling
only stops runs still waiting at a delay or batch step of that workflow.
"""

from __future__ import annotations

import os
import uuid

import knockkit
from knockkit import KnockInstance, messages, users, workflows
from knockkit.testing import FakeKnock


class MyKnock(KnockInstance, app="myapp"):
    """Your app's Knock instance, declared once (settings: KNOCK_API_KEY etc. from the environment)."""


PEOPLE = {
    "jhammond": {"name": "John Hammond", "email": "jhammond@ingen.net"},
    "agrant": {"name": "Alan Grant", "email": "agrant@ingen.net"},
    "imalcolm": {"name": "Ian Malcolm", "email": "imalcolm@chaos.theory"},
    "esattler": {"name": "Ellie Sattler", "email": "esattler@ingen.net"},
    "dnedry": {"name": "Dennis Nedry", "email": "dnedry@ingen.net"},
}
RECIPIENTS = ["jhammond", "agrant", "imalcolm", "esattler"]
WORKFLOW = os.environ.get("KNOCK_WORKFLOW_KEY") or "dinosaurs-loose"


def run(client: knockkit.Client, fake: FakeKnock | None) -> None:
    """The steps, on the Knock API (fake is None) or on the embedded fake."""
    workflow = WORKFLOW
    for user_id, properties in PEOPLE.items():
        users.identify(client, user_id, properties)
    print(f"\nidentified {', '.join(PEOPLE)}")

    print(f"\n1. Trigger {workflow!r}")
    alert_id = f"trex-alert-{uuid.uuid4().hex[:8]}"
    trigger = {
        "recipients": RECIPIENTS,  # who should receive the notification
        "actor": "dnedry",  # who performed the action
        "tenant": "jurassic-park",  # optional: the tenant the notifications belong to
        "data": {"type": "trex", "priority": 1},
        "cancellation_key": alert_id,  # optional: lets this trigger be cancelled
        "idempotency_key": f"{alert_id}-loose",
    }
    result = workflows.trigger(client, workflow, **trigger)
    print(f"   workflow run {result.workflow_run_id} for {', '.join(RECIPIENTS)}, cancellation key {alert_id}")

    print("\n2. The same trigger again, as a retry would send it (same idempotency key)")
    again = workflows.trigger(client, workflow, **trigger)
    same = again.workflow_run_id == result.workflow_run_id
    print(f"   Knock answered with the first run ({again.workflow_run_id}): {same}; nobody is notified twice")

    print("\n3. Cancel it for jhammond")
    workflows.cancel(client, workflow, alert_id, recipients=["jhammond"])
    print(f"   cancelled the runs with key {alert_id} for jhammond (the others go on)")

    if fake is not None:
        released = fake.release(workflow)
        print(f"   the fake holds runs at the delay step until released: released {released} run(s)")

    print("\n4. The messages of the run, per recipient")
    page = messages.list(client, workflow_run_id=result.workflow_run_id, page_size=50)
    sent: dict[str, list[str]] = {}
    for message in page:
        kind = (message.channel.type if message.channel else None) or message.channel_id
        sent.setdefault(str(message.recipient), []).append(str(kind))
    for user_id in RECIPIENTS:
        print(f"   {user_id:<9} {', '.join(sorted(sent.get(user_id, []))) or '-'}")
    print(f"   {len(page)} message(s)" + ("" if fake else " so far (Knock runs workflows asynchronously)"))


def main() -> None:
    if os.environ.get("KNOCK_API_KEY"):
        client = MyKnock.client()  # settings from KNOCK_API_KEY, KNOCK_BASE_URL and KNOCK_BRANCH
        print(f"Running against the Knock API at {client.base_url} (KNOCK_API_KEY is set).")
        run(client, None)
        return
    with FakeKnock() as fake:  # no key: a stateful fake Knock on 127.0.0.1 (knockkit.testing)
        print(f"KNOCK_API_KEY is not set: running against an embedded fake Knock at {fake.url}.")
        fake.add_workflow(WORKFLOW, ["in_app_feed", "delay", "email"])  # on Knock, the workflow exists already
        run(fake.client(), fake)


if __name__ == "__main__":
    main()
