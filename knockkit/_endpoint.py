"""One endpoint function for both clients, typed by the client it is given.

Endpoint functions are written once, for ``Client``: ``def get(client: Client, user_id: str) -> User``.
Their body ends in ``return request(client, ...)`` (or in another endpoint function), and
``request`` returns the result for a ``Client`` and a coroutine of it for an
``AsyncClient``. So at run time nothing needs wrapping: ``endpoint`` returns the function
itself. For the type checker it turns the function into an ``Endpoint``, whose call
signature is the function's with either client first, returning ``User`` for a ``Client``
and ``Coroutine[..., User]`` for an ``AsyncClient`` (so a missing ``await`` is an error).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from knockkit._client import AsyncClient, Client

__all__ = ["Endpoint", "endpoint"]

P = ParamSpec("P")
T = TypeVar("T", covariant=True)
R = TypeVar("R")


class Endpoint(Generic[P, T]):
    """The type of an endpoint function: called with a ``Client`` it returns ``T``, with an
    ``AsyncClient`` an awaitable of ``T``. A typing device only: at run time endpoint
    functions are plain functions."""

    __name__: str

    @overload
    def __call__(self, client: Client, /, *args: P.args, **kwargs: P.kwargs) -> T: ...

    @overload
    def __call__(self, client: AsyncClient, /, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, T]: ...

    def __call__(self, client: Any, /, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError  # never instantiated


if TYPE_CHECKING:

    def endpoint(fn: Callable[Concatenate[Client, P], R]) -> Endpoint[P, R]: ...

else:

    def endpoint(fn):
        return fn
