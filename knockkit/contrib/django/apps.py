"""The Django app: plugs ``settings.KNOCKKIT`` into settings resolution and registers the checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import AppConfig
from django.core import checks

from knockkit._settings import add_settings_source, instance_settings
from knockkit.contrib.django import SETTINGS_LABEL


def django_settings(name: str) -> Mapping[str, Any] | None:
    """settings.KNOCKKIT[name], read now: override_settings in a test changes what clients get."""
    from django.conf import settings

    return instance_settings(SETTINGS_LABEL, getattr(settings, "KNOCKKIT", None), name)


class KnockkitConfig(AppConfig):
    name = "knockkit.contrib.django"
    label = "knockkit"
    verbose_name = "knockkit (Knock notifications)"

    def ready(self) -> None:
        from knockkit.contrib.django.checks import check_settings

        add_settings_source(SETTINGS_LABEL + "[{name!r}]", django_settings)
        checks.register(check_settings, "knockkit")
