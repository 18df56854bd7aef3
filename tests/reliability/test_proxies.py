"""Proxies from the environment (issue 10, item 5), through a real forward proxy on 127.0.0.1.

The clients are pointed at ``knock.test``, a name that does not resolve: only the proxy
(tests/reliability/_proxy.py) turns it into a loopback port. So a request that reaches the
server went through the proxy, and one that went direct fails to resolve the name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import logging
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from pytest_httpserver import HTTPServer

import knockkit
from knockkit import users
from knockkit._transport import proxies
from tests.conftest import PROXY_VARS, TEST_KEY, call, make_client
from tests.reliability._proxy import ForwardProxy
from tests.reliability._server import Drip, FaultServer, Respond, json_response

ROOT = Path(__file__).resolve().parent.parent.parent
USER = {"id": "u1", "name": "Ellie Sattler"}
PASSWORD = "s3cr:t@pw"  # needs percent-encoding in a URL
ENCODED_PASSWORD = "s3cr%3At%40pw"


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as running:
        yield running
    assert running.errors == []


@pytest.fixture
def locked_proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy(credentials=("knock", PASSWORD)) as running:
        yield running
    assert running.errors == []


def closing(status: int, body: Any) -> Respond:
    """A response after which the server closes (the proxy relays until it does)."""
    return dataclasses.replace(json_response(status, body), close=True)


def via_name(server_url: str) -> str:
    """The server's URL with its host a name only the proxy resolves."""
    return server_url.rstrip("/").replace("localhost", "knock.test").replace("127.0.0.1", "knock.test")


# --- plain HTTP through the proxy (absolute-URI requests) ----------------------------------


