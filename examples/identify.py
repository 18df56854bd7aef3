"""Identify, retrieve and delete a user (the seed scenario "Identifying users").

    python examples/identify.py

Without KNOCK_API_KEY it runs against an embedded fake Knock on 127.0.0.1 (knockkit.testing).
With KNOCK_API_KEY set it runs against your Knock environment: it identifies the user
"jhammond" there, reads it back and deletes it.
"""

from __future__ import annotations

from _target import connect, say

from knockkit import NotFoundError, users

USER_ID = "jhammond"


def main() -> None:
    with connect() as target:
        client = target.client

        say("\n1. Identify a user (create or update, with custom properties)")
        user = users.identify(client, USER_ID, {
            "name": "John Hammond", "email": "jhammond@ingen.net", "plan": "enterprise", "park": "isla-nublar",
        })  # fmt: skip
        say(f"   {user.id}: {user.name} <{user.email}>, custom properties {dict(user.properties)}")

        say("\n2. Identify again: properties not given are kept")
        user = users.identify(client, USER_ID, {"plan": "founder"})
        say(f"   {user.id}: name still {user.name!r}, plan now {user.properties['plan']!r}")

        say("\n3. Retrieve the user")
        user = users.get(client, USER_ID)
        say(f"   {user.id}: {user.name} <{user.email}>, updated at {user.updated_at}")

        say("\n4. Delete the user")
        users.delete(client, USER_ID)
        try:
            users.get(client, USER_ID)
        except NotFoundError as exc:
            say(f"   deleted: users.get now raises NotFoundError ({exc.status} {exc.code})")
        else:
            say("   deleted; Knock still returns the user for a moment (deletion completes asynchronously)")


if __name__ == "__main__":
    main()
