"""User tokens under hostile input: grant ids, keys that are not RSA private keys, odd lifetimes.

Grant ids obey the rules of path ids and are encoded as the executor encodes a path (one
function, ``knockkit._http.segment``, decides both). Every refused signing key gets a clear
error that names ``signing_key`` and shows no part of the key: not in the message, args or
repr, not in a chained error, and not in a local of any knockkit frame on the traceback.
Tokens that are signed are checked with python-jose and the public key.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from jose import jwt

import knockkit
from knockkit import Grant, object_grant, objects, sign_user_token, tenant_grant, user_grant
from knockkit._http import segment
from tests.reliability._server import FaultServer, Request, Respond, knock_error
from tests.reliability.conftest import make_client
from tests.reliability.test_secrets import exception_texts

THIRTY_DAYS = 30 * 24 * 3600

# --- keys, made fresh for this module -------------------------------------------------------

_NO_PASSWORD = serialization.NoEncryption()
_PKCS8 = serialization.PrivateFormat.PKCS8
_TRADITIONAL = serialization.PrivateFormat.TraditionalOpenSSL

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PKCS8 = RSA_KEY.private_bytes(serialization.Encoding.PEM, _PKCS8, _NO_PASSWORD).decode()
PKCS1 = RSA_KEY.private_bytes(serialization.Encoding.PEM, _TRADITIONAL, _NO_PASSWORD).decode()
PUBLIC = (
    RSA_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
RSA_PUBLIC_PKCS1 = (
    RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode()
)
ENCRYPTED = RSA_KEY.private_bytes(
    serialization.Encoding.PEM, _PKCS8, serialization.BestAvailableEncryption(b"correct horse")
).decode()

EC_KEY = ec.generate_private_key(ec.SECP256R1())
EC_PKCS8 = EC_KEY.private_bytes(serialization.Encoding.PEM, _PKCS8, _NO_PASSWORD).decode()
EC_SEC1 = EC_KEY.private_bytes(serialization.Encoding.PEM, _TRADITIONAL, _NO_PASSWORD).decode()
ED25519 = ed25519.Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, _PKCS8, _NO_PASSWORD).decode()


def _self_signed_certificate() -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "knockkit test")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(RSA_KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(RSA_KEY, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


CERTIFICATE = _self_signed_certificate()


def b64(pem: str) -> str:
    return base64.b64encode(pem.encode()).decode()


def verify(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, PUBLIC, algorithms=["RS256"])
    return claims


# --- what must never show -------------------------------------------------------------------


def fragments(pem: str) -> list[str]:
    """Every line of key material in ``pem``, and slices of its base64 form."""
    body = [line for line in pem.strip().splitlines()[1:-1] if len(line) >= 16]
    encoded = b64(pem)
    return [*body, encoded[40:100], encoded[-100:-40]]


def _frames(tb: types.TracebackType | None) -> Iterator[types.FrameType]:
    while tb is not None:
        yield tb.tb_frame
        tb = tb.tb_next


def frame_locals(exc: BaseException) -> list[str]:
    """The locals of the frames ``exc`` passed through, as ``pytest -l`` or ``capture_locals=True``
    print them. This test's own frames are left out: they hold the key because they pass it in."""
    here = Path(__file__).resolve()
    return [
        f"{name}={value!r}"
        for frame in _frames(exc.__traceback__)
        if Path(frame.f_code.co_filename).resolve() != here
        for name, value in frame.f_locals.items()
    ]


def assert_nothing_shows(exc: BaseException, pem: str) -> None:
    assert exc.__cause__ is None
    assert exc.__context__ is None
    texts = exception_texts(exc) + frame_locals(exc)
    leaked = [fragment[:12] for fragment in fragments(pem) if any(fragment in text for text in texts)]
    assert leaked == []


@pytest.fixture(autouse=True)
def no_environment_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KNOCK_SIGNING_KEY", raising=False)


# --- item 13: signing keys ------------------------------------------------------------------

CORRUPT = PKCS8.replace(PKCS8.splitlines()[5], PKCS8.splitlines()[5][::-1])

