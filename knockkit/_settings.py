"""Declared instances: ``class MyKnock(KnockInstance, app="myapp")`` and their settings.

Settings are resolved each time ``client()`` is called, never at import or class creation,
so tests and processes that set the environment late still see their values. Per field:
explicit keyword > framework settings (Django's ``settings.KNOCKKIT``, a Flask app's
``config["KNOCKKIT"]``) > ``configure()`` > environment > default.

Framework settings plug in as *sources* (``add_settings_source``), registered by the
integrations in ``knockkit.contrib``; this module imports no framework.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, NamedTuple

from knockkit._client import CLIENT_FIELDS, AsyncClient, Client
from knockkit.errors import ApiKeyMissingError

__all__ = [
    "ENV_VARS",
    "EnvVar",
    "KnockInstance",
    "SettingsLookup",
    "SettingsProblem",
    "add_settings_source",
    "check_instances",
    "configure",
    "env",
    "instance_settings",
]

#: The environment variable read for a field when neither arguments nor settings give it.
ENV_VARS: Mapping[str, str] = {
    "api_key": "KNOCK_API_KEY",
    "branch": "KNOCK_BRANCH",
    "base_url": "KNOCK_BASE_URL",
}


# The two records here are NamedTuples, not attrs classes: attrs compiles each class's
# methods, and these two were a fifth of the time ``import knockkit`` spends in its own code.
class EnvVar(NamedTuple):
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

#: A framework's settings for one instance: instance name -> its settings, or None when the
#: framework has none for it (or is not active here, e.g. outside a Flask app context).
SettingsLookup = Callable[[str], "Mapping[str, Any] | None"]

# (label, lookup) in the order added; the label says where the settings live, with {name}
# for the instance name ("settings.KNOCKKIT[{name!r}]"). A tuple, replaced whole, so that
# client() in another thread iterates a stable value.
_SOURCES: tuple[tuple[str, SettingsLookup], ...] = ()


def add_settings_source(label: str, lookup: SettingsLookup) -> None:
    """Let a framework's settings take part in resolution, after explicit keywords and before
    ``configure()``. ``label`` names where they live, with ``{name}`` for the instance name;
    adding a source with the same label again replaces it (so app start-up may run twice)."""
    global _SOURCES
    if "{name" not in label:
        raise ValueError("label must contain {name} (or {name!r}), where the instance name goes")
    _SOURCES = (*((lbl, fn) for lbl, fn in _SOURCES if lbl != label), (label, lookup))


def _source_label(label: str, name: str) -> str:
    return label.format(name=name)


def _check_fields(where: str, settings: Mapping[str, Any]) -> None:
    unknown = sorted(set(settings) - set(CLIENT_FIELDS))
    if unknown:
        raise TypeError(f"{where}: unknown setting(s) {unknown}; known: {', '.join(CLIENT_FIELDS)}")


def instance_settings(where: str, instances: object, name: str) -> Mapping[str, Any] | None:
    """The settings of instance ``name`` in a framework's ``{"MyKnock": {...}}`` mapping
    (``where`` names it in errors); None when it has none."""
    if instances is None:
        return None
    if not isinstance(instances, Mapping):
        raise TypeError(_not_a_dict(where, instances, "of instance name -> settings"))
    settings = instances.get(name)
    if settings is not None and not isinstance(settings, Mapping):
        raise TypeError(_not_a_dict(f"{where}[{name!r}]", settings, "of settings"))
    return settings


def _not_a_dict(where: str, value: object, of_what: str) -> str:
    return f"{where} must be a dict {of_what}, not {type(value).__name__}"


class SettingsProblem(NamedTuple):
    """Something wrong with an instance's settings, for a framework's start-up check."""

    #: "error" (client() would fail) or "warning" (it may fail, e.g. a variable not set here)
    level: str
    #: says where and what; never contains a key
    message: str


def check_instances(where: str, instances: object) -> list[SettingsProblem]:
    """Every problem in a framework's ``{"MyKnock": {...}}`` settings, without raising.

    Each value is checked by the rule ``Client`` applies to it (a public key, whitespace in a
    key, a base URL that is not http(s), ...); ``knockkit.env`` values are read now, and an
    unset one for ``api_key`` is a warning. Messages describe keys but never contain them.
    """
    if instances is None:
        return []
    if not isinstance(instances, Mapping):
        return [SettingsProblem("error", _not_a_dict(where, instances, "of instance name -> settings"))]
    problems: list[SettingsProblem] = []
    for name, settings in instances.items():
        problems += _check_one(f"{where}[{name!r}]", settings)
    return problems


def _check_one(where: str, settings: object) -> Iterator[SettingsProblem]:
    if not isinstance(settings, Mapping):
        yield SettingsProblem("error", _not_a_dict(where, settings, "of settings"))
        return
    try:
        _check_fields(where, settings)
    except TypeError as exc:
        yield SettingsProblem("error", str(exc))
    for field in CLIENT_FIELDS:
        if field not in settings:
            continue
        value = settings[field]
        if isinstance(value, EnvVar):
            read = value.read()
            if read is None:  # resolution goes on to configure(), the environment, the default
                if field == "api_key":
                    yield SettingsProblem(
                        "warning",
                        f"{where}['api_key'] reads {value.name}, which is not set here: clients will take "
                        "the key from knockkit.configure() or KNOCK_API_KEY, or fail without one",
                    )
                continue
            value = read
        try:
            # The Client's own validators are the rule; a placeholder key lets one field be checked alone.
            Client(**{"api_key": "sk_settings_check", field: value})
        except (TypeError, ValueError) as exc:
            yield SettingsProblem("error", f"{where}[{field!r}]: {exc}")


def _instance_name(instance: type[KnockInstance] | str) -> str:
    if isinstance(instance, str) and instance:
        return instance
    if isinstance(instance, type) and issubclass(instance, KnockInstance) and instance is not KnockInstance:
        return instance.__name__
    raise TypeError("instance must be a KnockInstance subclass or its class name")


def configure(app: str, instance: type[KnockInstance] | str, **settings: Any) -> None:
    """Register settings for one declared instance of an app, like Elixir's ``config``.

    A later call for the same instance replaces its settings.

    Args:
        app: the ``app=`` the instance is declared with.
        instance: the ``KnockInstance`` subclass, or its class name.
        **settings: ``Client`` fields (``api_key``, ``base_url``, ``branch``, ``timeout``,
            ...); any value may be ``knockkit.env("VAR")``.
    """
    if not isinstance(app, str) or not app:
        raise ValueError("app must be a non-empty string")
    name = _instance_name(instance)
    if isinstance(instance, type) and instance.app != app:
        raise ValueError(f"{name} is declared with app={instance.app!r}, not {app!r}")
    _check_fields("configure()", settings)
    _SETTINGS[(app, name)] = dict(settings)


class KnockInstance:
    """Subclass once per app: ``class MyKnock(KnockInstance, app="myapp"): pass``.

    Then ``MyKnock.client(**overrides)`` returns a ``knockkit.Client``, each field
    resolved as: explicit keyword > framework settings (``knockkit.contrib``) >
    ``configure()`` settings > environment (``KNOCK_API_KEY``, ``KNOCK_BRANCH``,
    ``KNOCK_BASE_URL``) > default.
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
        name = cls.__name__
        layers = [*_framework_layers(name), _SETTINGS.get((cls.app, name), {})]
        values: dict[str, Any] = {}
        unset_vars: list[str] = []
        for field in CLIENT_FIELDS:
            if field in overrides:
                values[field] = overrides[field]
                continue
            for settings in layers:
                if field not in settings:
                    continue
                value = settings[field]
                if isinstance(value, EnvVar):
                    value = value.read()
                    if value is None:  # an unset variable: go on to the next layer
                        unset_vars.append(settings[field].name)
                        continue
                values[field] = value
                break
            else:
                var = ENV_VARS.get(field)
                if var and os.environ.get(var):
                    values[field] = os.environ[var]
        if values.get("api_key") is None:
            raise ApiKeyMissingError(_missing_key_message(cls, unset_vars))
        return Client(**values)

    @classmethod
    def async_client(cls, **overrides: Any) -> AsyncClient:
        """A new ``AsyncClient``, resolved exactly as ``client`` resolves a ``Client``."""
        resolved = cls.client(**overrides)
        return AsyncClient(**{field: getattr(resolved, field) for field in CLIENT_FIELDS})


def _framework_layers(name: str) -> Iterator[Mapping[str, Any]]:
    for label, lookup in _SOURCES:
        settings = lookup(name)
        if settings is not None:
            _check_fields(_source_label(label, name), settings)
            yield settings


def _missing_key_message(cls: type[KnockInstance], unset_vars: list[str]) -> str:
    name = cls.__name__
    places = [_source_label(label, name) for label, _ in _SOURCES]
    places.append(f"knockkit.configure({cls.app!r}, {name}, api_key=...)")
    message = (
        f"no Knock API key for {name} (app {cls.app!r}). Provide one in any of three ways: "
        f"pass it explicitly ({name}.client(api_key=...)), configure it "
        f"({' or '.join(places)}), "
        "or set the KNOCK_API_KEY environment variable."
    )
    if unset_vars:
        message += f" The configured variable {', '.join(unset_vars)} is not set."
    return message
