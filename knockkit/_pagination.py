"""``knockkit.paginate``: every item of a list, fetched page by page as it is consumed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from knockkit._client import Client

if TYPE_CHECKING:  # models (and attrs' generation of their classes) load with the first resource module
    from knockkit.models import Page

__all__ = ["paginate"]

T = TypeVar("T")


def paginate(fn: Callable[..., Page[T]], client: Client, *args: Any, **params: Any) -> Iterator[T]:
    """Yield every item of a list endpoint, following its cursor lazily.

    ``knockkit.paginate(users.list, client, page_size=50)`` calls ``users.list`` once per
    page, passing each page's ``next_params`` (``after=...``, or a provider's own cursor)
    on to the next call. Stop early by breaking out of the loop: no page is fetched
    before it is needed.
    """
    seen: set[tuple[tuple[str, object], ...]] = set()
    while True:
        page = fn(client, *args, **params)
        yield from page.entries
        following = page.next_params
        if not following:
            return
        # A server that sends a cursor again (A, B, A, ...) would page forever.
        cursor = tuple(sorted(following.items()))
        if cursor in seen or all(params.get(k) == v for k, v in following.items()):
            raise RuntimeError(
                f"paginate: {fn.__name__} returned a cursor it had returned before ({dict(cursor)}); stopping"
            )
        seen.add(cursor)
        params = {**params, **following}
