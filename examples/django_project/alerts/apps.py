import os

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self) -> None:
        if os.environ.get("KNOCK_API_KEY"):
            return  # settings.KNOCKKIT reads it: the real Knock
        # No key: an embedded fake Knock on 127.0.0.1 for this process, registered with
        # knockkit.configure(), which settings.KNOCKKIT falls back to while KNOCK_API_KEY is unset.
        import knockkit
        from alerts.knock import WORKFLOW, ParkKnock
        from knockkit.testing import FakeKnock

        fake = FakeKnock()  # a daemon thread; it stops with the process
        fake.add_workflow(WORKFLOW, ["in_app_feed"])
        knockkit.configure("park", ParkKnock, api_key=fake.api_key, base_url=fake.url)
        print(f"KNOCK_API_KEY is not set: running against an embedded fake Knock at {fake.url}.", flush=True)
