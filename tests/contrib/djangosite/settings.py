"""Settings of the test project (DJANGO_SETTINGS_MODULE=tests.contrib.djangosite.settings)."""

import knockkit

SECRET_KEY = "django-insecure-tests-only"  # Django's own signing key; nothing of Knock's
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
INSTALLED_APPS = ["knockkit.contrib.django"]
# CSRF protection is on, as in real projects: Knock's POSTs carry a signature instead of a token.
MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
ROOT_URLCONF = "tests.contrib.djangosite.urls"
DATABASES: dict[str, dict[str, str]] = {}

KNOCKKIT = {
    "DjangoKnock": {"api_key": knockkit.env("DJANGO_TEST_KNOCK_KEY"), "branch": "from-settings-module"},
}
KNOCK_WEBHOOK_SECRET = "whsec_contrib_5f1e9a0c7b3d4e26"