def test_requests_go_through_http_proxy(
    httpserver: HTTPServer, proxy: ForwardProxy, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json(USER)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    base = via_name(httpserver.url_for("/"))
    client = make_client(transport, api_key=TEST_KEY, base_url=base)
    assert call(users.get, client, "u1").name == "Ellie Sattler"
    assert [(s.method, s.target) for s in proxy.seen] == [("GET", f"{base}/v1/users/u1")]
    assert httpserver.log[0][0].headers["Authorization"] == f"Bearer {TEST_KEY}"


def test_proxy_credentials_are_sent_and_never_shown(
    httpserver: HTTPServer,
    locked_proxy: ForwardProxy,
    transport: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json(USER)
    monkeypatch.setenv("http_proxy", f"http://knock:{ENCODED_PASSWORD}@127.0.0.1:{locked_proxy.port}")
    seen: list[knockkit.RequestEvent] = []
    client = make_client(
        transport, api_key=TEST_KEY, base_url=via_name(httpserver.url_for("/")), on_response=seen.append
    )
    with caplog.at_level(logging.DEBUG, logger="knockkit"):
        assert call(users.get, client, "u1").id == "u1"
    assert locked_proxy.seen[-1].headers["proxy-authorization"].startswith("Basic ")
    shown = f"http://***:***@127.0.0.1:{locked_proxy.port}"
    assert f"via the proxy {shown} (from http_proxy)" in caplog.text
    for text in (caplog.text, repr(client), str(client), repr(seen)):
        assert PASSWORD not in text and ENCODED_PASSWORD not in text and "knock:" not in text


def test_a_proxy_that_refuses_the_credentials_is_an_api_error_without_them(
    httpserver: HTTPServer, locked_proxy: ForwardProxy, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://knock:wrong-{ENCODED_PASSWORD}@127.0.0.1:{locked_proxy.port}")
    client = make_client(transport, api_key=TEST_KEY, base_url=via_name(httpserver.url_for("/")))
    with pytest.raises(knockkit.APIError) as info:
        call(users.get, client, "u1")
    assert info.value.status == 407
    assert "Proxy Authentication Required" in str(info.value)
    assert "wrong" not in str(info.value) and httpserver.log == []


def test_an_unreachable_proxy_is_named_in_the_error_without_credentials(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ForwardProxy() as gone:
        port = gone.port  # closed when the block ends: nothing listens there
    monkeypatch.setenv("HTTPS_PROXY", f"http://knock:{ENCODED_PASSWORD}@127.0.0.1:{port}")
    client = make_client(transport, api_key=TEST_KEY, base_url="https://knock.test", max_retries=0)
    with pytest.raises(knockkit.APIConnectionError) as info:
        call(users.get, client, "u1")
    message = str(info.value)
    assert f"failed to reach https://knock.test via the proxy http://***:***@127.0.0.1:{port} (from HTTPS_PROXY)" in (
        message
    )
    assert "Connection refused" in message
    assert PASSWORD not in message and ENCODED_PASSWORD not in message


def test_the_attempt_deadline_holds_through_the_proxy(
    proxy: ForwardProxy, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b'{"id": "u1"}'
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    with FaultServer() as server:
        # Minutes of dripping at 0.1 s a byte; a per-read timeout would wait for all of it.
        server.handler = lambda request: Drip(head + body, interval=0.1)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        client = make_client(transport, api_key=TEST_KEY, base_url=via_name(server.url), timeout=0.5, max_retries=0)
        with pytest.raises(knockkit.APITimeoutError) as info:
            call(users.get, client, "u1")
    assert info.value.attempts == 1 and len(proxy.seen) == 1
    assert "via the proxy http://127.0.0.1:" in str(info.value)


def test_clients_with_their_own_keys_share_the_proxy_pool(
    proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knockkit._transport import sync

    with FaultServer() as server:
        server.handler = lambda request: closing(200, USER)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        base = via_name(server.url)
        for key in ("sk_test_aaaaaaaaaa", "sk_test_bbbbbbbbbb", "sk_test_aaaaaaaaaa"):
            users.get(knockkit.Client(api_key=key, base_url=base), "u1")
        assert [r.headers["authorization"] for r in server.requests] == [
            "Bearer sk_test_aaaaaaaaaa", "Bearer sk_test_bbbbbbbbbb", "Bearer sk_test_aaaaaaaaaa",
        ]  # fmt: skip
    assert len(proxy.seen) == 3
    assert [url for url, _ in sync._proxied].count(proxy.url) == 1  # one ProxyManager for the proxy


# --- going direct -----------------------------------------------------------------------


def _direct_failure(client: knockkit.Client) -> str:
    with pytest.raises(knockkit.APIConnectionError) as info:
        call(users.get, client.evolve(max_retries=0), "u1")
    return str(info.value)


@pytest.mark.parametrize("no_proxy", ["knock.test", ".test", "test", "KNOCK.TEST", "other.org, knock.test", "*"])
def test_no_proxy_sends_direct(
    proxy: ForwardProxy, transport: str, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    client = make_client(transport, api_key=TEST_KEY, base_url="http://knock.test:8080")
    message = _direct_failure(client)
    assert "via the proxy" not in message and proxy.seen == []


def test_trust_env_false_ignores_the_environment(
    proxy: ForwardProxy, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    client = make_client(transport, api_key=TEST_KEY, base_url="http://knock.test:8080", trust_env=False)
    assert "via the proxy" not in _direct_failure(client)
    assert proxy.seen == []


def test_an_explicit_transport_wins(
    httpserver: HTTPServer, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json(USER)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    # A transport of one's own, itself a ProxyManager to the same proxy: used as it is.
    transport = urllib3.ProxyManager(proxy.url)
    client = knockkit.Client(api_key=TEST_KEY, base_url=via_name(httpserver.url_for("/")), transport=transport)
    assert users.get(client, "u1").id == "u1"
    assert len(proxy.seen) == 1
    direct = knockkit.Client(api_key=TEST_KEY, base_url="http://knock.test:8080", transport=urllib3.PoolManager())
    assert "via the proxy" not in _direct_failure(direct)
    assert len(proxy.seen) == 1


def test_loopback_is_never_proxied(
    httpserver: HTTPServer, proxy: ForwardProxy, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/v1/users/u1").respond_with_json(USER)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    for host in ("127.0.0.1", "localhost"):
        base = httpserver.url_for("/").replace("localhost", host)
        assert call(users.get, make_client(transport, api_key=TEST_KEY, base_url=base), "u1").id == "u1"
    assert proxy.seen == [] and len(httpserver.log) == 2


# --- HTTPS through the proxy (CONNECT), in a fresh process -----------------------------------


def _certificates(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA file, and a server context whose certificate the CA signed for knock.test."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)

    def build(subject: str, key: Any, issuer: Any, issuer_key: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("knock.test"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            ).add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
        return builder.sign(issuer_key or key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("knockkit test CA", ca_key, None, ca_key, True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = build("knock.test", leaf_key, ca.subject, ca_key, False)
    ca_file, cert_file, key_file = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return ca_file, context


CLIENT_PROCESS = """
import asyncio, sys, knockkit
from knockkit import users
cls = knockkit.AsyncClient if sys.argv[1] == "async" else knockkit.Client
client = cls(api_key=sys.argv[3], base_url=sys.argv[2], max_retries=0)
result = users.get(client, "u1")
print((asyncio.run(result) if sys.argv[1] == "async" else result).name)
"""


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HTTPServer, Path]]:
    ca_file, context = _certificates(tmp_path_factory.mktemp("tls"))
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    yield server, ca_file
    server.clear()
    if server.is_running():
        server.stop()


def test_https_goes_through_a_connect_tunnel(
    https_server: tuple[HTTPServer, Path], locked_proxy: ForwardProxy, transport: str
) -> None:
    server, ca_file = https_server
    server.clear()
    server.expect_request("/v1/users/u1").respond_with_json(USER)
    env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARS and not k.startswith("KNOCK_")}
    env["HTTPS_PROXY"] = f"http://knock:{ENCODED_PASSWORD}@127.0.0.1:{locked_proxy.port}"
    env["SSL_CERT_FILE"] = str(ca_file)
    base = f"https://knock.test:{server.port}"
    done = subprocess.run(
        [sys.executable, "-c", CLIENT_PROCESS, transport, base, TEST_KEY],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Ellie Sattler"
    assert [(s.method, s.target) for s in locked_proxy.seen] == [("CONNECT", f"knock.test:{server.port}")]
    # The tunnel carries the key to Knock; the proxy never sees it.
    assert "authorization" not in locked_proxy.seen[0].headers
    assert locked_proxy.seen[0].headers["proxy-authorization"].startswith("Basic ")
    assert server.log[0][0].headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert "Proxy-Authorization" not in server.log[0][0].headers


# --- how the environment is read -------------------------------------------------------------


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


@pytest.mark.parametrize(
    ("env", "base_url", "expected"),
    [
        ({}, "https://api.knock.app", None),
        ({"HTTPS_PROXY": "http://p:3128"}, "https://api.knock.app", "http://p:3128 HTTPS_PROXY"),
        ({"HTTPS_PROXY": "http://p:3128"}, "http://api.knock.app", None),
        ({"HTTP_PROXY": "http://p:3128"}, "http://api.knock.app", "http://p:3128 HTTP_PROXY"),
        ({"ALL_PROXY": "http://p:3128"}, "https://api.knock.app", "http://p:3128 ALL_PROXY"),
        ({"ALL_PROXY": "http://a:1", "HTTPS_PROXY": "http://h:2"}, "https://api.knock.app", "http://h:2 HTTPS_PROXY"),
        ({"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:2"}, "https://x.io", "http://low:1 https_proxy"),
        ({"https_proxy": "", "HTTPS_PROXY": "http://upper:2"}, "https://x.io", None),
        ({"HTTPS_PROXY": "p.corp:3128"}, "https://x.io", "http://p.corp:3128 HTTPS_PROXY"),
        ({"HTTPS_PROXY": "http://p.corp"}, "https://x.io", "http://p.corp:80 HTTPS_PROXY"),
        ({"HTTPS_PROXY": "https://p.corp"}, "https://x.io", "https://p.corp:443 HTTPS_PROXY"),
        ({"HTTPS_PROXY": "http://[::1]:3128"}, "https://x.io", "http://[::1]:3128 HTTPS_PROXY"),
        ({"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"}, "http://x.io", None),
        ({"http_proxy": "http://p:1", "REQUEST_METHOD": "GET"}, "http://x.io", "http://p:1 http_proxy"),
        ({"HTTPS_PROXY": "http://p:1"}, "https://localhost:8443", None),
        ({"HTTPS_PROXY": "http://p:1"}, "https://127.0.0.5", None),
        ({"HTTPS_PROXY": "http://p:1"}, "https://[::1]:8443", None),
        ({"HTTPS_PROXY": "http://p:1"}, "https://knock.localhost", None),
    ],
)
def test_which_variable_names_the_proxy(
    environ: Any, env: dict[str, str], base_url: str, expected: str | None
) -> None:
    environ(**env)
    found = proxies.from_environment(base_url)
    assert (None if found is None else f"{found.url} {found.source}") == expected


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "bypassed"),
    [
        ("api.knock.app", 443, "knock.app", True),
        ("api.knock.app", 443, ".knock.app", True),
        ("api.knock.app", 443, "api.knock.app", True),
        ("api.knock.app", 443, "KNOCK.APP", True),
        ("api.knock.app", 443, " other.org , knock.app ", True),
        ("api.knock.app", 443, "nock.app", False),
        ("api.knock.app", 443, "app.knock", False),
        ("api.knock.app", 443, "api.knock.app:443", True),
        ("api.knock.app", 443, "api.knock.app:8443", False),
        ("api.knock.app", 443, "*", True),
        ("api.knock.app", 443, "", False),
        ("api.knock.app", 443, ",,", False),
        ("10.1.2.3", 80, "10.0.0.0/8", True),
        ("10.1.2.3", 80, "192.168.0.0/16", False),
        ("10.1.2.3", 80, "10.1.2.3", True),
        ("10.1.2.3", 80, "10.1.2.3/32", True),
        ("fd00::5", 80, "fd00::/8", True),
        ("fd00::5", 80, "[fd00::5]", True),
        ("fd00::5", 8080, "[fd00::5]:8080", True),
        ("api.knock.app", 443, "10.0.0.0/8", False),
        ("10.1.2.3", 80, "not/a-network", False),
    ],
)
def test_no_proxy_matching(host: str, port: int, no_proxy: str, bypassed: bool) -> None:
    assert proxies.bypass(host, port, no_proxy) is bypassed


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("socks5://u:pw@p:1080", "ALL_PROXY names a socks5:// proxy (socks5://***:***@p); knockkit sends through "
                                 "http:// and https:// proxies only"),
        ("http://p:port", "ALL_PROXY has a port that is not a number from 0 to 65535 (http://p)"),
        ("http://u:pw@", "ALL_PROXY names no proxy host"),
    ],
)
def test_a_proxy_setting_knockkit_cannot_use_is_refused_before_sending(
    environ: Any, transport: str, value: str, message: str
) -> None:
    environ(ALL_PROXY=value)
    client = make_client(transport, api_key=TEST_KEY, base_url="https://knock.test")
    with pytest.raises(ValueError) as info:
        call(users.get, client, "u1")
    assert str(info.value).startswith(message)
    assert "pw" not in str(info.value)


def test_the_route_is_read_once_per_client(environ: Any, proxy: ForwardProxy) -> None:
    with FaultServer() as server:
        server.handler = lambda request: closing(200, USER)
        environ(HTTP_PROXY=proxy.url)
        client = knockkit.Client(api_key=TEST_KEY, base_url=via_name(server.url))
        users.get(client, "u1")
        environ(NO_PROXY="*")  # read on a client's first request: this one keeps its proxy
        users.get(client, "u1")
        assert len(proxy.seen) == 2
        fresh = client.evolve(max_retries=0)
        assert "via the proxy" not in _direct_failure(fresh)
        assert len(proxy.seen) == 2


def test_trust_env_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match=r"^trust_env must be True or False, not 'no'$"):
        knockkit.Client(api_key=TEST_KEY, trust_env="no")  # type: ignore[arg-type]


def test_a_tunnel_the_proxy_refuses_says_why(
    locked_proxy: ForwardProxy, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://knock:nope@127.0.0.1:{locked_proxy.port}")
    client = make_client(transport, api_key=TEST_KEY, base_url="https://knock.test", max_retries=0)
    with pytest.raises(knockkit.APIConnectionError) as info:
        call(users.get, client, "u1")
    assert str(info.value).endswith("(407 Proxy Authentication Required)")
    assert "nope" not in str(info.value)
    assert [(s.method, s.target) for s in locked_proxy.seen] == [("CONNECT", "knock.test:443")]
