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

from _target import connect, say

import knockkit
from knockkit import Grant, users

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


def main() -> None:
    with connect() as target:
        users.identify(target.client, USER_ID, {"name": "John Hammond", "email": "jhammond@ingen.net"})
        say(f"\nidentified {USER_ID}")

    say("\n1. The signing key")
    signing_key = os.environ.get("KNOCK_SIGNING_KEY")
    public_key = None
    if signing_key:
        say("   KNOCK_SIGNING_KEY is set: signing with it")
    else:
        signing_key, public_key = throwaway_key()
        say("   KNOCK_SIGNING_KEY is not set: signing with a throwaway RSA key generated just now (cryptography)")

    say(f"\n2. Sign a token for {USER_ID}, valid for an hour, with grants")
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
    say(f"   {token[:40]}... ({len(token)} characters)")

    say("\n3. What is in it")
    header_part, claims_part, _ = token.split(".")
    claims = decode_part(claims_part)
    say(f"   header: {decode_part(header_part)}")
    say(f"   sub: {claims['sub']}")
    for name in ("iat", "exp"):
        when = dt.datetime.fromtimestamp(claims[name], dt.timezone.utc)
        say(f"   {name}: {claims[name]}  ({when:%Y-%m-%d %H:%M:%S} UTC)")
    say(f"   jti: {claims['jti']}")
    for entity, granted in claims["grants"].items():
        say(f"   grants on {entity}: {', '.join(granted)}")

    if public_key is not None:
        from jose import jwt

        checked = jwt.decode(token, public_key, algorithms=["RS256"])
        say(f"\n4. The throwaway key's public half verifies it: sub={checked['sub']}")
    say("\nPass the token to your frontend (a cookie or an API response) with your public API key.")


if __name__ == "__main__":
    main()
