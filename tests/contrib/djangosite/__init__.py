"""A real Django project for the tests: settings, URLs, a view that triggers, a webhook receiver."""
