"""A page of a list, and its cursors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

import attrs

from knockkit.models._base import Json, Model, _ModelType, model, unknown_keys

__all__ = ["Page", "PageInfo"]

T = TypeVar("T")


@model(kw_only=True)
class PageInfo(Model):
    after: str | None = None
    before: str | None = None
    page_size: int | None = None
    typename: str | None = None
    extra: Mapping[str, Json] = unknown_keys()


@model(kw_only=True)
class Page(Generic[T], metaclass=_ModelType):
    """One page of a list: iterate it, or read ``entries`` and ``page_info``.

    ``next_params`` holds the arguments that fetch the following page (``{"after": ...}``
    for Knock's cursors), or ``None`` on the last page; ``knockkit.paginate`` uses it.
    """

    entries: list[T]
    page_info: PageInfo = attrs.field(factory=PageInfo)
    next_params: Mapping[str, str] | None = None
    #: other top-level keys of the response (for example a feed's ``meta`` and ``vars``)
    extra: Mapping[str, Json] = attrs.field(factory=dict, repr=False)

    def __iter__(self) -> Iterator[T]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> T:
        return self.entries[index]

    @property
    def has_next(self) -> bool:
        return bool(self.next_params)
