"""User tokens: signed RS256, verified here with the public key."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt

import knockkit
from knockkit import Grant, object_grant, sign_user_token, tenant_grant, user_grant

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PKCS8 = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
PKCS1 = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
).decode()
PUBLIC = _KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
).decode()
SECRET_LINE = PKCS8.splitlines()[5]  # a line of key material that must never be echoed


def verify(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, PUBLIC, algorithms=["RS256"])
    return claims


@pytest.mark.parametrize("pem", [PKCS8, PKCS1], ids=["pkcs8", "pkcs1"])
def test_pem_keys_sign_verifiable_tokens(pem: str) -> None:
    before = int(time.time())
    token = sign_user_token("jhammond", signing_key=pem)
    claims = verify(token)
    assert claims["sub"] == "jhammond"
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 3600
    assert "jti" not in claims and "grants" not in claims
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT"}


def test_base64_pem_and_expiry() -> None:
    encoded = base64.b64encode(PKCS8.encode()).decode()
    claims = verify(sign_user_token("u1", signing_key=encoded, expires_in_seconds=60))
    assert claims["exp"] - claims["iat"] == 60


def test_key_from_environment_with_escaped_newlines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOCK_SIGNING_KEY", PKCS1.replace("\n", "\\n"))
    assert verify(sign_user_token("u1"))["sub"] == "u1"


def test_jti_is_random_per_token() -> None:
    first = verify(sign_user_token("u1", signing_key=PKCS8, jti=True))["jti"]
    second = verify(sign_user_token("u1", signing_key=PKCS8, jti=True))["jti"]
    assert first != second and len(first) == 36


def test_grants_for_users_tenants_and_objects() -> None:
    grants = [
        tenant_grant("jurassic-park", [Grant.SLACK_CHANNELS_READ]),
        object_grant("projects", "p1", [Grant.CHANNEL_DATA_READ, "channel_data/write"]),
        user_grant("jhammond", [Grant.USER_FEED_READ]),
        tenant_grant("jurassic-park", [Grant.MS_TEAMS_CHANNELS_READ]),
    ]
    claims = verify(sign_user_token("jhammond", signing_key=PKCS8, grants=grants))
    assert claims["grants"] == {
        "https://api.knock.app/v1/objects/$tenants/jurassic-park": {
            "slack/channels_read": [],
            "ms_teams/channels_read": [],
        },
        "https://api.knock.app/v1/objects/projects/p1": {"channel_data/read": [], "channel_data/write": []},
        "https://api.knock.app/v1/users/jhammond": {"user/feed_read": []},
    }


def test_unknown_grant_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown grant 'slack/channel_read'; Knock's grants are: slack/"):
        tenant_grant("t1", ["slack/channel_read"])
    with pytest.raises(TypeError, match="a list of Grant values, not a single string"):
        tenant_grant("t1", "slack/channels_read")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "no signing key: pass signing_key= or set KNOCK_SIGNING_KEY"),
        ("not a key at all " + SECRET_LINE, "neither PEM nor base64 of PEM"),
        (PUBLIC, "is a public key"),
        (PKCS8.replace(SECRET_LINE, SECRET_LINE[::-1]), "signing_key could not be read"),
    ],
)
def test_bad_keys_give_clear_errors_that_do_not_echo_them(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        sign_user_token("u1", signing_key=key)
    assert SECRET_LINE not in str(info.value)
    assert SECRET_LINE[::-1] not in str(info.value)
    # No chained library error (which might quote the key) is shown with it.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_missing_key_everywhere() -> None:
    with pytest.raises(ValueError, match="KNOCK_SIGNING_KEY"):
        sign_user_token("u1")


@pytest.mark.parametrize(
    ("user_id", "expires", "error"), [("", 10, ValueError), ("u1", 0, ValueError), ("u1", True, TypeError)]
)
def test_bad_arguments(user_id: str, expires: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        sign_user_token(user_id, signing_key=PKCS8, expires_in_seconds=expires)


def test_import_knockkit_does_not_import_jose_or_cattrs() -> None:
    code = "import sys, knockkit; print(sorted(m for m in ('jose', 'cattrs') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert knockkit.sign_user_token is sign_user_token