# name: (key, start of the message, the PEM whose material must not show)
REFUSED_KEYS: dict[str, tuple[str | bytes, str, str]] = {
    "ec p-256 pkcs8": (EC_PKCS8, "signing_key holds an EC private key; Knock's user tokens are RS256", EC_PKCS8),
    "ec p-256 sec1": (EC_SEC1, "signing_key holds an EC private key; Knock's user tokens are RS256", EC_SEC1),
    "ed25519": (ED25519, "signing_key holds an Ed25519 private key; Knock's user tokens are RS256", ED25519),
    "ec p-256 as base64": (b64(EC_PKCS8), "signing_key holds an EC private key", EC_PKCS8),
    "ec p-256 as bytes": (EC_PKCS8.encode(), "signing_key holds an EC private key", EC_PKCS8),
    "x.509 certificate": (CERTIFICATE, "signing_key is an X.509 certificate", CERTIFICATE),
    "certificate as base64": (b64(CERTIFICATE), "signing_key is an X.509 certificate", CERTIFICATE),
    "rsa public key": (PUBLIC, "signing_key is a public key", PUBLIC),
    "rsa public key pkcs1": (RSA_PUBLIC_PKCS1, "signing_key is a public key", RSA_PUBLIC_PKCS1),
    "encrypted rsa key": (ENCRYPTED, "signing_key is encrypted", ENCRYPTED),
    "corrupt rsa key": (CORRUPT, "signing_key could not be read", CORRUPT),
    "garbage": ("not a key " + PKCS8.splitlines()[5], "signing_key is neither PEM nor base64 of PEM", PKCS8),
    "non-ascii bytes": (PKCS8.encode() + "é".encode(), "signing_key bytes must be ASCII PEM text", PKCS8),
}


@pytest.mark.parametrize(("key", "message", "secret"), REFUSED_KEYS.values(), ids=REFUSED_KEYS.keys())
def test_refused_keys_get_a_clear_error_that_shows_no_key(key: str | bytes, message: str, secret: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}") as info:
        sign_user_token("u1", signing_key=key)
    assert_nothing_shows(info.value, secret)


def test_key_from_the_environment_is_checked_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOCK_SIGNING_KEY", ED25519)
    with pytest.raises(ValueError, match="KNOCK_SIGNING_KEY holds an Ed25519 private key") as info:
        sign_user_token("u1")
    assert_nothing_shows(info.value, ED25519)


def test_missing_key_names_both_places() -> None:
    with pytest.raises(ValueError, match="no signing key: pass signing_key= or set KNOCK_SIGNING_KEY") as info:
        sign_user_token("u1", signing_key=None)
    assert info.value.__context__ is None


@pytest.mark.parametrize("key", [3, 3.5, ["-----BEGIN PRIVATE KEY-----"], bytearray(b"key")], ids=repr)
def test_a_key_that_is_not_text_is_a_type_error(key: object) -> None:
    with pytest.raises(TypeError, match=f"signing_key must be str .or bytes. PEM text, not {type(key).__name__}"):
        sign_user_token("u1", signing_key=key)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "key",
    [PKCS8, PKCS1, b64(PKCS8), b64(PKCS1), PKCS8.encode(), b64(PKCS1).encode()],
    ids=["pkcs8", "pkcs1", "pkcs8 base64", "pkcs1 base64", "pkcs8 bytes", "pkcs1 base64 bytes"],
)
def test_rsa_private_keys_sign_verifiable_tokens(key: str | bytes) -> None:
    before = int(time.time())
    token = sign_user_token("jhammond", signing_key=key, expires_in_seconds=120)
    claims = verify(token)
    assert claims["sub"] == "jhammond"
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 120
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT"}


# --- item 13: lifetimes ---------------------------------------------------------------------


def test_the_longest_lifetime_is_thirty_days() -> None:
    assert knockkit.tokens.MAX_EXPIRES_IN_SECONDS == THIRTY_DAYS
    claims = verify(sign_user_token("u1", signing_key=PKCS8, expires_in_seconds=THIRTY_DAYS))
    assert claims["exp"] - claims["iat"] == THIRTY_DAYS


@pytest.mark.parametrize("seconds", [THIRTY_DAYS + 1, 10**20, 10**5000], ids=["max+1", "1e20", "1e5000"])
def test_lifetimes_past_the_bound_are_refused(seconds: int) -> None:
    with pytest.raises(ValueError) as info:
        sign_user_token("u1", signing_key=PKCS8, expires_in_seconds=seconds)
    assert str(info.value) == (
        "expires_in_seconds must be at most 2592000 (30 days): a user token cannot be revoked "
        "except by rotating the signing key, so keep it short-lived and sign a new one when it expires"
    )


@pytest.mark.parametrize("seconds", [0, -1, -(10**5000)], ids=["0", "-1", "-1e5000"])
def test_lifetimes_that_are_not_positive_are_refused(seconds: int) -> None:
    with pytest.raises(ValueError) as info:
        sign_user_token("u1", signing_key=PKCS8, expires_in_seconds=seconds)
    assert str(info.value) == "expires_in_seconds must be a positive number of seconds (1 to 2592000)"


@pytest.mark.parametrize("seconds", [True, False, 60.0, 1.5, float("nan"), float("inf"), "3600", None], ids=repr)
def test_lifetimes_that_are_not_ints_are_type_errors(seconds: object) -> None:
    with pytest.raises(TypeError) as info:
        sign_user_token("u1", signing_key=PKCS8, expires_in_seconds=seconds)  # type: ignore[arg-type]
    assert str(info.value) == f"expires_in_seconds must be an int (whole seconds), not {type(seconds).__name__}"


