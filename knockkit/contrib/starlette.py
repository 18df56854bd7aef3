"""Starlette / FastAPI: an ``AsyncClient`` dependency, a lifespan that closes the pool, and a
route that receives Knock's webhooks.

```python
from knockkit.contrib.starlette import async_client, lifespan, webhook_route

app = FastAPI(lifespan=lifespan)                  # or Starlette(lifespan=lifespan, routes=[...])
app.router.routes.append(webhook_route(receiver))

@app.post("/alerts")
async def alert(aclient: AsyncClient = Depends(async_client(MyKnock))):
    await workflows.trigger(aclient, "dinosaurs-loose", recipients=["jhammond"])
```

Handlers may be ``async def`` (awaited) or plain functions (run in the thread pool, so a
slow handler does not block the event loop).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

import knockkit
from knockkit._client import AsyncClient
from knockkit._settings import KnockInstance
from knockkit.webhooks import HEADER, Receiver

__all__ = ["async_client", "lifespan", "webhook_endpoint", "webhook_route"]


def async_client(instance: type[KnockInstance], **overrides: Any) -> Callable[[], AsyncClient]:
    """A dependency giving each request ``instance.async_client(**overrides)``: settings are
    resolved per request (microseconds), and every client shares the loop's connection pool."""
    if not (isinstance(instance, type) and issubclass(instance, KnockInstance)) or instance is KnockInstance:
        raise TypeError("async_client() takes a declared instance: class MyKnock(KnockInstance, app=...)")

    def knock_async_client() -> AsyncClient:
        return instance.async_client(**overrides)

    return knock_async_client


@contextlib.asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[None]:
    """Close knockkit's connection pool when the server shuts down (``await knockkit.aclose()``).
    Wrap it in your own lifespan if you have one: ``async with knockkit_lifespan(app): yield``."""
    try:
        yield
    finally:
        await knockkit.aclose()


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
    """A POST route at ``path`` for ``webhook_endpoint``."""
    return Route(path, webhook_endpoint(receiver), methods=["POST"], name="knockkit_webhook")
