"""A Starlette / FastAPI route that receives Knock's webhooks::

    from knockkit.contrib.starlette import webhook_route

    app = FastAPI()                                   # or Starlette(routes=[...])
    app.router.routes.append(webhook_route(receiver))

Handlers may be ``async def`` (awaited) or plain functions (run in the thread pool, so a
slow handler does not block the event loop).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from knockkit.webhooks import HEADER, Receiver

__all__ = ["webhook_endpoint", "webhook_route"]


def webhook_endpoint(receiver: Receiver) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint: verifies the raw body, answers 400 to a bad or stale signature, awaits the
    receiver's handlers and answers 204."""
    if not isinstance(receiver, Receiver):
        raise TypeError(f"webhook_endpoint() takes a knockkit.webhooks.Receiver, not {type(receiver).__name__}")

    async def knock_webhook(request: Request) -> Response:
        event = receiver.accept(await request.body(), request.headers.get(HEADER))
        if event is None:
            return PlainTextResponse(Receiver.REJECTED, status_code=400)
        for handler in receiver.handlers_for(event.type):
            if inspect.iscoroutinefunction(handler):
                await handler(event)
            else:
                await run_in_threadpool(handler, event)
        return Response(status_code=204)

    return knock_webhook


def webhook_route(receiver: Receiver, path: str = "/webhooks/knock") -> Route:
    """A POST route at ``path`` for :func:`webhook_endpoint`."""
    return Route(path, webhook_endpoint(receiver), methods=["POST"], name="knockkit_webhook")
