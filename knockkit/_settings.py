"""Declared instances: ``class MyKnock(KnockInstance, app="myapp")`` and their settings.

Settings are resolved each time ``client()`` is called, never at import or class creation,
so tests and processes that set the environment late still see their values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from knockkit._client import CLIENT_FIELDS, AsyncClient, Client
from knockkit.errors import ApiKeyMissingError

__all__ = ["ENV_VARS", "EnvVar", "KnockInstance", "configure", "env"]

#: The environment variable read for a field when neither arguments nor settings give it.
ENV_VARS: Mapping[str, str] = {
    "api_key": "KNOCK_API_KEY",
    "branch": "KNOCK_BRANCH",
    "base_url": "KNOCK_BASE_URL",
}


@attrs.frozen
class EnvVar:
    """A setting that reads an environment variable when a client is made."""

    name: str

    def read(self) -> str | None:
        return os.environ.get(self.name) or None


def env(name: str) -> EnvVar:
    """Defer a setting to the environment variable ``name``, read at ``client()`` time.

    The Python spelling of Elixir's ``{:system, "VAR"}``. An unset or empty variable
    counts as not configured, so resolution goes on to ``KNOCK_*`` and the defaults.
    """
    if not isinstance(name, str) or not name:
        raise ValueError("env() needs the name of an environment variable")
    return EnvVar(name)


# (app, instance name) -> settings. Replaced whole by each configure() call.
_SETTINGS: dict[tuple[str, str], dict[str, Any]] = {}


def _instance_name(instance: type[KnockInstance] | str) -> str:
    if isinstance(instance, str) and instance:
        return instance
    if isinstance(instance, type) and issubclass(instance, KnockInstance) and instance is not KnockInstance:
        return instance.__name__
    raise TypeError("instance must be a KnockInstance subclass or its class name")


def configure(app: str, instance: type[KnockInstance] | str, **settings: Any) -> None:
    """Register settings for one declared instance of an app, like Elixir's ``config``.

    ``settings`` are ``Client`` fields (``api_key``, ``base_url``, ``branch``, ``timeout``,
    ...); any value may be ``knockkit.env("VAR")``. A later call for the same instance
    replaces its settings.
    """
    if not isinstance(app, str) or not app:
        raise ValueError("app must be a non-empty string")
    name = _instance_name(instance)
    if isinstance(instance, type) and instance.app != app:
        raise ValueError(f"{name} is declared with app={instance.app!r}, not {app!r}")
    unknown = sorted(set(settings) - set(CLIENT_FIELDS))
    if unknown:
        raise TypeError(f"configure(): unknown setting(s) {unknown}; known: {', '.join(CLIENT_FIELDS)}")
    _SETTINGS[(app, name)] = dict(settings)


class KnockInstance:
    """Subclass once per app: ``class MyKnock(KnockInstance, app="myapp"): pass``.

    Then ``MyKnock.client(**overrides)`` returns a :class:`knockkit.Client`, each field
    resolved as: explicit keyword > ``configure()`` settings > environment
    (``KNOCK_API_KEY``, ``KNOCK_BRANCH``, ``KNOCK_BASE_URL``) > default.
    """

    app: ClassVar[str]

    def __init_subclass__(cls, app: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if app is None:
            if getattr(cls, "app", None) is None:
                raise TypeError(
                    f'class {cls.__name__}(KnockInstance) needs an app name: '
                    f'class {cls.__name__}(KnockInstance, app="myapp")'
                )
            return  # a subclass of a declared instance keeps its parent's app
        if not isinstance(app, str) or not app:
            raise TypeError("app= must be a non-empty string")
        cls.app = app

    def __new__(cls, *args: Any, **kwargs: Any) -> KnockInstance:
        raise TypeError(
            f"{cls.__name__} is declared, not instantiated: call {cls.__name__}.client() for a Client"
        )

    @classmethod
    def client(cls, **overrides: Any) -> Client:
        """A new ``Client`` with settings resolved now (see the class docstring)."""
        if cls is KnockInstance:
            raise TypeError('declare an instance first: class MyKnock(KnockInstance, app="myapp")')
        unknown = sorted(set(overrides) - set(CLIENT_FIELDS))
        if unknown:
            raise TypeError(f"client(): unknown option(s) {unknown}; known: {', '.join(CLIENT_FIELDS)}")
        settings = _SETTINGS.get((cls.app, cls.__name__), {})
        values: dict[str, Any] = {}
        unset_vars: list[str] = []
        for field in CLIENT_FIELDS:
            if field in overrides:
                values[field] = overrides[field]
                continue
            if field in settings:
                value = settings[field]
                if isinstance(value, EnvVar):
                    read = value.read()
                    if read is None:
                        unset_vars.append(value.name)
                    else:
                        values[field] = read
                        continue
                else:
                    values[field] = value
                    continue
            var = ENV_VARS.get(field)
            if var and os.environ.get(var):
                values[field] = os.environ[var]
        if values.get("api_key") is None:
            raise ApiKeyMissingError(_missing_key_message(cls, unset_vars))
        return Client(**values)

    @classmethod
    def async_client(cls, **overrides: Any) -> AsyncClient:
        """A new ``AsyncClient``, resolved exactly as :meth:`client` resolves a ``Client``."""
        resolved = cls.client(**overrides)
        return AsyncClient(**{field: getattr(resolved, field) for field in CLIENT_FIELDS})


def _missing_key_message(cls: type[KnockInstance], unset_vars: list[str]) -> str:
    name = cls.__name__
    message = (
        f"no Knock API key for {name} (app {cls.app!r}). Provide one in any of three ways: "
        f"pass it explicitly ({name}.client(api_key=...)), configure it "
        f"(knockkit.configure({cls.app!r}, {name}, api_key=...)), "
        "or set the KNOCK_API_KEY environment variable."
    )
    if unset_vars:
        message += f" The configured variable {', '.join(unset_vars)} is not set."
    return message
