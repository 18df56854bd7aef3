"""The project's Knock instance and its webhook handlers."""

from django.conf import settings
from django.db import IntegrityError, transaction

from alerts.models import ProcessedKnockEvent
from knockkit import KnockInstance, webhooks

WORKFLOW = "dinosaurs-loose"


class ParkKnock(KnockInstance, app="park"):
    """Settings: settings.KNOCKKIT["ParkKnock"] (see parksite/settings.py)."""


receiver = webhooks.Receiver(secret=lambda: settings.KNOCK_WEBHOOK_SECRET)


@receiver.on("message.bounced", "message.undelivered")
def stop_emailing(event: webhooks.Event) -> None:
    """Knock retries deliveries: record the event's key with the effect, in one transaction, so
    that a repeated delivery does nothing."""
    recipient = event.message.recipient if event.message else None
    try:
        with transaction.atomic():
            ProcessedKnockEvent.objects.create(key=event.key, type=event.type, note=f"stop emailing {recipient}")
            # ... the effect: mark the address as bouncing, in the same transaction
    except IntegrityError:
        pass  # this event was handled already
