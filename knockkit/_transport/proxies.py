"""Proxies from the environment: ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``.

Read as curl, urllib and requests read them: lower-case names first, ``NO_PROXY`` entries as
host names and their suffixes (``example.com`` and ``.example.com`` both match
``api.example.com``), ``host:port``, ``*`` for every host, and IP addresses and ranges
(``10.0.0.0/8``). Loopback hosts (``localhost``, ``127.0.0.0/8``, ``::1``) are never proxied,
as Go's net/http does: a test server on this machine must not be sent to a corporate proxy.

A client resolves its route once, on its first request (``Client(trust_env=False)`` and an
explicit ``transport=`` never read the environment); both transports send through what this
module says. The proxy's credentials are kept apart from its URL and never shown.
"""

from __future__ import annotations

import base64
import ipaddress
import os
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from knockkit._client import UNRESOLVED

if TYPE_CHECKING:
    from knockkit._client import _Settings as Client

__all__ = ["Proxy", "bypass", "from_environment", "route", "via"]


class Proxy:
    """Where to send a client's requests: ``url`` has no credentials; ``shown`` masks them."""

    __slots__ = ("password", "source", "url", "username")

    def __init__(self, url: str, username: str | None, password: str | None, source: str) -> None:
        self.url = url
        self.username = username
        self.password = password
        self.source = source  # the environment variable it came from

    @property
    def shown(self) -> str:
        """The proxy as messages and logs show it: ``http://***:***@proxy:3128``."""
        if self.username is None:
            return self.url
        scheme, _, rest = self.url.partition("://")
        return f"{scheme}://***:***@{rest}"

    def authorization(self) -> str | None:
        """The ``Proxy-Authorization`` header value, or ``None`` without credentials."""
        if self.username is None:
            return None
        token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode("ascii")
        return "Basic " + token

    def __repr__(self) -> str:
        return f"<Proxy {self.shown} from {self.source}>"


def route(client: Client) -> Proxy | None:
    """The proxy a client sends through (``None``: directly), read from the environment on its
    first request and kept with the client."""
    found = client._proxy
    if found is UNRESOLVED:
        found = from_environment(client.base_url) if client.trust_env and client.transport is None else None
        object.__setattr__(client, "_proxy", found)  # a cache of a derived value, like cached_property
    return found if isinstance(found, Proxy) else None


def via(client: Client) -> str:
    """``" via the proxy http://***:***@proxy:3128 (from HTTPS_PROXY)"``, or ``""``."""
    proxy = None if client.transport is not None else route(client)
    return "" if proxy is None else f" via the proxy {proxy.shown} (from {proxy.source})"


def _read(name: str) -> tuple[str, str] | None:
    """``(value, variable)`` of ``name`` in lower case, else upper case; empty counts as unset."""
    value = os.environ.get(name)
    if value is not None:
        return (value, name) if value else None
    upper = name.upper()
    if upper == "HTTP_PROXY" and "REQUEST_METHOD" in os.environ:
        return None  # CGI: HTTP_PROXY may come from a request's "Proxy:" header (httpoxy)
    value = os.environ.get(upper)
    return (value, upper) if value else None


def from_environment(base_url: str) -> Proxy | None:
    """The proxy the environment names for ``base_url``, or ``None``."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if _is_loopback(host):
        return None
    found = _read("https_proxy" if parts.scheme == "https" else "http_proxy") or _read("all_proxy")
    if found is None:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    no_proxy = _read("no_proxy")
    if no_proxy is not None and bypass(host, port, no_proxy[0]):
        return None
    return _parse(*found)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bypass(host: str, port: int, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` (``no_proxy``) exempts ``host`` (lower case) on ``port``."""
    if no_proxy.strip() == "*":
        return True
    address = _ip(host)
    for entry in no_proxy.split(","):
        name = entry.strip().lower().lstrip(".")
        if not name:
            continue
        if address is not None and "/" in name:
            try:
                if address in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        if name.startswith("[") and "]" in name:  # [::1]:8080 or [::1]
            bare, _, rest = name[1:].partition("]")
            name = bare + rest
        if name in (host, f"{host}:{port}") or host.endswith("." + name):
            return True
    return False


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _parse(value: str, source: str) -> Proxy:
    text = value.strip()
    if "://" not in text:
        text = "http://" + text  # "proxy:3128", as curl and requests read it
    parts = urlsplit(text)
    shown = Proxy(f"{parts.scheme}://{parts.hostname}", parts.username, None, source).shown
    if parts.scheme not in ("http", "https"):
        raise ValueError(
            f"{source} names a {parts.scheme}:// proxy ({shown}); knockkit sends through http:// and https:// "
            "proxies only: unset it for this process, or pass Client(trust_env=False) or transport="
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{source} has a port that is not a number from 0 to 65535 ({shown})") from None
    if not parts.hostname:
        raise ValueError(f"{source} names no proxy host ({shown})")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return Proxy(f"{parts.scheme}://{host}:{port}", username, password, source)
