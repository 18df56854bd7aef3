"""Exceptions raised by knockkit.

The class names follow the official Knock Python SDK so that code which catches
``RateLimitError`` or ``NotFoundError`` reads the same with either SDK. Bad input
detected before any request is sent raises plain ``ValueError`` / ``TypeError``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "KnockError",
    "ApiKeyMissingError",
    "APIConnectionError",
    "APITimeoutError",
    "APIError",
    "APIResponseValidationError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "ServerError",
    "error_for_status",
    "WebhookVerificationError",
]


class KnockError(Exception):
    """Base class of every error knockkit raises on purpose.

    An error's ``args`` are the arguments its class is called with, so that whatever
    rebuilds errors as ``cls(*args)`` gets the same class back: pickle (multiprocessing,
    ``copy``) with every attribute, Celery's JSON result backend with the status and message.
    """


class ApiKeyMissingError(KnockError):
    """No API key was given explicitly, in app settings, or in the environment."""


class APIConnectionError(KnockError):
    """The request did not get a response: refused, reset, DNS or TLS failure."""

    def __init__(self, message: str, *, method: str = "", path: str = "", attempts: int = 1) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.attempts = attempts


class APITimeoutError(APIConnectionError):
    """Connecting to Knock or reading its response took longer than the timeout."""


class APIError(KnockError):
    """Knock answered with an error status (or a body that is not what was expected).

    ``code``, ``message`` and ``type`` come from Knock's error body
    (``{"code", "message", "status", "type"}``) when it has one; ``body`` is the decoded
    JSON body, or ``None`` when the body was not JSON.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        type: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        method: str = "",
        path: str = "",
        attempts: int = 1,
    ) -> None:
        self.status = status
        self.message = message
        self.code = code
        self.type = type
        self.request_id = request_id
        self.body = body
        self.method = method
        self.path = path
        self.attempts = attempts
        """How many attempts were made (retries included) before this error was raised."""
        super().__init__(status, message)

    def __str__(self) -> str:
        tries = f", after {self.attempts} attempts" if self.attempts > 1 else ""
        where = f" ({self.method} {self.path}{tries})" if self.method else ""
        details = ", ".join(
            f"{name}={value}"
            for name, value in (("code", self.code), ("request_id", self.request_id))
            if value
        )
        return f"{self.status} {self.message}{where}" + (f" [{details}]" if details else "")


class APIResponseValidationError(APIError):
    """The response could not be read as the JSON shape the endpoint returns."""


class BadRequestError(APIError):
    """400: the request was malformed."""


class AuthenticationError(APIError):
    """401: the API key is missing, wrong, or a public key was used."""


class PermissionDeniedError(APIError):
    """403: the key may not do this."""


class NotFoundError(APIError):
    """404: the resource does not exist."""


class ConflictError(APIError):
    """409: the request conflicts with the resource's state."""


class UnprocessableEntityError(APIError):
    """422: the request was understood but its values are invalid."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds, if it said."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServerError(APIError):
    """5xx: Knock failed to handle the request."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIError]:
    """The exception class for an HTTP error status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)


class WebhookVerificationError(KnockError):
    """A webhook or fetch-step request failed ``knockkit.webhooks.verify``: its
    ``x-knock-signature`` header is missing or malformed, its timestamp is stale, its
    signature does not match, or its body is not JSON."""
