#!/usr/bin/env python
"""The Django example project: knockkit's settings in settings.KNOCKKIT, a view that triggers a
workflow, and Knock's webhooks received by knockkit's view, handled once per event.

    python examples/django_project/manage.py demo         # a scripted visit (Django's test client)
    python examples/django_project/manage.py check        # knockkit's checks of settings.KNOCKKIT
    python examples/django_project/manage.py runserver    # serve it on http://127.0.0.1:8000

Without KNOCK_API_KEY the alerts app starts an embedded fake Knock (knockkit.testing.FakeKnock)
on 127.0.0.1 and says so; with KNOCK_API_KEY (sk_...) it talks to your Knock environment.
"""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parksite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
