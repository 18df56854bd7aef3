"""Set and read a user's notification preferences (the seed scenario "User preferences").

    python examples/preferences.py

Without KNOCK_API_KEY it runs against an embedded fake Knock on 127.0.0.1 (knockkit.testing),
and also triggers the fake's workflow "dinosaurs-loose" to show what the preferences let through.
With KNOCK_API_KEY set it sets the preferences of the user "jhammond" in your Knock environment
(identifying the user first) and triggers nothing.
"""

from __future__ import annotations

import json
from typing import Any

from _target import Target, connect, say

from knockkit import users, workflows
from knockkit.models import unstructure

USER_ID = "jhammond"
WORKFLOW = "dinosaurs-loose"


def show(label: str, value: Any) -> None:
    say(f"   {label}: {json.dumps(unstructure(value), sort_keys=True)}")  # models back to JSON


def what_gets_through(target: Target) -> None:
    """On the fake: trigger the workflow for the user and say which channels sent a message."""
    if target.fake is None:
        return
    workflows.trigger(target.client, WORKFLOW, recipients=[USER_ID])
    run = target.fake.runs(workflow=WORKFLOW, recipient=USER_ID)[-1]
    sent = [m.channel.type for m in target.fake.messages(recipient=USER_ID) if m.channel and m.id in run.message_ids]
    say(f"   the fake ran {WORKFLOW} for {USER_ID}: sent {', '.join(sent) or 'nothing'}")
    for line in run.skipped:
        say(f"   skipped {line}")


def main() -> None:
    with connect(workflows={WORKFLOW: ["in_app_feed", "email"]}) as target:
        client = target.client
        users.identify(client, USER_ID, {"name": "John Hammond", "email": "jhammond@ingen.net"})
        say(f"\nidentified {USER_ID}")

        say("\n1. Set a whole preference set (replaces the user's default set)")
        prefs = users.set_preferences(client, USER_ID, {
            "channel_types": {"email": True, "sms": False},
            "workflows": {WORKFLOW: {"channel_types": {"email": False, "in_app_feed": True}}},
        })  # fmt: skip
        show("channel_types", prefs.channel_types)
        show("workflows", prefs.workflows)
        what_gets_through(target)

        say("\n2. Change one channel type (merged: the rest is kept)")
        prefs = users.set_channel_type_preferences(client, USER_ID, "sms", True)
        show("channel_types", prefs.channel_types)

        say(f"\n3. Change one workflow's settings (merged): email back on for {WORKFLOW}")
        prefs = users.set_workflow_preferences(client, USER_ID, WORKFLOW, {"channel_types": {"email": True}})
        show("workflows", prefs.workflows)
        what_gets_through(target)

        say("\n4. Read the preference set back")
        prefs = users.get_preferences(client, USER_ID)
        show(f"{prefs.id}", {"channel_types": prefs.channel_types, "workflows": prefs.workflows})

        say("\n5. A typo is refused before anything is sent")
        try:
            users.set_preferences(client, USER_ID, {"chanel_types": {"email": False}})
        except ValueError as exc:
            say(f"   ValueError: {exc}")


if __name__ == "__main__":
    main()
