"""knockkit: a small, fast, retry-safe Python SDK for the Knock notification API.

Declare an instance once, make immutable clients from it, and pass them to the
functional resource modules:

```python
class MyKnock(knockkit.KnockInstance, app="myapp"):
    pass

client = MyKnock.client()
knockkit.users.identify(client, "jhammond", {"name": "John Hammond"})
```
"""

from __future__ import annotations

import importlib
import os as _os
from typing import TYPE_CHECKING, Any

from knockkit._version import __version__

if TYPE_CHECKING:
    from knockkit import (
        audiences,
        bulk_operations,
        channels,
        errors,
        feeds,
        guides,
        integrations,
        messages,
        models,
        objects,
        providers,
        schedules,
        tenants,
        users,
        webhooks,
        workflow_recipient_runs,
        workflows,
    )
    from knockkit._client import AsyncClient, Client, aclose
    from knockkit._http import segment
    from knockkit._pagination import apaginate, paginate
    from knockkit._raw import request
    from knockkit._response import Response, with_response
    from knockkit._settings import KnockInstance, configure, env
    from knockkit._transport.observe import RequestEvent
    from knockkit.errors import (
        APIConnectionError,
        APIError,
        ApiKeyMissingError,
        APIResponseValidationError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        KnockError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
        UnprocessableEntityError,
        WebhookVerificationError,
    )
    from knockkit.models import Page
    from knockkit.tokens import Grant, object_grant, sign_user_token, tenant_grant, user_grant

# Everything loads on first use (knockkit.Client, knockkit.users, or `from knockkit import
# users`): `import knockkit` imports neither attrs nor urllib3, and the pytest plugin that every
# test session of an installing project loads stays light. The first use pays for what it needs.
_LAZY_MODULES = frozenset(
    {
        "audiences",
        "bulk_operations",
        "errors",
        "channels",
        "feeds",
        "guides",
        "integrations",
        "messages",
        "models",
        "objects",
        "providers",
        "schedules",
        "tenants",
        "users",
        "webhooks",
        "workflow_recipient_runs",
        "workflows",
    }
)
_LAZY_NAMES = {
    "APIConnectionError": "knockkit.errors",
    "APIError": "knockkit.errors",
    "ApiKeyMissingError": "knockkit.errors",
    "APIResponseValidationError": "knockkit.errors",
    "APITimeoutError": "knockkit.errors",
    "AuthenticationError": "knockkit.errors",
    "BadRequestError": "knockkit.errors",
    "ConflictError": "knockkit.errors",
    "KnockError": "knockkit.errors",
    "NotFoundError": "knockkit.errors",
    "PermissionDeniedError": "knockkit.errors",
    "RateLimitError": "knockkit.errors",
    "ServerError": "knockkit.errors",
    "UnprocessableEntityError": "knockkit.errors",
    "WebhookVerificationError": "knockkit.errors",
    "AsyncClient": "knockkit._client",
    "Client": "knockkit._client",
    "aclose": "knockkit._client",
    "KnockInstance": "knockkit._settings",
    "configure": "knockkit._settings",
    "env": "knockkit._settings",
    "apaginate": "knockkit._pagination",
    "paginate": "knockkit._pagination",
    "Page": "knockkit.models",
    "RequestEvent": "knockkit._transport.observe",
    "Response": "knockkit._response",
    "request": "knockkit._raw",
    "segment": "knockkit._http",
    "with_response": "knockkit._response",
    "Grant": "knockkit.tokens",
    "object_grant": "knockkit.tokens",
    "sign_user_token": "knockkit.tokens",
    "tenant_grant": "knockkit.tokens",
    "user_grant": "knockkit.tokens",
}


if _os.environ.get("KNOCK_LOG"):  # the official SDKs' switch: KNOCK_LOG=info|debug logs to stderr
    from knockkit._transport.observe import log_to_stderr

    log_to_stderr(_os.environ["KNOCK_LOG"])


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f"knockkit.{name}")
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'knockkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APITimeoutError",
    "ApiKeyMissingError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "Grant",
    "KnockError",
    "KnockInstance",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestEvent",
    "Response",
    "ServerError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
    "__version__",
    "aclose",
    "apaginate",
    "audiences",
    "bulk_operations",
    "channels",
    "configure",
    "env",
    "errors",
    "feeds",
    "guides",
    "integrations",
    "messages",
    "models",
    "object_grant",
    "objects",
    "paginate",
    "providers",
    "request",
    "schedules",
    "segment",
    "sign_user_token",
    "tenant_grant",
    "tenants",
    "user_grant",
    "users",
    "webhooks",
    "with_response",
    "workflow_recipient_runs",
    "workflows",
]
