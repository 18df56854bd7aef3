import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alerts.knock import WORKFLOW, ParkKnock
from knockkit import workflows


@csrf_exempt  # an API endpoint for the demo; protect yours as your app does
@require_POST
def raise_alert(request: HttpRequest) -> JsonResponse:
    alert = json.loads(request.body)
    # ParkKnock.client() resolves settings.KNOCKKIT["ParkKnock"] now.
    run = workflows.trigger(ParkKnock.client(), WORKFLOW, recipients=alert["recipients"], data={"type": alert["type"]})
    return JsonResponse({"workflow_run_id": run.workflow_run_id})
