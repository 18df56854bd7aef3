"""A Django view that receives Knock's webhooks through a ``knockkit.webhooks.Receiver``.

```python
# urls.py
from knockkit.contrib.django.views import webhook_view
from myapp.knock import receiver

urlpatterns = [path("webhooks/knock/", webhook_view(receiver))]
```
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from knockkit.webhooks import HEADER, Receiver

__all__ = ["webhook_view"]


def webhook_view(receiver: Receiver) -> Callable[[HttpRequest], HttpResponse]:
    """A POST-only, CSRF-exempt view (Knock signs its requests instead) that verifies the raw
    body, answers 400 to a bad or stale signature, and calls the receiver's handlers."""
    if not isinstance(receiver, Receiver):
        raise TypeError(f"webhook_view() takes a knockkit.webhooks.Receiver, not {type(receiver).__name__}")

    @csrf_exempt
    @require_POST
    def knock_webhook(request: HttpRequest) -> HttpResponse:
        status = receiver.respond(request.body, request.headers.get(HEADER))
        return HttpResponse(Receiver.REJECTED if status == 400 else b"", status=status, content_type="text/plain")

    return knock_webhook
