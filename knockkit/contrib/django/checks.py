"""``manage.py check``: what is wrong with ``settings.KNOCKKIT``, never showing a key.

- ``knockkit.E001``: a setting client() would refuse (unknown name, public key, whitespace in
  the key, a base URL that is not http(s), a timeout that is not a positive number, ...);
- ``knockkit.W001``: an ``api_key`` of ``knockkit.env("VAR")`` whose variable is not set here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from knockkit._settings import check_instances
from knockkit.contrib.django import SETTINGS_LABEL

HINT = "See the Django page of the knockkit docs (settings.KNOCKKIT)."


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for problem in check_instances(SETTINGS_LABEL, getattr(settings, "KNOCKKIT", None)):
        if problem.level == "error":
            messages.append(Error(problem.message, hint=HINT, id="knockkit.E001"))
        else:
            messages.append(Warning(problem.message, hint=HINT, id="knockkit.W001"))
    return messages