def test_lifetime_is_checked_before_the_key() -> None:
    # A bad lifetime is reported as such even when the key is bad too.
    with pytest.raises(ValueError, match="expires_in_seconds"):
        sign_user_token("u1", signing_key=EC_PKCS8, expires_in_seconds=0)


# --- item 5: grant ids ----------------------------------------------------------------------

GrantMaker = Callable[[str], knockkit.tokens.TokenGrant]
GRANT_MAKERS: dict[str, GrantMaker] = {
    "user_id": lambda value: user_grant(value, [Grant.USER_FEED_READ]),
    "tenant_id": lambda value: tenant_grant(value, [Grant.SLACK_CHANNELS_READ]),
    "collection": lambda value: object_grant(value, "p1", [Grant.CHANNEL_DATA_READ]),
    "object_id": lambda value: object_grant("projects", value, [Grant.CHANNEL_DATA_READ]),
}
BAD_IDS = ["acme/../../../users/admin", "a#b", "..", ".", "", "a/b", "x\ud800", "#"]


@pytest.mark.parametrize("name", GRANT_MAKERS)
@pytest.mark.parametrize("value", BAD_IDS, ids=repr)
def test_grant_ids_follow_the_path_id_rules(name: str, value: str) -> None:
    with pytest.raises(ValueError) as expected:
        segment(name, value)
    with pytest.raises(ValueError) as info:
        GRANT_MAKERS[name](value)
    assert str(info.value) == str(expected.value)  # the very rule, and message, of path ids


@pytest.mark.parametrize("name", GRANT_MAKERS)
def test_grant_ids_that_are_not_strings_are_type_errors(name: str) -> None:
    with pytest.raises(TypeError, match=f"^{name} must be a string, not int$"):
        GRANT_MAKERS[name](5)  # type: ignore[arg-type]


def test_grant_user_ids_have_the_user_id_length_limit() -> None:
    assert user_grant("u" * 256, [Grant.USER_FEED_READ]).entity.endswith("/" + "u" * 256)
    with pytest.raises(ValueError, match="user_id is 257 characters long; Knock allows at most 256"):
        user_grant("u" * 257, [Grant.USER_FEED_READ])


def test_token_subject_follows_the_user_id_rules() -> None:
    for value in ["acme/../admin", "a#b", "..", "u" * 257]:
        with pytest.raises(ValueError, match="user_id"):
            sign_user_token(value, signing_key=PKCS8)
    with pytest.raises(TypeError, match="user_id must be a string, not int"):
        sign_user_token(5, signing_key=PKCS8)  # type: ignore[arg-type]


ODD_IDS = ["a?b", "a b", "50%", "é😀", "$:@~", "a;b=c", "..."]


@pytest.fixture(scope="module")
def path_server() -> Iterator[FaultServer]:
    def not_found(request: Request) -> Respond:
        return knock_error(404, "resource_missing", "not found")

    with FaultServer(not_found) as running:
        yield running
    assert running.handler_errors == []


def wire_path(server: FaultServer, collection: str, object_id: str) -> str:
    """The path knockkit sends for GET /v1/objects/{collection}/{object_id}."""
    client = make_client(server, max_retries=0)
    with pytest.raises(knockkit.NotFoundError):
        objects.get(client, collection, object_id)
    return server.requests[-1].path


@pytest.mark.parametrize("value", ODD_IDS, ids=repr)
def test_grant_entities_are_encoded_as_the_executor_sends_paths(path_server: FaultServer, value: str) -> None:
    tenant = urlsplit(tenant_grant(value, [Grant.SLACK_CHANNELS_READ]).entity)
    obj = urlsplit(object_grant(value, value, [Grant.CHANNEL_DATA_READ]).entity)
    user = urlsplit(user_grant(value, [Grant.USER_FEED_READ]).entity)
    assert (tenant.scheme, tenant.netloc, tenant.query, tenant.fragment) == ("https", "api.knock.app", "", "")
    assert tenant.path == wire_path(path_server, "$tenants", value)
    assert obj.path == wire_path(path_server, value, value)
    assert user.path == "/v1/users/" + wire_path(path_server, "c", value).rsplit("/", 1)[1]


def test_signed_grants_carry_the_encoded_entities() -> None:
    grants = [
        tenant_grant("acme?x=1", [Grant.SLACK_CHANNELS_READ]),
        object_grant("projects", "p 1", [Grant.CHANNEL_DATA_WRITE]),
        user_grant("jhammond@ingen.net", [Grant.USER_FEED_READ]),
    ]
    claims = verify(sign_user_token("jhammond@ingen.net", signing_key=b64(PKCS1), grants=grants))
    assert claims["sub"] == "jhammond@ingen.net"
    assert claims["grants"] == {
        "https://api.knock.app/v1/objects/$tenants/acme%3Fx%3D1": {"slack/channels_read": []},
        "https://api.knock.app/v1/objects/projects/p%201": {"channel_data/write": []},
        "https://api.knock.app/v1/users/jhammond@ingen.net": {"user/feed_read": []},
    }
