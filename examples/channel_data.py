"""Set, read and unset a user's channel data: APNS push tokens (the seed scenario "Channel data").

    python examples/channel_data.py

Without KNOCK_API_KEY it runs against an embedded fake Knock on 127.0.0.1 (knockkit.testing),
whose workflow "dinosaurs-loose" has a push step, to show that push needs the token.
With KNOCK_API_KEY set it uses your Knock environment and the push channel whose id is in
KNOCK_APNS_CHANNEL_ID (it skips the channel data steps, saying so, when that is not set). It
identifies the user "jhammond", sets a placeholder device token and removes it again.
"""

from __future__ import annotations

from _target import Target, connect, say

from knockkit import NotFoundError, users, workflows
from knockkit.models import PushChannelData
from knockkit.testing import FakeKnock, Step

USER_ID = "jhammond"
WORKFLOW = "dinosaurs-loose"
APNS_TOKEN = "apns-token-of-jhammonds-phone"  # a placeholder for the token your app gets from APNS


def push_sent(target: Target, channel_id: str) -> None:
    """On the fake: trigger the workflow and say whether its push step sent a message."""
    if target.fake is None:
        return
    workflows.trigger(target.client, WORKFLOW, recipients=[USER_ID], data={"type": "trex"})
    run = target.fake.runs(workflow=WORKFLOW, recipient=USER_ID)[-1]
    pushed = target.fake.messages(recipient=USER_ID, channel_type="push")
    if any(m.id in run.message_ids for m in pushed):
        say(f"   the fake ran {WORKFLOW}: push sent to channel {channel_id}")
    else:
        say(f"   the fake ran {WORKFLOW}: push skipped ({'; '.join(run.skipped)})")


def main() -> None:
    apns_channel = FakeKnock.channel_id("push")  # the fake's push channel; on Knock, your APNS channel
    with connect(workflows={WORKFLOW: [Step("push", channel_id=apns_channel)]}) as target:
        client = target.client
        users.identify(client, USER_ID, {"name": "John Hammond", "email": "jhammond@ingen.net"})
        say(f"\nidentified {USER_ID}, who has no push token yet")
        channel_id = target.setting("KNOCK_APNS_CHANNEL_ID", apns_channel, "the id of your APNS push channel")
        if channel_id is None:
            return
        push_sent(target, channel_id)

        say(f"\n1. Set {USER_ID}'s push tokens for channel {channel_id}")
        data = users.set_channel_data(client, USER_ID, channel_id, {"tokens": [APNS_TOKEN]})
        assert isinstance(data.data, PushChannelData)  # channel data is typed by the kind of channel
        say(f"   stored: tokens {data.data.tokens}")
        push_sent(target, channel_id)

        say("\n2. Read them back")
        data = users.get_channel_data(client, USER_ID, channel_id)
        tokens = data.data.tokens if isinstance(data.data, PushChannelData) else None
        say(f"   channel {data.channel_id}: tokens {tokens}")

        say("\n3. Unset them (the device logged out)")
        users.unset_channel_data(client, USER_ID, channel_id)
        try:
            users.get_channel_data(client, USER_ID, channel_id)
        except NotFoundError:
            say("   gone: users.get_channel_data now raises NotFoundError")
        else:
            say("   unset (Knock may return the old data for a moment)")


if __name__ == "__main__":
    main()
