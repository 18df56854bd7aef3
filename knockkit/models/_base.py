"""The base of every model, and how a model class becomes a frozen attrs class.

Models are written as ``@model(kw_only=True)`` classes deriving from ``Model``. The type
checker reads ``model`` as ``attrs.frozen`` (mypy's attrs plugin types them: keyword-only
``__init__``, read-only fields). At run time the attrs class is made the first time the
model is used: decoded, constructed, or asked about by attrs (``attrs.fields``,
``attrs.evolve``...). Why: attrs writes and compiles each class's methods, about 1 ms a
class on a small machine, and knockkit has about 90 models while a first call needs one
or two. Models are not slotted, so attrs completes the class in place (the class object
never changes) and the decoder can fill an instance's ``__dict__`` in one step.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import attrs

__all__ = ["Datetime", "Json", "Model", "Pick", "build", "model", "unknown_keys"]

T = TypeVar("T")

Json = Any
"""A decoded JSON value whose shape Knock's API reference leaves open."""
Datetime = _dt.datetime | None
"""A timestamp Knock sent (ISO 8601, read into a ``datetime.datetime`` with its offset), or ``None``."""

_LOCK = threading.RLock()
_BUILDING: set[type] = set()
_PENDING = "__knockkit_model__"  # set on a class by @model, in its own __dict__


def build(cls: type) -> bool:
    """Make ``cls`` an attrs class if it is a model not made yet; whether it is one now."""
    if "__attrs_attrs__" in cls.__dict__:
        return True
    if _PENDING not in cls.__dict__:
        return False
    with _LOCK:
        if cls in _BUILDING:  # attrs, while making cls, asks whether cls has attrs' attributes
            return False
        if "__attrs_attrs__" not in cls.__dict__:
            _BUILDING.add(cls)
            try:
                attrs.frozen(kw_only=True, slots=False)(cls)
            finally:
                _BUILDING.discard(cls)
    return True


class _ModelType(type):
    """The metaclass of models: makes the attrs class on first use (see the module's docstring)."""

    if not TYPE_CHECKING:  # hidden from the type checker, which reads models as attrs classes

        def __call__(cls, *args, **kwargs):
            build(cls)
            return super().__call__(*args, **kwargs)

        def __getattr__(cls, name):  # only called for attributes the class does not have (yet)
            attrs_name = name.startswith("__attrs_") or name == "__match_args__"
            if attrs_name and "__attrs_attrs__" not in cls.__dict__ and build(cls):
                return getattr(cls, name)
            raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from attrs import frozen as model
else:

    def model(*, kw_only: bool) -> Callable[[type[T]], type[T]]:
        """``@model(kw_only=True)``: a model, made into a frozen attrs class on first use."""
        assert kw_only, "models take keyword arguments only"

        def mark(cls: type[T]) -> type[T]:
            setattr(cls, _PENDING, True)
            return cls

        return mark


def unknown_keys() -> Any:
    """The field that keeps the keys a model does not name (``extra``, or ``properties``)."""
    return attrs.field(factory=dict, repr=False)


class Model(metaclass=_ModelType):
    """Base of every model. ``_extra`` names the field that holds unknown keys."""

    _extra: ClassVar[str] = "extra"

    def to_dict(self) -> dict[str, Any]:
        """The JSON this value was decoded from, at every depth (unknown keys included;
        timestamps re-spelled as ISO 8601 with ``Z``). A value made in code gives every
        field it names, ``None`` where unset."""
        from knockkit.models._codec import unstructure

        result: dict[str, Any] = unstructure(self)
        return result


class Pick:
    """How a union of models is told apart, as ``Annotated[A | B, Pick(choose)]``.

    ``choose(value, parent)`` gets the JSON object to decode and the object it sits in (or
    ``None`` inside a list) and returns the class to decode it into, or ``None`` when it
    fits none: then it is kept as decoded if the union has a ``Mapping`` member.
    """

    __slots__ = ("choose",)

    def __init__(self, choose: Callable[[Mapping[str, Any], Mapping[str, Any] | None], type | None]) -> None:
        self.choose = choose
