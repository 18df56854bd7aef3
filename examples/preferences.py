"""Set and read a user's notification preferences (the seed scenario "User preferences").

    python examples/preferences.py

Without KNOCK_API_KEY it runs against an embedded fake Knock on 127.0.0.1 (knockkit.testing),
and also triggers the fake's workflow "dinosaurs-loose" to show what the preferences let through.
With KNOCK_API_KEY set it sets the preferences of the user "jhammond" in your Knock environment
(identifying the user first) and triggers nothing.
"""

from __future__ import annotations

import json
import os
from typing import Any

import knockkit
from knockkit import KnockInstance, users, workflows
from knockkit.models import unstructure
from knockkit.testing import FakeKnock


class MyKnock(KnockInstance, app="myapp"):
    """Your app's Knock instance, declared once (settings: KNOCK_API_KEY etc. from the environment)."""


USER_ID = "jhammond"
WORKFLOW = "dinosaurs-loose"


def show(label: str, value: Any) -> None:
    print(f"   {label}: {json.dumps(unstructure(value), sort_keys=True)}")


def what_gets_through(client: knockkit.Client, fake: FakeKnock | None) -> None:
    """On the fake: trigger the workflow for the user and say which channels sent a message."""
    if fake is None:
        return
    workflows.trigger(client, WORKFLOW, recipients=[USER_ID])
    latest = fake.runs(workflow=WORKFLOW, recipient=USER_ID)[-1]
    sent = [m.channel.type for m in fake.messages(recipient=USER_ID) if m.channel and m.id in latest.message_ids]
    print(f"   the fake ran {WORKFLOW} for {USER_ID}: sent {', '.join(sent) or 'nothing'}")
    for line in latest.skipped:
        print(f"   skipped {line}")


def run(client: knockkit.Client, fake: FakeKnock | None) -> None:
    """The steps, on the Knock API (fake is None) or on the embedded fake."""
    users.identify(client, USER_ID, {"name": "John Hammond", "email": "jhammond@ingen.net"})
    print(f"\nidentified {USER_ID}")

    print("\n1. Set a whole preference set (replaces the user's default set)")
    prefs = users.set_preferences(client, USER_ID, {
        "channel_types": {"email": True, "sms": False},
        "workflows": {WORKFLOW: {"channel_types": {"email": False, "in_app_feed": True}}},
    })  # fmt: skip
    show("channel_types", prefs.channel_types)
    show("workflows", prefs.workflows)
    what_gets_through(client, fake)

    print("\n2. Change one channel type (merged: the rest is kept)")
    prefs = users.set_channel_type_preferences(client, USER_ID, "sms", True)
    show("channel_types", prefs.channel_types)

    print(f"\n3. Change one workflow's settings (merged): email back on for {WORKFLOW}")
    prefs = users.set_workflow_preferences(client, USER_ID, WORKFLOW, {"channel_types": {"email": True}})
    show("workflows", prefs.workflows)
    what_gets_through(client, fake)

    print("\n4. Read the preference set back")
    prefs = users.get_preferences(client, USER_ID)
    show(f"{prefs.id}", {"channel_types": prefs.channel_types, "workflows": prefs.workflows})

    print("\n5. A typo is refused before anything is sent")
    try:
        users.set_preferences(client, USER_ID, {"chanel_types": {"email": False}})
    except ValueError as exc:
        print(f"   ValueError: {exc}")


def main() -> None:
    if os.environ.get("KNOCK_API_KEY"):
        client = MyKnock.client()  # settings from KNOCK_API_KEY, KNOCK_BASE_URL and KNOCK_BRANCH
        print(f"Running against the Knock API at {client.base_url} (KNOCK_API_KEY is set).")
        run(client, None)
        return
    with FakeKnock() as fake:  # no key: a stateful fake Knock on 127.0.0.1 (knockkit.testing)
        print(f"KNOCK_API_KEY is not set: running against an embedded fake Knock at {fake.url}.")
        fake.add_workflow(WORKFLOW, ["in_app_feed", "email"])  # on Knock, the workflow exists already
        run(fake.client(), fake)


if __name__ == "__main__":
    main()
