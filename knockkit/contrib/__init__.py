"""Integrations with web frameworks and job runners; each module imports its own framework only.

- ``knockkit.contrib.django``: a Django app (``INSTALLED_APPS``) reading ``settings.KNOCKKIT``,
  with ``manage.py check`` checks and a webhook view (``knockkit.contrib.django.views``).
- ``knockkit.contrib.flask``: the ``Knock`` extension reading ``app.config["KNOCKKIT"]``, and a
  webhook blueprint.
- ``knockkit.contrib.starlette``: a webhook route for Starlette and FastAPI.
- ``knockkit.contrib.celery``: a trigger task whose Idempotency-Key is fixed when it is enqueued.
- ``knockkit.contrib.jobs``: the same guarantees for any job runner (RQ, Dramatiq, arq, ...).

``import knockkit`` imports none of them.
"""
