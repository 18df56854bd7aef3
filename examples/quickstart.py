"""knockkit quickstart: Knock's seed scenario, step by step.

    python examples/quickstart.py            # on the embedded fake, or asks first when KNOCK_API_KEY is set
    python examples/quickstart.py --yes      # with KNOCK_API_KEY: write without asking

Without KNOCK_API_KEY it starts an embedded fake Knock (knockkit.testing.FakeKnock) on
127.0.0.1 and runs everything against it; nothing leaves the machine.

With KNOCK_API_KEY set (a secret key, sk_...) it runs the same steps against the real
Knock API (KNOCK_BASE_URL overrides the host, KNOCK_BRANCH picks a branch). The workflow
"dinosaurs-loose" must then exist in that environment; set KNOCK_PUSH_CHANNEL_ID to the id
of its push channel to register a device token. The scenario identifies four users and
triggers a real workflow for them, so it first says what it will write and asks; without a
terminal to ask on, it refuses unless --yes is given.

The user token is signed with KNOCK_SIGNING_KEY when set, otherwise with a throwaway RSA key.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from typing import Any

import knockkit
from knockkit import KnockInstance, NotFoundError, messages, users, workflows
from knockkit.models import PushChannelData, unstructure


class MyKnock(KnockInstance, app="quickstart"):
    pass


WORKFLOW = "dinosaurs-loose"
RECIPIENTS = ["jhammond", "agrant", "imalcolm", "esattler"]
PEOPLE = {
    "jhammond": {"name": "John Hammond", "email": "jhammond@ingen.net"},
    "agrant": {"name": "Alan Grant", "email": "agrant@ingen.net"},
    "imalcolm": {"name": "Ian Malcolm", "email": "imalcolm@chaos.theory", "phone_number": "+15555550123"},
    "esattler": {"name": "Ellie Sattler", "email": "esattler@ingen.net"},
}
# The fake's push channel; on real Knock, the id of your push channel (KNOCK_PUSH_CHANNEL_ID).
FAKE_PUSH_CHANNEL_ID = "5c9e4f0e-9d0b-4c55-8d1e-2f7b3a1c0d42"


def say(text: str) -> None:
    print(text, flush=True)


def run(client: knockkit.Client, push_channel_id: str | None, release: Any = None) -> None:
    say("\n1. Identify the users")
    for user_id, properties in PEOPLE.items():
        user = users.identify(client, user_id, properties)
        say(f"   identified {user.id}: {user.name} <{user.email}>")

    say("\n2. Set preferences")
    users.set_preferences(client, "jhammond", {"channel_types": {"email": True}})
    say("   jhammond: email on (replaced the default preference set)")
    users.set_workflow_preferences(client, "imalcolm", WORKFLOW, {"channel_types": {"email": False}})
    prefs = users.get_preferences(client, "imalcolm")
    say(f"   imalcolm: no email for {WORKFLOW} (merged); workflows = {json.dumps(unstructure(prefs.workflows))}")

    say("\n3. Set push channel data")
    if push_channel_id:
        data = users.set_channel_data(client, "jhammond", push_channel_id, {"tokens": ["apns-token-jhammond"]})
        tokens = data.data.tokens if isinstance(data.data, PushChannelData) else None
        say(f"   jhammond: push tokens {tokens} on channel {data.channel_id}")
    else:
        say("   skipped: set KNOCK_PUSH_CHANNEL_ID to the id of your push channel")

    say(f"\n4. Trigger {WORKFLOW!r}")
    cancellation_key = f"trex-alert-{int(time.time())}"
    try:
        result = workflows.trigger(
            client, WORKFLOW, recipients=RECIPIENTS, actor="dnedry", tenant="jurassic-park",
            data={"type": "trex", "priority": 1}, cancellation_key=cancellation_key,
        )  # fmt: skip
    except NotFoundError:
        raise SystemExit(
            f"\nThe workflow {WORKFLOW!r} does not exist in this Knock environment ({client.base_url}"
            f"{', branch ' + client.branch if client.branch else ''}). Create a workflow with the key {WORKFLOW!r} "
            "in the Knock dashboard (steps: in-app feed, email, a delay, push), commit it to this environment, "
            "and run the quickstart again."
        ) from None
    say(f"   workflow run {result.workflow_run_id} for {', '.join(RECIPIENTS)}")
    say(f"   actor dnedry, tenant jurassic-park, cancellation key {cancellation_key}")

    say("\n5. Cancel for one recipient")
    workflows.cancel(client, WORKFLOW, cancellation_key, recipients=["esattler"])
    say("   cancelled the run for esattler (it was waiting at the delay step)")
    if release is not None:
        released = release()
        say(f"   the fake holds runs at a delay until released: released {released} run(s)")

    say("\n6. List the messages of this run")
    page = messages.list(client, workflow_run_id=result.workflow_run_id, page_size=50)
    for message in sorted(page, key=lambda m: (str(m.recipient), str(m.channel.type if m.channel else None))):
        kind = message.channel.type if message.channel else message.channel_id
        say(f"   {message.recipient:<9} {kind:<12} {message.status}")
    say(f"   {len(page)} message(s)" + ("" if release is not None else " so far (Knock sends asynchronously)"))

    say("\n7. Sign a user token")
    signing_key = os.environ.get("KNOCK_SIGNING_KEY")
    if signing_key:
        say("   with KNOCK_SIGNING_KEY")
    else:
        signing_key = throwaway_signing_key()
        say("   KNOCK_SIGNING_KEY is not set: signing with a throwaway RSA key generated just now")
    token = knockkit.sign_user_token("jhammond", signing_key=signing_key, expires_in_seconds=3600)
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    say(f"   token {token[:24]}... claims: sub={claims['sub']}, expires in {claims['exp'] - claims['iat']} s")


def throwaway_signing_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def confirmed(client: knockkit.Client, yes: bool) -> bool:
    """Whether the user agrees to write to the Knock environment of ``client``: --yes, or a "y" typed
    at the terminal. Without a terminal and without --yes, refuse (say so and return False)."""
    branch = f", branch {client.branch}" if client.branch else ""
    say(f"This writes to the Knock environment at {client.base_url}{branch}: it identifies the users "
        f"{', '.join(PEOPLE)}, sets their preferences and triggers the workflow {WORKFLOW!r} for them.")  # fmt: skip
    if yes:
        return True
    if not sys.stdin.isatty():
        say("Refusing to write without asking: run it in a terminal to answer, or pass --yes. "
            "(Unset KNOCK_API_KEY to run against an embedded fake Knock instead.)")  # fmt: skip
        return False
    return input("Go ahead? [y/N] ").strip().lower() in ("y", "yes")


def main() -> None:
    parser = argparse.ArgumentParser(description="Knock's seed scenario, step by step.")
    parser.add_argument("--yes", action="store_true", help="with KNOCK_API_KEY set, write to Knock without asking")
    args = parser.parse_args()
    if os.environ.get("KNOCK_API_KEY"):
        client = MyKnock.client()  # KNOCK_API_KEY, KNOCK_BASE_URL and KNOCK_BRANCH, read now
        say(f"Running against the Knock API at {client.base_url} (KNOCK_API_KEY is set).")
        if not confirmed(client, args.yes):
            raise SystemExit(1)
        run(client, os.environ.get("KNOCK_PUSH_CHANNEL_ID"))
        return

    from knockkit.testing import FakeKnock, Step

    with FakeKnock() as fake:
        say(f"KNOCK_API_KEY is not set: running against an embedded fake Knock at {fake.url}.")
        say("Nothing is sent anywhere. Set KNOCK_API_KEY to run the same steps against Knock itself.")
        steps = ["in_app_feed", "email", "delay", Step("push", channel_id=FAKE_PUSH_CHANNEL_ID)]
        fake.add_workflow(WORKFLOW, steps=steps, categories=["safety"])
        say(f"The fake's workflow {WORKFLOW!r}: in_app_feed -> email -> delay -> push")
        knockkit.configure("quickstart", MyKnock, api_key=fake.api_key, base_url=fake.url)
        run(MyKnock.client(), FAKE_PUSH_CHANNEL_ID, release=lambda: fake.release(WORKFLOW))
        say("\nWhat the fake did:")
        say("   " + fake.describe().replace("\n", "\n   "))


if __name__ == "__main__":
    main()
