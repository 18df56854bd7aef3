"""User tokens for Knock's enhanced security mode: RS256 JWTs signed with your signing key.

python-jose and cryptography are imported only when a token is signed, so ``import knockkit``
stays light.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from knockkit._http import segment

__all__ = [
    "MAX_EXPIRES_IN_SECONDS",
    "Grant",
    "TokenGrant",
    "object_grant",
    "sign_user_token",
    "tenant_grant",
    "user_grant",
]

# Grant entities are named by their URL on Knock's API host, whatever base_url a client uses.
# Their ids obey the rules of path ids and are encoded as the executor encodes a path
# (knockkit._http.segment decides both), so an entity names the resource Knock reads.
_ENTITY_ORIGIN = "https://api.knock.app"


class Grant(str, enum.Enum):
    """The permissions a user token can grant on an entity."""

    SLACK_CHANNELS_READ = "slack/channels_read"
    MS_TEAMS_CHANNELS_READ = "ms_teams/channels_read"
    CHANNEL_DATA_READ = "channel_data/read"
    CHANNEL_DATA_WRITE = "channel_data/write"
    USER_FEED_READ = "user/feed_read"


@attrs.frozen
class TokenGrant:
    """Permissions on one entity, for ``sign_user_token(..., grants=[...])``."""

    entity: str
    grants: tuple[Grant, ...]


def _grant(entity: str, grants: Iterable[Grant | str]) -> TokenGrant:
    if isinstance(grants, str):
        raise TypeError("grants must be a list of Grant values, not a single string")
    checked = []
    for grant in grants:
        try:
            checked.append(Grant(grant))
        except ValueError:
            known = ", ".join(g.value for g in Grant)
            raise ValueError(f"unknown grant {grant!r}; Knock's grants are: {known}") from None
    return TokenGrant(entity, tuple(checked))


def user_grant(user_id: str, grants: Iterable[Grant | str]) -> TokenGrant:
    """Grants on a user: ``user_grant("jhammond", [Grant.USER_FEED_READ])``."""
    return _grant(f"{_ENTITY_ORIGIN}/v1/users/{segment('user_id', user_id)}", grants)


def tenant_grant(tenant_id: str, grants: Iterable[Grant | str]) -> TokenGrant:
    """Grants on a tenant: ``tenant_grant("jurassic-park", [Grant.SLACK_CHANNELS_READ])``."""
    return _grant(f"{_ENTITY_ORIGIN}/v1/objects/$tenants/{segment('tenant_id', tenant_id)}", grants)


def object_grant(collection: str, object_id: str, grants: Iterable[Grant | str]) -> TokenGrant:
    """Grants on an object: ``object_grant("projects", "p1", [Grant.CHANNEL_DATA_WRITE])``."""
    path = f"{segment('collection', collection)}/{segment('object_id', object_id)}"
    return _grant(f"{_ENTITY_ORIGIN}/v1/objects/{path}", grants)


def _grants_claim(grants: Iterable[TokenGrant]) -> dict[str, dict[str, list[Any]]]:
    claim: dict[str, dict[str, list[Any]]] = {}
    for grant in grants:
        if not isinstance(grant, TokenGrant):
            raise TypeError("grants must be built with user_grant(), tenant_grant() or object_grant()")
        claim.setdefault(grant.entity, {}).update({g.value: [] for g in grant.grants})
    return claim


# Knock's own SDKs sign for an hour by default, and Knock's docs name no maximum. A user
# token cannot be revoked on its own (only by rotating the signing key, which ends every
# user's token), so a leaked one works until it expires: knockkit refuses lifetimes past
# 30 days, and apps that need longer sessions sign a new token when the old one expires.
MAX_EXPIRES_IN_SECONDS = 30 * 24 * 60 * 60

_KEY_HELP = (
    "the signing key from the Knock dashboard, as PEM text or base64 of the PEM (a str, "
    "or ASCII bytes), holding an RSA private key (PKCS#1 or PKCS#8)"
)


def _check_lifetime(seconds: object) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"expires_in_seconds must be an int (whole seconds), not {type(seconds).__name__}")
    # The value is never formatted: str() of an int past 4,300 digits is itself an error.
    if seconds <= 0:
        raise ValueError(f"expires_in_seconds must be a positive number of seconds (1 to {MAX_EXPIRES_IN_SECONDS})")
    if seconds > MAX_EXPIRES_IN_SECONDS:
        raise ValueError(
            f"expires_in_seconds must be at most {MAX_EXPIRES_IN_SECONDS} (30 days): a user token cannot be "
            "revoked except by rotating the signing key, so keep it short-lived and sign a new one when it expires"
        )
    return seconds


# Error messages below never include the key or anything derived from it, and are raised
# outside except blocks so that no library error (which may quote the key) is chained.


def _pem(signing_key: object) -> tuple[str, str]:
    """Where the key came from (the argument or the environment), and its PEM text."""
    source = "signing_key"
    if signing_key is None:
        source, signing_key = "KNOCK_SIGNING_KEY", os.environ.get("KNOCK_SIGNING_KEY", "")
    if isinstance(signing_key, bytes):
        signing_key = _ascii(signing_key)
    if not isinstance(signing_key, str):
        raise TypeError(f"signing_key must be str (or bytes) PEM text, not {type(signing_key).__name__}")
    key = signing_key.strip()
    if not key:
        raise ValueError(f"no signing key: pass signing_key= or set KNOCK_SIGNING_KEY to {_KEY_HELP}")
    if not key.startswith("-----BEGIN"):
        key = _unbase64(key).strip()
        if not key.startswith("-----BEGIN"):
            raise ValueError(f"{source} is neither PEM nor base64 of PEM; expected {_KEY_HELP}")
    if "\\n" in key and "\n" not in key:  # newlines escaped by an env file
        key = key.replace("\\n", "\n")
    return source, key


def _ascii(data: bytes) -> str:
    text = data.decode("ascii", errors="replace")  # no UnicodeDecodeError: it would hold the bytes
    if "\ufffd" in text:
        raise ValueError(f"signing_key bytes must be ASCII PEM text; expected {_KEY_HELP}")
    return text


def _unbase64(text: str) -> str:
    """The text that ``text`` is base64 of, or "" when it is not base64 of ASCII."""
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return ""
    return decoded.decode("ascii", errors="replace")


@functools.lru_cache(maxsize=8)
def _rsa_key(source: str, pem: str) -> Any:
    """The python-jose key that signs with ``pem``, which must hold an RSA private key."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from jose import jwk

    label = pem.split("\n", 1)[0]
    if "CERTIFICATE" in label:
        raise ValueError(
            f"{source} is an X.509 certificate, which holds only a public key; "
            "signing needs the RSA private key from the Knock dashboard"
        )
    if "PUBLIC KEY" in label:
        raise ValueError(f"{source} is a public key; signing needs the private key from the dashboard")
    private_key, problem = None, ""
    try:
        private_key = load_pem_private_key(pem.encode("utf-8", "surrogatepass"), password=None)
    except TypeError:  # cryptography's word for "encrypted, and no password given"
        problem = f"{source} is encrypted with a passphrase; pass the unencrypted RSA private key"
    except Exception:  # any parse failure is the same answer for the caller
        problem = f"{source} could not be read; expected {_KEY_HELP}"
    if problem:
        raise ValueError(problem)
    kind = _non_rsa_kind(private_key)
    if kind:
        raise ValueError(
            f"{source} holds {kind} private key; Knock's user tokens are RS256 and need "
            "the RSA private key from the Knock dashboard"
        )
    return jwk.construct(private_key, "RS256")


