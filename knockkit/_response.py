"""``knockkit.with_response``: a call's result together with its response's status and headers.

Endpoint functions return only the decoded value; the request id, the headers and how many
attempts it took are in the final outcome, which ``_http.finish`` hands to a context variable
only while ``with_response`` has set one. So calls that do not ask pay one ``ContextVar.get``,
and nothing about an endpoint function changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

import attrs

from knockkit._client import AsyncClient, Client
from knockkit._headers import Headers
from knockkit._http import CAPTURED
from knockkit._transport import policy

if TYPE_CHECKING:
    from knockkit._endpoint import Endpoint

__all__ = ["Response", "with_response"]

T = TypeVar("T")
P = ParamSpec("P")


@attrs.frozen(kw_only=True)
class Response(Generic[T]):
    """What an endpoint function returned, with the HTTP response it came from.

    Attributes:
        value: the function's result (a model, a ``Page``, ``None`` ...).
        status: the HTTP status of the final response.
        headers: the response's headers: read-only, looked up in any case.
        request_id: Knock's ``x-request-id`` (quote it to Knock support), or ``None``.
        idempotent_replayed: ``True`` when Knock answered a repeated ``Idempotency-Key``
            with the first response (``idempotent-replayed: true``): the trigger ran once, before.
        attempts: how many attempts were made (1 unless it was retried).
        elapsed: seconds from the first attempt to the final response, waits included.
    """

    value: T
    status: int
    headers: Headers
    request_id: str | None
    idempotent_replayed: bool
    attempts: int
    elapsed: float


@overload
def with_response(
    fn: Endpoint[P, T], client: AsyncClient, /, *args: P.args, **kwargs: P.kwargs
) -> Coroutine[Any, Any, Response[T]]: ...


@overload
def with_response(fn: Endpoint[P, T], client: Client, /, *args: P.args, **kwargs: P.kwargs) -> Response[T]: ...


@overload
def with_response(
    fn: Callable[..., Awaitable[T]], client: AsyncClient, /, *args: Any, **kwargs: Any
) -> Coroutine[Any, Any, Response[T]]: ...


@overload
def with_response(fn: Callable[..., T], client: Client, /, *args: Any, **kwargs: Any) -> Response[T]: ...


def with_response(fn: Callable[..., Any], client: Client | AsyncClient, /, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn(client, *args, **kwargs)`` and return its result with the response's metadata.

    ``knockkit.with_response(users.get, client, "jhammond").request_id``. Errors are raised
    as ``fn`` raises them.

    Args:
        fn: an endpoint function.
        client: a ``Client``, or an ``AsyncClient`` (then the call returns an awaitable:
            ``await knockkit.with_response(...)``).
        *args: ``fn``'s arguments after the client.
        **kwargs: ``fn``'s keyword arguments.

    Returns:
        A ``Response`` holding ``fn``'s result and the status, headers and request id of the
        final response. If ``fn`` sends several requests (``bulk_operations.wait`` polls),
        the metadata is the last one's.
    """
    if not callable(fn):
        raise TypeError(f"with_response needs an endpoint function first, not {type(fn).__name__}")
    if isinstance(client, AsyncClient):
        awaitable = fn(client, *args, **kwargs)  # checks the arguments now, as a call would
        if not hasattr(awaitable, "__await__"):
            raise TypeError(f"{_name(fn)} returned {type(awaitable).__name__}, not an awaitable, for an AsyncClient")
        return _awaited(fn, awaitable, client)
    captured: list[policy.Outcome] = []
    token = CAPTURED.set(captured)
    try:
        value = fn(client, *args, **kwargs)
    finally:
        CAPTURED.reset(token)
    return _response(fn, value, captured, client)


async def _awaited(fn: Callable[..., Any], awaitable: Awaitable[Any], client: AsyncClient) -> Response[Any]:
    # Set inside the coroutine: the requests run in the context of the task that awaits it.
    captured: list[policy.Outcome] = []
    token = CAPTURED.set(captured)
    try:
        value = await awaitable
    finally:
        CAPTURED.reset(token)
    return _response(fn, value, captured, client)


def _response(
    fn: Callable[..., Any], value: Any, captured: list[policy.Outcome], client: Client | AsyncClient
) -> Response[Any]:
    if not captured:
        raise TypeError(
            f"{_name(fn)} sent no request through knockkit; with_response takes an endpoint function "
            "(users.get, workflows.trigger, knockkit.request, ...)"
        )
    outcome = captured[-1]
    # Like every string knockkit keeps from the server, header values are redacted.
    headers = Headers([(name, policy.redact(text, client)) for name, text in outcome.headers.items()])
    return Response(
        value=value,
        status=outcome.status,
        headers=headers,
        request_id=headers.get("x-request-id"),
        idempotent_replayed=headers.get("idempotent-replayed", "").strip().lower() == "true",
        attempts=outcome.attempts,
        elapsed=outcome.elapsed,
    )



def _name(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "__qualname__", None) or repr(fn))
