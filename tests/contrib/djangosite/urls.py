from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path

from knockkit import KnockInstance, workflows
from knockkit.contrib.django.views import webhook_view
from knockkit.webhooks import Event, Receiver


class DjangoKnock(KnockInstance, app="djangosite"):
    pass


receiver = Receiver(secret=lambda: settings.KNOCK_WEBHOOK_SECRET)
#: every event the handlers saw, in order (the tests clear it)
RECEIVED: list[Event] = []


@receiver.on("message.bounced", "message.delivered")
def record(event: Event) -> None:
    RECEIVED.append(event)


def notify(request: HttpRequest) -> JsonResponse:
    """A view that triggers a workflow with the client Django's settings give."""
    run = workflows.trigger(DjangoKnock.client(), "dinosaurs-loose", recipients=[request.POST["recipient"]])
    return JsonResponse({"workflow_run_id": run.workflow_run_id})


urlpatterns = [
    path("notify/", notify),
    path("webhooks/knock/", webhook_view(receiver)),
]
