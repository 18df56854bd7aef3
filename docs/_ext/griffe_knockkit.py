"""A griffe extension for the API reference: show what a reader can use, not how it is built.

- An attrs field's default shows as its value: ``base_url: str = DEFAULT_BASE_URL``, not
  ``attrs.field(default=DEFAULT_BASE_URL, converter=_normalize_base_url)``; ``factory=dict``
  shows as ``dict()``; a field without a static default shows no value.
- An attribute set in a method (``self.status = status``) shows no value, and the type of the
  ``__init__`` parameter of its name.
- A module imported under a private name shows by its own: ``datetime.datetime | str``, not
  ``_dt.datetime | str``.
- A value that still names a private object (``Annotated[X, Pick(_kind)]``) shows as ``X`` when
  it is an ``Annotated[...]``, else not at all.
- A private base class (``class Client(_Settings)``) is left out of "Bases", and its public
  members are shown as the class's own (``Client.evolve``).
- A class's ``Attributes:`` section describes each field where the field is shown.
- Special methods (``__repr__``, ``__iter__``...) are not listed; ``__init__`` is, merged into
  its class (``merge_init_into_class``). Which names are public is griffe's rule (``filters:
  public``): a module's ``__all__`` when it has one, else the names without a leading ``_``.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import griffe

_ATTRS_FIELDS = {"attrs.field", "attr.ib", "attr.attrib", "attrs.attrib", "field"}
_EMPTY = {"dict": "{}", "list": "[]", "unknown_keys": "{}"}  # unknown_keys(): models' ``extra``
_PRIVATE = re.compile(r"(?<![\w.'\"])_[A-Za-z]\w*")


def _field_default(call: ast.Call) -> str | None:
    """The default an ``attrs.field(...)`` call declares, as source, or None if it has none."""
    for keyword in call.keywords:
        if keyword.arg == "default":
            return ast.unparse(keyword.value)
        if keyword.arg == "factory" and not isinstance(keyword.value, ast.Lambda):
            return _EMPTY.get(ast.unparse(keyword.value), f"{ast.unparse(keyword.value)}()")
    return None


def _public_value(value: ast.expr, imports: dict[str, str]) -> str | None:
    if isinstance(value, ast.Call) and ast.unparse(value.func) in _ATTRS_FIELDS:
        return _field_default(value)
    if isinstance(value, ast.Call) and ast.unparse(value.func) in _EMPTY and not value.args:
        return _EMPTY[ast.unparse(value.func)]
    # A module imported under a private name (``import datetime as _dt``) shows by its own name.
    text = _PRIVATE.sub(lambda name: imports.get(name[0], name[0]), ast.unparse(value))
    if not _PRIVATE.search(text):
        return None if text == "..." else text
    if isinstance(value, ast.Subscript) and ast.unparse(value.value).endswith("Annotated"):
        inner = value.slice.elts[0] if isinstance(value.slice, ast.Tuple) else value.slice
        text = ast.unparse(inner)
        return None if _PRIVATE.search(text) else text
    return None


class KnockkitReference(griffe.Extension):
    def on_attribute_instance(self, *, node: Any, attr: griffe.Attribute, **kwargs: Any) -> None:
        value = getattr(node, "value", None)
        if "instance-attribute" in attr.labels and "class-attribute" not in attr.labels:
            attr.value = None  # ``self.status = status`` in a method: the value is the method's business
        elif isinstance(node, ast.AST) and isinstance(value, ast.expr):
            shown = _public_value(value, attr.module.imports)
            if shown != (ast.unparse(value) if value is not None else None):
                attr.value = shown

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        for cls in _classes(pkg):
            for name in [n for n in cls.members if n.startswith("__") and n.endswith("__") and n != "__init__"]:
                cls.del_member(name)  # not marked private: aliases of the class would not see that
            _merge_private_bases(cls, loader)
            _annotate_from_init(cls)
            _describe_attributes(cls)


def _merge_private_bases(cls: griffe.Class, loader: griffe.GriffeLoader) -> None:
    for base in [base for base in cls.bases if str(base).rsplit(".", 1)[-1].startswith("_")]:
        cls.bases.remove(base)
        target = _resolve(base, loader)
        if target is None:
            continue
        for name, member in target.members.items():
            if not name.startswith("_") and name not in cls.members:
                cls.set_member(name, griffe.Alias(name, member, parent=cls))


def _annotate_from_init(cls: griffe.Class) -> None:
    """``self.path = path`` in ``__init__``: the attribute's type is the parameter's."""
    init = cls.members.get("__init__")
    if not isinstance(init, griffe.Function):
        return
    for member in cls.members.values():
        if (
            isinstance(member, griffe.Attribute)
            and member.annotation is None
            and "instance-attribute" in member.labels
            and member.name in init.parameters
        ):
            member.annotation = init.parameters[member.name].annotation


def _describe_attributes(cls: griffe.Class) -> None:
    """A class's ``Attributes:`` section becomes its fields' own docstrings, shown next to each
    field's type and default (``show_docstring_attributes: false`` drops the table)."""
    if cls.docstring is None:
        return
    for section in cls.docstring.parse("google"):
        if section.kind is not griffe.DocstringSectionKind.attributes:
            continue
        for item in section.value:
            member = cls.members.get(item.name)
            target = member.final_target if isinstance(member, griffe.Alias) else member
            if isinstance(target, griffe.Attribute) and target.docstring is None:
                target.docstring = griffe.Docstring(item.description, parent=target)


def _classes(module: griffe.Module) -> list[griffe.Class]:
    found: list[griffe.Class] = []
    for member in module.members.values():
        if member.is_alias:
            continue
        if isinstance(member, griffe.Module):
            found.extend(_classes(member))
        elif isinstance(member, griffe.Class):
            found.append(member)
    return found


def _resolve(base: Any, loader: griffe.GriffeLoader) -> griffe.Class | None:
    path = base.canonical_path if isinstance(base, griffe.Expr) else str(base)
    try:
        target = loader.modules_collection[path]
    except KeyError:
        return None
    return target if isinstance(target, griffe.Class) else None
