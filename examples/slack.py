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

import knockkit
from knockkit import KnockInstance, tenants
from knockkit.providers import slack
from knockkit.testing import FakeKnock


class MyKnock(KnockInstance, app="myapp"):
    """Your app's Knock instance, declared once (settings: KNOCK_API_KEY etc. from the environment)."""


# The seed scenario's ids; on Knock they come from KNOCK_SLACK_CHANNEL_ID and KNOCK_SLACK_TENANT.
SLACK_CHANNEL_ID = "7c1e0042-5ef2-411a-a43b-e541acb139ed"
TENANT = "tenant-123"


def run(client: knockkit.Client, channel_id: str, tenant: str, *, page_limit: int, revoke: bool) -> None:
    print(f"\n1. Check the Slack connection of tenant {tenant}")
    auth = slack.check_auth(client, channel_id, tenant=tenant)
    print(f"   ok={auth.connection.ok}" + (f", reason={auth.connection.reason}" if auth.connection.reason else ""))

    print("\n2. One page of public channels (limit=200, archived excluded)")
    page = slack.list_channels(client, channel_id, tenant=tenant, limit=200, exclude_archived=True,
                               types="public_channel")  # fmt: skip
    print(f"   {len(page)} channel(s): {', '.join('#' + c.name for c in page if c.name)}")
    print(f"   next page: {page.next_params or 'none'}")

    print(f"\n3. Every channel, public and private, {page_limit} per request (knockkit.paginate follows next_cursor)")
    channels = knockkit.paginate(slack.list_channels, client, channel_id, tenant=tenant, limit=page_limit,
                                 types="public_channel,private_channel")  # fmt: skip
    for channel in itertools.islice(channels, 50):
        print(f"   {channel.id}  #{channel.name}{' (private)' if channel.is_private else ''}")

    print("\n4. Revoke the access token")
    if not revoke:
        print("   skipped: it disconnects the tenant's Slack; set KNOCK_SLACK_REVOKE=1 to run it")
        return
    slack.revoke_access(client, channel_id, tenant=tenant)
    auth = slack.check_auth(client, channel_id, tenant=tenant)
    print(f"   revoked; check_auth now says ok={auth.connection.ok}, reason={auth.connection.reason}")


def main() -> None:
    if os.environ.get("KNOCK_API_KEY"):
        client = MyKnock.client()  # settings from KNOCK_API_KEY, KNOCK_BASE_URL and KNOCK_BRANCH
        print(f"Running against the Knock API at {client.base_url} (KNOCK_API_KEY is set).")
        channel_id = os.environ.get("KNOCK_SLACK_CHANNEL_ID")  # your Knock Slack channel's id
        tenant = os.environ.get("KNOCK_SLACK_TENANT")  # the tenant that holds the Slack access token
        if not (channel_id and tenant):
            print("   skipped: set KNOCK_SLACK_CHANNEL_ID and KNOCK_SLACK_TENANT to run the Slack steps")
            return
        run(client, channel_id, tenant, page_limit=200, revoke=os.environ.get("KNOCK_SLACK_REVOKE") == "1")
        return

    with FakeKnock() as fake:  # no key: a stateful fake Knock on 127.0.0.1 (knockkit.testing)
        print(f"KNOCK_API_KEY is not set: running against an embedded fake Knock at {fake.url}.")
        client = fake.client()
        # On Knock the Slack OAuth flow stores the token on the tenant; here the script does.
        token = {"token": {"access_token": "xoxb-fake-token-for-tenant-123"}, "connections": []}
        tenants.set(client, TENANT, {"name": "Tenant 123", "channel_data": {SLACK_CHANNEL_ID: token}})
        print(f"\nset the tenant {TENANT} on the fake, with a made-up Slack access token in its channel data")
        fake.add_slack_channels(SLACK_CHANNEL_ID, FAKE_CHANNELS)
        print(f"declared {len(FAKE_CHANNELS)} Slack channels in the fake (FakeKnock.add_slack_channels)")
        run(client, SLACK_CHANNEL_ID, TENANT, page_limit=2, revoke=True)


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