def _non_rsa_kind(private_key: object) -> str:
    """How to name a private key that is not RSA ("an EC"), or "" for an RSA key."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

    if isinstance(private_key, rsa.RSAPrivateKey):
        return ""
    kinds = {
        ec.EllipticCurvePrivateKey: "an EC",
        ed25519.Ed25519PrivateKey: "an Ed25519",
        ed448.Ed448PrivateKey: "an Ed448",
        dsa.DSAPrivateKey: "a DSA",
        x25519.X25519PrivateKey: "an X25519",
        x448.X448PrivateKey: "an X448",
    }
    return next((name for cls, name in kinds.items() if isinstance(private_key, cls)), "a non-RSA")


def _key_or_problem(signing_key: object) -> tuple[Any, Exception | None]:
    """The key that signs, or the error that says why ``signing_key`` cannot, stripped of
    its traceback: the frames it passed through hold the key in their locals."""
    try:
        return _rsa_key(*_pem(signing_key)), None
    except (TypeError, ValueError) as error:
        return None, error.with_traceback(None)


def sign_user_token(
    user_id: str,
    *,
    signing_key: str | bytes | None = None,
    expires_in_seconds: int = 3600,
    grants: Iterable[TokenGrant] | None = None,
    jti: bool = False,
) -> str:
    """Sign a user token (RS256 JWT) for client-side Knock requests.

    The claims are ``sub`` (the user id), ``iat``, ``exp`` (``expires_in_seconds`` later),
    ``grants`` when given, and a random ``jti`` when ``jti=True``.

    Args:
        user_id: the token's subject; it obeys the rules of a user id in a path (non-empty,
            at most 256 characters, no ``/`` or ``#``, not ``.`` or ``..``).
        signing_key: the RSA private key from the Knock dashboard (PKCS#1 or PKCS#8), as
            PEM or base64 of PEM, in a ``str`` or in ASCII ``bytes``; without it,
            ``KNOCK_SIGNING_KEY`` is read.
        expires_in_seconds: an ``int`` from 1 to ``MAX_EXPIRES_IN_SECONDS`` (30 days).
            Knock's docs name no maximum, but a user token cannot be revoked except by
            rotating the signing key (which ends every user's token), so a leaked token
            works until it expires: sign a new one instead of a long-lived one.
        grants: resource grants (``user_grant``, ``object_grant``, ``tenant_grant``).
        jti: add a random ``jti`` claim.

    Returns:
        The signed token.

    Raises:
        ValueError: an EC or Ed25519 key, a certificate, a public key or an encrypted key
            (the message says which), or an argument outside its rule. An error never shows
            the key, not even in the locals of the frames on its traceback.
    """
    segment("user_id", user_id)  # the subject obeys the rules of a user id in a path
    lifetime = _check_lifetime(expires_in_seconds)
    if isinstance(grants, (TokenGrant, Mapping)):
        raise TypeError("grants must be a list of TokenGrant values")
    grants_claim = _grants_claim(grants) if grants is not None else None
    key, problem = _key_or_problem(signing_key)
    del signing_key  # an error raised from here must not find the key in this frame's locals
    if problem is not None:
        raise problem
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "iat": now, "exp": now + lifetime}
    if grants_claim is not None:
        claims["grants"] = grants_claim
    if jti:
        claims["jti"] = str(uuid.uuid4())
    from jose import jwt

    token: str = jwt.encode(claims, key, algorithm="RS256")
    return token
