"""Check a tenant's Slack connection, list its Slack channels and revoke its token (the seed
scenario "Slack").

    python examples/slack.py

Without KNOCK_API_KEY it runs against an embedded fake Knock on 127.0.0.1 (knockkit.testing):
the script stores a made-up Slack access token on the tenant (its channel data for the Slack
channel, as Knock's Slack OAuth flow does) and declares the workspace's channels in the fake
(FakeKnock.add_slack_channels), which then answers Knock's three Slack provider endpoints.
Nothing reaches Knock or Slack.

With KNOCK_API_KEY set it uses your Knock environment: KNOCK_SLACK_CHANNEL_ID is the id of your
Knock Slack channel and KNOCK_SLACK_TENANT the tenant that holds the Slack access token (it
skips the Slack steps, saying so, when either is not set). It revokes the token only when
KNOCK_SLACK_REVOKE=1, since that disconnects the tenant's Slack.
"""

from __future__ import annotations

import itertools
import os

from _target import connect, say

import knockkit
from knockkit import tenants
from knockkit.providers import slack

# The seed scenario's ids; on Knock they come from KNOCK_SLACK_CHANNEL_ID and KNOCK_SLACK_TENANT.
SLACK_CHANNEL_ID = "7c1e0042-5ef2-411a-a43b-e541acb139ed"
TENANT = "tenant-123"


def run(client: knockkit.Client, channel_id: str, tenant: str, *, page_limit: int, revoke: bool) -> None:
    say(f"\n1. Check the Slack connection of tenant {tenant}")
    auth = slack.check_auth(client, channel_id, tenant=tenant)
    say(f"   ok={auth.connection.ok}" + (f", reason={auth.connection.reason}" if auth.connection.reason else ""))

    say("\n2. One page of public channels (limit=200, archived excluded)")
    page = slack.list_channels(client, channel_id, tenant=tenant, limit=200, exclude_archived=True,
                               types="public_channel")  # fmt: skip
    say(f"   {len(page)} channel(s): {', '.join('#' + c.name for c in page if c.name)}")
    say(f"   next page: {page.next_params or 'none'}")

    say(f"\n3. Every channel, public and private, {page_limit} per request (knockkit.paginate follows next_cursor)")
    channels = knockkit.paginate(slack.list_channels, client, channel_id, tenant=tenant, limit=page_limit,
                                 types="public_channel,private_channel")  # fmt: skip
    for channel in itertools.islice(channels, 50):
        say(f"   {channel.id}  #{channel.name}{' (private)' if channel.is_private else ''}")

    say("\n4. Revoke the access token")
    if not revoke:
        say("   skipped: it disconnects the tenant's Slack; set KNOCK_SLACK_REVOKE=1 to run it")
        return
    slack.revoke_access(client, channel_id, tenant=tenant)
    auth = slack.check_auth(client, channel_id, tenant=tenant)
    say(f"   revoked; check_auth now says ok={auth.connection.ok}, reason={auth.connection.reason}")


def main() -> None:
    with connect() as target:
        if target.fake is None:
            channel_id = target.setting("KNOCK_SLACK_CHANNEL_ID", "", "the id of your Knock Slack channel")
            tenant = target.setting("KNOCK_SLACK_TENANT", "", "the tenant that holds the Slack access token")
            if channel_id and tenant:
                run(target.client, channel_id, tenant, page_limit=200,
                    revoke=os.environ.get("KNOCK_SLACK_REVOKE") == "1")  # fmt: skip
            return

        # On Knock the Slack OAuth flow stores the token on the tenant; here the script does.
        token = {"token": {"access_token": "xoxb-fake-token-for-tenant-123"}, "connections": []}
        tenants.set(target.client, TENANT, {"name": "Tenant 123", "channel_data": {SLACK_CHANNEL_ID: token}})
        say(f"\nset the tenant {TENANT} on the fake, with a made-up Slack access token in its channel data")
        target.fake.add_slack_channels(SLACK_CHANNEL_ID, FAKE_CHANNELS)
        say(f"declared {len(FAKE_CHANNELS)} Slack channels in the fake (FakeKnock.add_slack_channels)")
        run(target.client, SLACK_CHANNEL_ID, TENANT, page_limit=2, revoke=True)


# What the tenant's Slack workspace holds, as the fake will list it (Slack's conversation fields).
FAKE_CHANNELS = [
    {"id": "C01ALERTS01", "name": "park-alerts"},
    {"id": "C01GENERAL1", "name": "general"},
    {"id": "C01RAPTORS1", "name": "raptor-paddock"},
    {"id": "C01OLDNEWS1", "name": "opening-day", "is_archived": True},
    {"id": "G01CONTROL1", "name": "control-room", "is_private": True},
]


if __name__ == "__main__":
    main()
