"""knockkit for Django: add ``"knockkit.contrib.django"`` to ``INSTALLED_APPS``.

Then each declared instance reads its settings from ``settings.KNOCKKIT`` when a client is
made (so ``override_settings`` works in tests):

```python
KNOCKKIT = {
    "MyKnock": {"api_key": knockkit.env("KNOCK_KEY"), "branch": "feature-x"},
}
```

``manage.py check`` reports a misconfigured instance (an unknown setting, a public key, a
bad base URL) without printing the key. Knock's webhooks are received by
``knockkit.contrib.django.views.webhook_view``.
"""

#: Where the settings live, as messages name them.
SETTINGS_LABEL = "settings.KNOCKKIT"
