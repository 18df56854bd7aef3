"""Identify, retrieve and delete a user (the seed scenario "Identifying users").

    python examples/identify.py

Without KNOCK_API_KEY it runs against an embedded fake Knock on 127.0.0.1 (knockkit.testing).
With KNOCK_API_KEY set it runs against your Knock environment: it identifies the user
"jhammond" there, reads it back and deletes it.
"""

from __future__ import annotations

import os

import knockkit
from knockkit import KnockInstance, NotFoundError, users
from knockkit.testing import FakeKnock


class MyKnock(KnockInstance, app="myapp"):
    """Your app's Knock instance, declared once (settings: KNOCK_API_KEY etc. from the environment)."""


USER_ID = "jhammond"


def run(client: knockkit.Client, fake: FakeKnock | None) -> None:
    """The steps, on the Knock API (fake is None) or on the embedded fake."""
    print("\n1. Identify a user (create or update, with custom properties)")
    user = users.identify(client, USER_ID, {
        "name": "John Hammond", "email": "jhammond@ingen.net", "plan": "enterprise", "park": "isla-nublar",
    })  # fmt: skip
    print(f"   {user.id}: {user.name} <{user.email}>, custom properties {dict(user.properties)}")

    print("\n2. Identify again: properties not given are kept")
    user = users.identify(client, USER_ID, {"plan": "founder"})
    print(f"   {user.id}: name still {user.name!r}, plan now {user.properties['plan']!r}")

    print("\n3. Retrieve the user")
    user = users.get(client, USER_ID)
    print(f"   {user.id}: {user.name} <{user.email}>, updated at {user.updated_at}")

    print("\n4. Delete the user")
    users.delete(client, USER_ID)
    try:
        users.get(client, USER_ID)
    except NotFoundError as exc:
        print(f"   deleted: users.get now raises NotFoundError ({exc.status} {exc.code})")
    else:
        print("   deleted; Knock still returns the user for a moment (deletion completes asynchronously)")


def main() -> None:
    if os.environ.get("KNOCK_API_KEY"):
        client = MyKnock.client()  # settings from KNOCK_API_KEY, KNOCK_BASE_URL and KNOCK_BRANCH
        print(f"Running against the Knock API at {client.base_url} (KNOCK_API_KEY is set).")
        run(client, None)
        return
    with FakeKnock() as fake:  # no key: a stateful fake Knock on 127.0.0.1 (knockkit.testing)
        print(f"KNOCK_API_KEY is not set: running against an embedded fake Knock at {fake.url}.")
        run(fake.client(), fake)


if __name__ == "__main__":
    main()
