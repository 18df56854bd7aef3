"""Settings of the example project."""

import os
import tempfile
from pathlib import Path

import knockkit

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "django-insecure-knockkit-example"  # Django's own key; set a real one in production
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True

INSTALLED_APPS = ["knockkit.contrib.django", "alerts"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware"]
ROOT_URLCONF = "parksite.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PARKSITE_DB", str(Path(tempfile.gettempdir()) / "knockkit-parksite.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# knockkit: one entry per declared instance, read when a client is made (override_settings works).
# With KNOCK_API_KEY unset these resolve to nothing and the app's knockkit.configure() applies:
# see alerts/apps.py, which points it at an embedded fake Knock.
KNOCKKIT = {
    "ParkKnock": {
        "api_key": knockkit.env("KNOCK_API_KEY"),
        "branch": knockkit.env("KNOCK_BRANCH"),
        "timeout": 10.0,
    },
}
# The signing secret of the webhook in Knock's dashboard (a made-up one for the demo).
KNOCK_WEBHOOK_SECRET = os.environ.get("KNOCK_WEBHOOK_SECRET", "whsec_example_isla_nublar")
