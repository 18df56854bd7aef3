"""Sign a user token for Knock's enhanced security mode, and show what is in it (the seed
scenario "Signing JWTs").

    python examples/sign_token.py

The token is signed with KNOCK_SIGNING_KEY (the signing key from the Knock dashboard, PEM or
base64 of PEM) when it is set, otherwise with a throwaway RSA key generated just now with
`cryptography`, which the script says. Signing needs no request to Knock; the user is
identified first so that the token names a user Knock knows.

Without KNOCK_API_KEY it identifies the user on an embedded fake Knock on 127.0.0.1
(knockkit.testing); with KNOCK_API_KEY set, in your Knock environment.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from typing import Any

import knockkit
from knockkit import Grant, KnockInstance, users
from knockkit.testing import FakeKnock


class MyKnock(KnockInstance, app="myapp"):
    """Your app's Knock instance, declared once (settings: KNOCK_API_KEY etc. from the environment)."""


USER_ID = "jhammond"


def decode_part(part: str) -> Any:
    """A JWT's header or claims: base64url JSON (the signature is not checked here)."""
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def throwaway_key() -> tuple[str, str]:
    """A new RSA key: (private PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode(), public.decode()


def identify_the_user() -> None:
    """The token's user exists in Knock (on the embedded fake when KNOCK_API_KEY is not set)."""
    if os.environ.get("KNOCK_API_KEY"):
        client = MyKnock.client()  # settings from KNOCK_API_KEY, KNOCK_BASE_URL and KNOCK_BRANCH
        print(f"Running against the Knock API at {client.base_url} (KNOCK_API_KEY is set).")
        users.identify(client, USER_ID, {"name": "John Hammond", "email": "jhammond@ingen.net"})
    else:
        with FakeKnock() as fake:  # no key: a stateful fake Knock on 127.0.0.1 (knockkit.testing)
            print(f"KNOCK_API_KEY is not set: running against an embedded fake Knock at {fake.url}.")
            users.identify(fake.client(), USER_ID, {"name": "John Hammond", "email": "jhammond@ingen.net"})
    print(f"\nidentified {USER_ID}")


def main() -> None:
    identify_the_user()

    print("\n1. The signing key")
    signing_key = os.environ.get("KNOCK_SIGNING_KEY")
    public_key = None
    if signing_key:
        print("   KNOCK_SIGNING_KEY is set: signing with it")
    else:
        signing_key, public_key = throwaway_key()
        print("   KNOCK_SIGNING_KEY is not set: signing with a throwaway RSA key generated just now (cryptography)")

    print(f"\n2. Sign a token for {USER_ID}, valid for an hour, with grants")
    token = knockkit.sign_user_token(
        USER_ID,
        signing_key=signing_key,
        expires_in_seconds=3600,
        grants=[
            knockkit.tenant_grant("jurassic-park", [Grant.SLACK_CHANNELS_READ]),
            knockkit.user_grant(USER_ID, [Grant.USER_FEED_READ]),
        ],
        jti=True,
    )
    print(f"   {token[:40]}... ({len(token)} characters)")

    print("\n3. What is in it")
    header_part, claims_part, _ = token.split(".")
    claims = decode_part(claims_part)
    print(f"   header: {decode_part(header_part)}")
    print(f"   sub: {claims['sub']}")
    for name in ("iat", "exp"):
        when = dt.datetime.fromtimestamp(claims[name], dt.timezone.utc)
        print(f"   {name}: {claims[name]}  ({when:%Y-%m-%d %H:%M:%S} UTC)")
    print(f"   jti: {claims['jti']}")
    for entity, granted in claims["grants"].items():
        print(f"   grants on {entity}: {', '.join(granted)}")

    if public_key is not None:
        from jose import jwt

        checked = jwt.decode(token, public_key, algorithms=["RS256"])
        print(f"\n4. The throwaway key's public half verifies it: sub={checked['sub']}")
    print("\nPass the token to your frontend (a cookie or an API response) with your public API key.")


if __name__ == "__main__":
    main()
