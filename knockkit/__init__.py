"""knockkit: a small, fast, retry-safe Python SDK for the Knock notification API.

Declare an instance once, make immutable clients from it, and pass them to the
functional resource modules::

    class MyKnock(knockkit.KnockInstance, app="myapp"):
        pass

    client = MyKnock.client()
    knockkit.users.identify(client, "jhammond", {"name": "John Hammond"})
"""

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
    workflow_recipient_runs,
    workflows,
)
from knockkit._client import Client
from knockkit._pagination import paginate
from knockkit._settings import KnockInstance, configure, env
from knockkit._version import __version__
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
)
from knockkit.models import Page
from knockkit.tokens import Grant, object_grant, sign_user_token, tenant_grant, user_grant

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APITimeoutError",
    "ApiKeyMissingError",
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
    "ServerError",
    "UnprocessableEntityError",
    "__version__",
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
    "schedules",
    "sign_user_token",
    "tenant_grant",
    "tenants",
    "user_grant",
    "users",
    "workflow_recipient_runs",
    "workflows",
]
