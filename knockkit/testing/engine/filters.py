"""Knock's own Liquid helpers (docs.knock.app, "Liquid helpers"), on python-liquid.

Imported only by the renderer, which is imported only when something is rendered: this
module loads liquid, babel and markdown. ``now`` in ``date`` is the engine's clock (the
``timestamp`` template variable), not the wall clock. The dynamic data filters (``user``,
``object``, ``tenant``, ``subscriptions``) need Knock's store and are not here: a
template that uses one gets an "unknown filter" render error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel import Locale, UnknownLocaleError, dates, numbers
from liquid import Environment, RenderContext, is_undefined
from liquid.exceptions import FilterArgumentError
from liquid.filter import with_context

from knockkit.testing.engine.clock import parse_timestamp

__all__ = ["install", "markdown_to_html"]

_WIDTHS = ("short", "medium", "long", "full")


def _fail(message: str) -> FilterArgumentError:
    return FilterArgumentError(message, token=None)


def _locale(name: object) -> Locale:
    if is_undefined(name) or name is None:
        return Locale.parse("en")
    try:
        return Locale.parse(str(name), sep="-" if "-" in str(name) else "_")
    except (ValueError, UnknownLocaleError):
        raise _fail(f"unknown locale {name!r}") from None


def _zone(name: object) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(str(name))
    except (ValueError, KeyError, OSError):
        raise _fail(f"unknown timezone {name!r}") from None


def _when(value: object, context: RenderContext) -> dt.datetime:
    if value in ("now", "today"):
        value = context.resolve("timestamp", default=None)
    parsed = parse_timestamp(value)
    if parsed is None:
        raise _fail(f"expected an ISO 8601 timestamp, found {value!r}")
    return parsed


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _fail(f"expected a number, found {value!r}") from None


@with_context
def date(value: object, fmt: object = None, tz: object = None, *, context: RenderContext) -> str:
    """strftime formatting, with Knock's extra timezone argument; ``"now"`` is the clock."""
    if is_undefined(value) or value is None or value == "":
        return ""
    when = _when(value, context)
    if tz is not None and not is_undefined(tz):
        when = when.astimezone(_zone(tz))
    if fmt is None or is_undefined(fmt):
        return when.isoformat()
    return when.strftime(str(fmt))


@with_context
def timezone(value: object, tz: object, *, context: RenderContext) -> str:
    """The timestamp in the IANA timezone, as ISO 8601 with its offset."""
    return _when(value, context).astimezone(_zone(tz)).isoformat(timespec="seconds")


@with_context
def format_date_in_locale(value: object, locale: object, width: object = "short", *, context: RenderContext) -> str:
    if width not in _WIDTHS:
        raise _fail(f"date_format must be one of {', '.join(_WIDTHS)}, not {width!r}")
    return str(dates.format_date(_when(value, context), format=str(width), locale=_locale(locale)))


@with_context
def format_datetime_in_locale(
    value: object, locale: object, date_width: object = "short", time_width: object = "short", *,
    context: RenderContext,
) -> str:  # fmt: skip
    for width in (date_width, time_width):
        if width not in _WIDTHS:
            raise _fail(f"date and time formats must be one of {', '.join(_WIDTHS)}, not {width!r}")
    when, where = _when(value, context), _locale(locale)
    day = dates.format_date(when, format=str(date_width), locale=where)
    time = dates.format_time(when, format=str(time_width), locale=where, tzinfo=when.tzinfo)
    pattern = str(where.datetime_formats.get(str(date_width), "{1} {0}"))
    return pattern.replace("{1}", str(day)).replace("{0}", str(time))


def format_number(value: object, locale: object = "en") -> str:
    return str(numbers.format_decimal(_decimal(value), locale=_locale(locale)))


def currency(value: object, code: object = "USD", locale: object = "en") -> str:
    return str(numbers.format_currency(_decimal(value), str(code), locale=_locale(locale)))


def rounded_currency(value: object, code: object = "USD", locale: object = "en") -> str:
    whole = _decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return str(numbers.format_currency(whole, str(code), locale=_locale(locale), format="¤#,##0",
                                       currency_digits=False))  # fmt: skip


def to_json(value: object) -> str:
    return json.dumps(None if is_undefined(value) else value, default=str)


def from_json(value: object) -> Any:
    try:
        return json.loads(str(value))
    except ValueError as exc:
        raise _fail(f"from_json: not JSON ({exc})") from None


def pluralize(count: object, singular: object, plural: object) -> object:
    number = _decimal(count)
    return singular if number == 1 else plural


def titlecase(value: object) -> str:
    return re.sub(r"[A-Za-z]+('[A-Za-z]+)?", lambda m: m.group(0)[0].upper() + m.group(0)[1:].lower(), str(value))


def _digest(algorithm: str) -> Callable[[object], str]:
    def digest(value: object) -> str:
        return hashlib.new(algorithm, str(value).encode()).hexdigest()

    return digest


def hmac_sha256(value: object, key: object) -> str:
    return hmac.new(str(key).encode(), str(value).encode(), hashlib.sha256).hexdigest()


def intersect(left: object, right: object) -> list[Any]:
    if not isinstance(left, (list, tuple)) or not isinstance(right, (list, tuple)):
        raise _fail("intersect expects two arrays")
    return [item for item in left if item in right]


def markdown_to_html(text: str) -> str:
    """Markdown as Knock renders feed and email markdown: HTML with no surrounding space."""
    import markdown

    return str(markdown.markdown(text, extensions=["extra", "sane_lists"])).strip()


def from_markdown(value: object) -> str:
    return markdown_to_html("" if is_undefined(value) else str(value))


def _version(value: object) -> tuple[int, ...]:
    core = str(value).strip().lstrip("vV").split("-")[0].split("+")[0]
    try:
        return tuple(int(part) for part in core.split("."))
    except ValueError:
        raise _fail(f"compare_versions: {value!r} is not a semantic version") from None


def compare_versions(left: object, right: object) -> int:
    a, b = _version(left), _version(right)
    width = max(len(a), len(b))
    a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (a > b) - (a < b)


def install(env: Environment) -> None:
    """Register Knock's helpers on a python-liquid environment."""
    helpers: dict[str, Callable[..., Any]] = {
        "date": date, "timezone": timezone, "format_date_in_locale": format_date_in_locale,
        "format_datetime_in_locale": format_datetime_in_locale, "format_number": format_number,
        "currency": currency, "rounded_currency": rounded_currency, "json": to_json, "from_json": from_json,
        "pluralize": pluralize, "titlecase": titlecase, "md5": _digest("md5"), "sha256": _digest("sha256"),
        "hmac_sha256": hmac_sha256, "intersect": intersect, "from_markdown": from_markdown,
        "compare_versions": compare_versions,
    }  # fmt: skip
    for name, helper in helpers.items():
        env.add_filter(name, helper)
