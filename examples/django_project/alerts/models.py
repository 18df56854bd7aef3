from django.db import models


class ProcessedKnockEvent(models.Model):
    """A Knock webhook event handled already (its webhooks.Event.key)."""

    key = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=100)
    note = models.TextField(blank=True)
    handled_at = models.DateTimeField(auto_now_add=True)
