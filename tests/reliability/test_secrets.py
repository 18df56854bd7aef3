"""The API key and the signing key never show: not in reprs, errors, tracebacks or logs.

Every error path is taken once, against a server that is as unhelpful as possible (it
echoes the Authorization header in its error messages and bodies). Then everything a
person could end up reading is searched for the secrets: repr and str of clients and of
every exception with its whole __cause__/__context__ chain, the tracebacks as
traceback.format_exception prints them, and every record the "knockkit" and "urllib3"
loggers emitted at DEBUG.
"""

from __future__ import annotations

import base64
import logging
import socket
import traceback
from collections.abc import Callable, Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import knockkit
from knockkit import users, workflows
from tests.conftest import TEST_KEY
from tests.reliability._server import FaultServer, Hang, Request, Reset, Respond, json_response
from tests.reliability.conftest import make_client

PUBLIC_KEY = "pk_test_5e1f0c7a9b3d2e4f6a8c"


@pytest.fixture(scope="module")
def signing_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def secret_fragments(pem: str) -> list[str]:
    """Strings whose presence anywhere would mean a secret leaked."""
    body = pem.strip().splitlines()[1:-1]  # every base64 line of the key is key material
    b64_of_pem = base64.b64encode(pem.encode()).decode()
    return [TEST_KEY, TEST_KEY[len("sk_test_") :], PUBLIC_KEY, *body, b64_of_pem[60:120], b64_of_pem[-120:-60]]


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def debug_logs() -> Iterator[Collector]:
    collector = Collector()
    loggers = [logging.getLogger("knockkit"), logging.getLogger("urllib3")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(collector)
        lg.setLevel(logging.DEBUG)
    try:
        yield collector
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(collector)
            lg.setLevel(level)


def exception_texts(exc: BaseException) -> list[str]:
    texts, seen, pending = [], set(), [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [repr(current), str(current), repr(current.args)]
        texts.append("".join(traceback.format_exception(type(current), current, current.__traceback__)))
        pending += [current.__cause__, current.__context__]
    return texts


def unfriendly_server(request: Request) -> Respond | Hang | Reset:
    """Answers chosen by the last path segment; every body repeats the Authorization header."""
    auth = request.headers.get("authorization", "")
    segments = request.segments()
    what = segments[2]  # /v1/users/{what} or /v1/workflows/{what}/trigger
    if what.isdigit():
        body = {"code": f"code {auth}", "message": f"rejected {auth}", "status": int(what), "type": "api_error"}
        return json_response(int(what), body, **{"x-request-id": "req_1", "retry-after": "0"})
    return {
        "html-error": Respond(502, f"<html><pre>{auth}</pre></html>".encode()),
        "html-ok": Respond(200, f"<html><pre>{auth}</pre></html>".encode()),
        "wrong-shape": json_response(200, {"created_at": auth, "name": auth}),  # no id
        "wrong-field": json_response(200, {"id": "u1", "created_at": auth, "name": [auth]}),
        "empty": Respond(200),
        "hang": Hang(),
        "reset": Reset(),
    }[what]


def test_no_error_path_shows_a_secret(
    server: FaultServer, debug_logs: Collector, signing_pem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.handler = unfriendly_server
    client = make_client(server, max_retries=1, backoff_factor=0.001)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    refused = client.evolve(base_url=f"http://127.0.0.1:{closed_port}")

    class SecretsKnock(knockkit.KnockInstance, app="reliability-secrets"):
        pass

    knockkit.configure("reliability-secrets", SecretsKnock, api_key=knockkit.env("RELIABILITY_UNSET_KEY"))
    lines = signing_pem.strip().splitlines()
    corrupt_pem = "\n".join([*lines[:3], lines[3][::-1], *lines[4:]])
    truncated_pem = "\n".join([*lines[:6], lines[-1]])

    def monkeyed_env_key() -> object:
        monkeypatch.setenv("KNOCK_SIGNING_KEY", corrupt_pem)
        return knockkit.sign_user_token("u1")

    paths: dict[str, tuple[Callable[[], object], type[BaseException]]] = {
        **{
            f"status {status}": (lambda s=status: users.get(client, str(s)), cls)  # type: ignore[misc]
            for status, cls in [
                (400, knockkit.BadRequestError),
                (401, knockkit.AuthenticationError),
                (403, knockkit.PermissionDeniedError),
                (404, knockkit.NotFoundError),
                (409, knockkit.ConflictError),
                (418, knockkit.APIError),
                (422, knockkit.UnprocessableEntityError),
                (429, knockkit.RateLimitError),
                (500, knockkit.ServerError),
                (503, knockkit.ServerError),
            ]
        },
        "html error page": (lambda: users.get(client, "html-error"), knockkit.ServerError),
        "html success": (lambda: users.get(client, "html-ok"), knockkit.APIResponseValidationError),
        "wrong shape": (lambda: users.get(client, "wrong-shape"), knockkit.APIResponseValidationError),
        # fields are read on first access, after the response's redaction: their errors quote no value
        "wrong timestamp": (lambda: users.get(client, "wrong-field").created_at, ValueError),
        "wrong field type": (lambda: users.get(client, "wrong-field").name, TypeError),
        "empty body": (lambda: users.get(client, "empty"), knockkit.APIResponseValidationError),
        "timeout": (lambda: users.get(client, "hang"), knockkit.APITimeoutError),
        "reset": (lambda: users.get(client, "reset"), knockkit.APIConnectionError),
        "trigger reset": (lambda: workflows.trigger(client, "reset", recipients=["u1"]), knockkit.APIConnectionError),
        "refused": (lambda: users.get(refused, "u1"), knockkit.APIConnectionError),
        "no api key": (SecretsKnock.client, knockkit.ApiKeyMissingError),
        "public key as api key": (lambda: knockkit.Client(api_key=PUBLIC_KEY), ValueError),
        "api key with a newline": (lambda: knockkit.Client(api_key=TEST_KEY + "\n"), ValueError),
        "bad timeout": (lambda: client.evolve(timeout=-1), ValueError),
        "bad base url": (lambda: client.evolve(base_url="ftp://example.com"), ValueError),
        "unknown setting": (lambda: client.evolve(api_token=TEST_KEY), TypeError),
        "empty id": (lambda: users.get(client, ""), ValueError),
        "id not a string": (lambda: users.get(client, 5), TypeError),  # type: ignore[arg-type]
        "recipients not a list": (lambda: workflows.trigger(client, "wf", recipients="u1"), TypeError),
        "page size": (lambda: users.list(client, page_size=500), ValueError),
        "unsendable body": (lambda: users.identify(client, "u1", {"key": TEST_KEY, "x": object()}), TypeError),
        "corrupt signing key": (lambda: knockkit.sign_user_token("u1", signing_key=corrupt_pem), ValueError),
        "truncated signing key": (lambda: knockkit.sign_user_token("u1", signing_key=truncated_pem), ValueError),
        "base64 of a corrupt signing key": (
            lambda: knockkit.sign_user_token("u1", signing_key=base64.b64encode(corrupt_pem.encode()).decode()),
            ValueError,
        ),
        "signing key that is not a key": (
            lambda: knockkit.sign_user_token("u1", signing_key=lines[2] + lines[3]),
            ValueError,
        ),
        "corrupt signing key from the environment": (monkeyed_env_key, ValueError),
        "api key as signing key": (lambda: knockkit.sign_user_token("u1", signing_key=TEST_KEY), ValueError),
    }

    texts: dict[str, list[str]] = {
        "client": [repr(client), str(client), repr(client.evolve(branch="b")), repr(refused)],
        "instance client": [repr(SecretsKnock.client(api_key=TEST_KEY))],
    }
    for name, (call, expected) in paths.items():
        with pytest.raises(expected) as info:
            call()
        texts[name] = exception_texts(info.value)

    assert debug_logs.records, "the loggers emitted nothing at DEBUG"
    for index, record in enumerate(debug_logs.records):
        texts[f"log record {index}"] = [debug_logs.format(record), repr(record.args), record.getMessage()]

    leaks = [
        (name, fragment[:20])
        for name, found in texts.items()
        for fragment in secret_fragments(signing_pem)
        if any(fragment in text for text in found)
    ]
    assert leaks == []
    # The secrets really were within reach: the server saw the key, and echoed it.
    assert any(r.headers.get("authorization") == f"Bearer {TEST_KEY}" for r in server.requests)
