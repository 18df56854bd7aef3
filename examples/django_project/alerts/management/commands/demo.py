"""python manage.py demo: a scripted visit through Django's test client."""

import json
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test import Client

from alerts.models import ProcessedKnockEvent
from knockkit import webhooks


class Command(BaseCommand):
    help = "Trigger an alert and receive Knock webhooks, through Django's test client."

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stdout.write
        call_command("migrate", verbosity=0)
        browser = Client()

        say("\n1. POST /alerts/: the view triggers the workflow with settings.KNOCKKIT's client")
        response = browser.post("/alerts/", {"recipients": ["jhammond", "esattler"], "type": "trex"},
                                content_type="application/json")  # fmt: skip
        say(f"   {response.status_code} {response.json()}")

        say("\n2. Knock delivers a signed message.bounced webhook, then again (a retry)")
        body = json.dumps({
            "__typename": "Event", "type": "message.bounced", "created_at": "2026-01-31T17:12:59.958652Z",
            "data": {"id": "2w3YUpTTOxuDvZFji8OMsKrG176", "recipient": "esattler", "status": "bounced"},
            "event_data": {"failure_reason": "hard_bounce"},
        }).encode()  # fmt: skip
        for attempt in (1, 2):
            signature = webhooks.sign(body, settings.KNOCK_WEBHOOK_SECRET)
            response = browser.post("/webhooks/knock/", body, content_type="application/json",
                                    headers={"x-knock-signature": signature})  # fmt: skip
            say(f"   delivery {attempt}: {response.status_code}")
        handled = ProcessedKnockEvent.objects.filter(key=webhooks.parse_event(json.loads(body)).key)
        say(f"   handled once: {[e.note for e in handled]}")

        say("\n3. A request without a signature is refused, and no handler runs")
        response = browser.post("/webhooks/knock/", body, content_type="application/json")
        say(f"   {response.status_code} {response.content.decode()!r}")
