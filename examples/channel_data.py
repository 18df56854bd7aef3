"""Set, read and unset a user's channel data: APNS push tokens (the seed scenario "Channel data").

    python examples/channel_data.py

Without KNOCK_API_KEY it runs against an embedded fake Knock on 127.0.0.1 (knockkit.testing),
whose workflow "dinosaurs-loose" has a push step, to show that push needs the token.
With KNOCK_API_KEY set it uses your Knock environment and the push channel whose id is in
KNOCK_APNS_CHANNEL_ID (it skips the channel data steps, saying so, when that is not set). It
identifies the user "jhammond", sets a placeholder device token and removes it again.
"""

from __future__ import annotations

import os

import knockkit
from knockkit import KnockInstance, NotFoundError, users, workflows
from knockkit.models import PushChannelData
from knockkit.testing import FakeKnock, Step


class MyKnock(KnockInstance, app="myapp"):
    """Your app's Knock instance, declared once (settings: KNOCK_API_KEY etc. from the environment)."""


USER_ID = "jhammond"
WORKFLOW = "dinosaurs-loose"
APNS_TOKEN = "apns-token-of-jhammonds-phone"  # a placeholder for the token your app gets from APNS


def push_sent(client: knockkit.Client, fake: FakeKnock | None, channel_id: str) -> None:
    """On the fake: trigger the workflow and say whether its push step sent a message."""
    if fake is None:
        return
    workflows.trigger(client, WORKFLOW, recipients=[USER_ID], data={"type": "trex"})
    latest = fake.runs(workflow=WORKFLOW, recipient=USER_ID)[-1]
    pushed = fake.messages(recipient=USER_ID, channel_type="push")
    if any(m.id in latest.message_ids for m in pushed):
        print(f"   the fake ran {WORKFLOW}: push sent to channel {channel_id}")
    else:
        print(f"   the fake ran {WORKFLOW}: push skipped ({'; '.join(latest.skipped)})")


def run(client: knockkit.Client, fake: FakeKnock | None) -> None:
    """The steps, on the Knock API (fake is None) or on the embedded fake."""
    users.identify(client, USER_ID, {"name": "John Hammond", "email": "jhammond@ingen.net"})
    print(f"\nidentified {USER_ID}, who has no push token yet")
    # The id of your APNS push channel, from the Knock dashboard; on the fake, its push channel.
    channel_id = FakeKnock.channel_id("push") if fake is not None else os.environ.get("KNOCK_APNS_CHANNEL_ID")
    if not channel_id:
        print("   skipped: set KNOCK_APNS_CHANNEL_ID to the id of your APNS push channel")
        return
    push_sent(client, fake, channel_id)

    print(f"\n1. Set {USER_ID}'s push tokens for channel {channel_id}")
    data = users.set_channel_data(client, USER_ID, channel_id, {"tokens": [APNS_TOKEN]})
    assert isinstance(data.data, PushChannelData)  # channel data is typed by the kind of channel
    print(f"   stored: tokens {data.data.tokens}")
    push_sent(client, fake, channel_id)

    print("\n2. Read them back")
    data = users.get_channel_data(client, USER_ID, channel_id)
    tokens = data.data.tokens if isinstance(data.data, PushChannelData) else None
    print(f"   channel {data.channel_id}: tokens {tokens}")

    print("\n3. Unset them (the device logged out)")
    users.unset_channel_data(client, USER_ID, channel_id)
    try:
        users.get_channel_data(client, USER_ID, channel_id)
    except NotFoundError:
        print("   gone: users.get_channel_data now raises NotFoundError")
    else:
        print("   unset (Knock may return the old data for a moment)")


def main() -> None:
    if os.environ.get("KNOCK_API_KEY"):
        client = MyKnock.client()  # settings from KNOCK_API_KEY, KNOCK_BASE_URL and KNOCK_BRANCH
        print(f"Running against the Knock API at {client.base_url} (KNOCK_API_KEY is set).")
        run(client, None)
        return
    with FakeKnock() as fake:  # no key: a stateful fake Knock on 127.0.0.1 (knockkit.testing)
        print(f"KNOCK_API_KEY is not set: running against an embedded fake Knock at {fake.url}.")
        # On Knock, the workflow exists already; on the fake, declare it.
        fake.add_workflow(WORKFLOW, [Step("push", channel_id=FakeKnock.channel_id("push"))])
        run(fake.client(), fake)


if __name__ == "__main__":
    main()
