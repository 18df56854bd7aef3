"""Rules for values that end up in a URL or an HTTP header, one function each.

Path ids (resource modules, the executor, bulk id lists, token grant entities) go through
``check_id``; header values (API key, branch, idempotency key, a client's default headers)
through ``check_header_value``, and header names through ``check_header_name``.
Messages name the argument and the rule, never a secret.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_USER_ID_LENGTH", "check_header_name", "check_header_value", "check_id"]

MAX_USER_ID_LENGTH = 256

_VISIBLE = re.compile(r"[\x21-\x7e]+")
_VISIBLE_WITH_SPACES = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110's token: what a header name may be


def check_id(name: str, value: object, *, user: bool = False) -> str:
    """An id that names one resource in a path: a non-empty string, not ``.``/``..``,
    without ``/`` or ``#``; a ``user`` id at most 256 characters."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    if value in (".", ".."):
        raise ValueError(f"{name} must not be '.' or '..'")
    if "/" in value or "#" in value:
        raise ValueError(f"{name} must not contain '/' or '#' (got {value!r})")
    if user and len(value) > MAX_USER_ID_LENGTH:
        raise ValueError(f"{name} is {len(value)} characters long; Knock allows at most {MAX_USER_ID_LENGTH}")
    return value


def check_header_value(field: str, value: object, *, spaces: bool = False, secret: bool = False) -> str:
    """A value sent as an HTTP header: visible ASCII (0x21-0x7E), and where ``spaces``
    allows, single spaces between words. ``secret`` values are described, never shown."""
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, not {type(value).__name__}")
    if (_VISIBLE_WITH_SPACES if spaces else _VISIBLE).fullmatch(value):
        return value
    rule = "visible ASCII characters" + (" with single spaces between words" if spaces else " without spaces")
    if not value:
        raise ValueError(f"{field} must not be empty")
    if not value.strip():
        raise ValueError(f"{field} is only whitespace; it must be {rule}")
    if value != value.strip(" \t\r\n"):  # (other invisible characters are named below)
        problem = "leading or trailing whitespace"
    elif spaces and "  " in value:
        problem = f"two spaces in a row at position {value.index('  ')}"
    else:
        index = next(i for i, c in enumerate(value) if not ("\x21" <= c <= "\x7e" or (spaces and c == " ")))
        problem = f"{_describe(value[index], secret)} at position {index}"
    hint = " (often left by an editor or a secrets file; copy the key again)" if secret else ""
    raise ValueError(f"{field} contains {problem}; it must be {rule}{hint}")


def check_header_name(field: str, name: object) -> str:
    """A header name: an HTTP token (letters, digits and ``!#$%&'*+-.^_`|~``)."""
    if not isinstance(name, str):
        raise TypeError(f"{field}: header names must be strings, not {type(name).__name__}")
    if not _TOKEN.fullmatch(name):
        raise ValueError(
            f"{field}: {name!r} is not a header name (letters, digits and !#$%&'*+-.^_`|~ only, not empty)"
        )
    return name


def _describe(char: str, secret: bool) -> str:
    if char == " ":
        return "a space"
    if char.isprintable() and not char.isspace() and secret:
        return "a non-ASCII character"  # the character itself may be part of the secret
    if char == "\ufeff":
        return "a byte order mark (U+FEFF)"
    kind = "whitespace" if char.isspace() else "an invisible character" if not char.isprintable() else "a character"
    return f"{kind} (U+{ord(char):04X} {unicodedata.name(char, 'CONTROL')})"
