"""``knockkit.paginate`` / ``apaginate``: every item of a list, fetched page by page as it is consumed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from knockkit._client import AsyncClient, Client

if TYPE_CHECKING:  # models (and attrs' generation of their classes) load with the first resource module
    from knockkit._endpoint import Endpoint
    from knockkit.models import Page

__all__ = ["apaginate", "paginate"]

T = TypeVar("T")


def paginate(fn: Callable[..., Page[T]], client: Client, *args: Any, **params: Any) -> Iterator[T]:
    """Yield every item of a list endpoint, following its cursor lazily.

    ``knockkit.paginate(users.list, client, page_size=50)`` calls ``users.list`` once per
    page, passing each page's ``next_params`` (``after=...``, or a provider's own cursor)
    on to the next call. Stop early by breaking out of the loop: no page is fetched
    before it is needed.

    Args:
        fn: a list endpoint function (one that returns a ``Page``).
        client: the client to call it with.
        *args: its positional arguments after the client (ids).
        **params: its keyword arguments (filters, ``page_size``).

    Yields:
        Each item of each page, in order.

    Raises:
        RuntimeError: the server returned a cursor it had returned before (a server paging
            in a circle would never end).
    """
    seen: set[tuple[tuple[str, object], ...]] = set()
    while True:
        page = fn(client, *args, **params)
        yield from page.entries
        following = _next_params(fn, page, params, seen)
        if following is None:
            return
        params = following


async def apaginate(
    fn: Endpoint[..., Page[T]], client: AsyncClient, *args: Any, **params: Any
) -> AsyncIterator[T]:
    """``paginate`` for an ``AsyncClient``: ``async for user in knockkit.apaginate(users.list, aclient):``."""
    seen: set[tuple[tuple[str, object], ...]] = set()
    while True:
        page = await fn(client, *args, **params)
        for entry in page.entries:
            yield entry
        following = _next_params(fn, page, params, seen)
        if following is None:
            return
        params = following


def _next_params(
    fn: Callable[..., object], page: Page[Any], params: dict[str, Any], seen: set[tuple[tuple[str, object], ...]]
) -> dict[str, Any] | None:
    """The arguments of the next page's call, or ``None`` after the last page."""
    following = page.next_params
    if not following:
        return None
    cursor = tuple(sorted(following.items()))
    if cursor in seen or all(params.get(k) == v for k, v in following.items()):
        raise RuntimeError(
            f"paginate: {getattr(fn, '__name__', fn)} returned a cursor it had returned before ({dict(cursor)}); "
            "stopping"
        )
    seen.add(cursor)
    return {**params, **following}
