"""User tokens for Knock's enhanced security mode: RS256 JWTs signed with your signing key.

python-jose is imported only when a token is signed, so ``import knockkit`` stays light.
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

__all__ = ["Grant", "TokenGrant", "object_grant", "sign_user_token", "tenant_grant", "user_grant"]

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


_KEY_HELP = (
    "the signing key from the Knock dashboard, as PEM text or base64 of the PEM, "
    "holding an RSA private key (PKCS#1 or PKCS#8)"
)


def _pem(signing_key: str | None) -> str:
    key = signing_key if signing_key is not None else os.environ.get("KNOCK_SIGNING_KEY")
    if not key or not key.strip():
        raise ValueError(f"no signing key: pass signing_key= or set KNOCK_SIGNING_KEY to {_KEY_HELP}")
    key = key.strip()
    if not key.startswith("-----BEGIN"):
        try:
            key = base64.b64decode("".join(key.split()), validate=True).decode("utf-8").strip()
        except (binascii.Error, UnicodeDecodeError):
            key = ""
        if not key.startswith("-----BEGIN"):
            raise ValueError(f"signing_key is neither PEM nor base64 of PEM; expected {_KEY_HELP}")
    if "\\n" in key and "\n" not in key:  # newlines escaped by an env file
        key = key.replace("\\n", "\n")
    if "PUBLIC KEY" in key.split("\n", 1)[0]:
        raise ValueError("signing_key is a public key; signing needs the private key from the dashboard")
    return key


@functools.lru_cache(maxsize=8)
def _rsa_key(pem: str) -> Any:
    from jose import jwk

    try:
        return jwk.construct(pem, "RS256")
    except Exception:
        # Never chain the library's error: some echo the key material.
        raise ValueError(f"signing_key could not be read; expected {_KEY_HELP}") from None


def sign_user_token(
    user_id: str,
    *,
    signing_key: str | None = None,
    expires_in_seconds: int = 3600,
    grants: Iterable[TokenGrant] | None = None,
    jti: bool = False,
) -> str:
    """Sign a user token (RS256 JWT) for client-side Knock requests.

    The claims are ``sub`` (the user id), ``iat``, ``exp`` (``expires_in_seconds`` later),
    ``grants`` when given, and a random ``jti`` when ``jti=True``. ``signing_key`` is PEM
    or base64 of PEM; without it, ``KNOCK_SIGNING_KEY`` is read.
    """
    segment("user_id", user_id)  # the subject obeys the rules of a user id in a path
    if isinstance(expires_in_seconds, bool) or not isinstance(expires_in_seconds, int) or expires_in_seconds <= 0:
        raise ValueError(f"expires_in_seconds must be a positive whole number, got {expires_in_seconds!r}")
    key = _rsa_key(_pem(signing_key))
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "iat": now, "exp": now + expires_in_seconds}
    if grants is not None:
        if isinstance(grants, (TokenGrant, Mapping)):
            raise TypeError("grants must be a list of TokenGrant values")
        claims["grants"] = _grants_claim(grants)
    if jti:
        claims["jti"] = str(uuid.uuid4())
    from jose import jwt

    token: str = jwt.encode(claims, key, algorithm="RS256")
    return token
