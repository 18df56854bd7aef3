"""knockkit.contrib.starlette: the webhook route in a FastAPI app and a bare Starlette app,
through Starlette's TestClient (httpx), with async and plain handlers."""

from __future__ import annotations

import logging
import threading

import pytest

pytest.importorskip("starlette", reason="the Starlette integration needs it: pip install knockkit[fastapi]")
pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx: pip install knockkit[fastapi]")

from starlette.applications import Starlette
from starlette.testclient import TestClient

from knockkit.contrib.starlette import webhook_endpoint, webhook_route
from knockkit.webhooks import Event, Receiver

from .conftest import BAD_SIGNATURES, WEBHOOK_SECRET, assert_rejection_logged, bad_signature_headers, event_body, sign


def recording_receiver() -> tuple[Receiver, list[tuple[str, str, bool]]]:
    """A receiver with an async and a plain handler; each records (handler, type, on the loop's thread)."""
    receiver = Receiver(WEBHOOK_SECRET)
    seen: list[tuple[str, str, bool]] = []
    loop_thread: list[int] = []

    @receiver.on("message.bounced")
    async def on_bounce(event: Event) -> None:
        loop_thread.append(threading.get_ident())
        seen.append(("async", event.type, True))

    @receiver.on("message.*")
    def on_any_message(event: Event) -> None:
        assert event.message is not None
        seen.append(("plain", event.message.id, threading.get_ident() in loop_thread))

    return receiver, seen


@pytest.fixture(params=["fastapi", "starlette"])
def app_and_seen(request: pytest.FixtureRequest) -> tuple[TestClient, list[tuple[str, str, bool]]]:
    receiver, seen = recording_receiver()
    if request.param == "fastapi":
        fastapi = pytest.importorskip("fastapi", reason="pip install fastapi")
        app = fastapi.FastAPI()
        app.add_api_route("/health", lambda: {"ok": True})
        app.add_route("/webhooks/knock", webhook_endpoint(receiver), methods=["POST"])
    else:
        app = Starlette(routes=[webhook_route(receiver)])
    return TestClient(app), seen


def test_route_awaits_async_handlers_and_runs_plain_ones_off_the_loop(
    app_and_seen: tuple[TestClient, list[tuple[str, str, bool]]],
) -> None:
    client, seen = app_and_seen
    body = event_body()
    response = client.post("/webhooks/knock", content=body, headers={"x-knock-signature": sign(body)})
    assert (response.status_code, response.content) == (204, b"")
    assert seen == [("async", "message.bounced", True), ("plain", "2w3YUpTTOxuDvZFji8OMsKrG176", False)]


@pytest.mark.parametrize("case", [*BAD_SIGNATURES, "not an event"])
def test_route_answers_400_dispatching_and_logging_nothing_secret(
    case: str, app_and_seen: tuple[TestClient, list[tuple[str, str, bool]]], caplog: pytest.LogCaptureFixture
) -> None:
    client, seen = app_and_seen
    if case == "not an event":
        body = b'{"data": {"id": "m1"}}'
        headers = {"x-knock-signature": sign(body)}
    else:
        body = event_body()
        headers = bad_signature_headers(case, body)
    with caplog.at_level(logging.INFO):
        response = client.post("/webhooks/knock", content=body, headers=headers)
    assert response.status_code == 400
    assert response.text == Receiver.REJECTED
    assert seen == []
    assert_rejection_logged(caplog)


def test_route_takes_only_post(app_and_seen: tuple[TestClient, list[tuple[str, str, bool]]]) -> None:
    client, seen = app_and_seen
    assert client.get("/webhooks/knock").status_code == 405
    assert seen == []


def test_a_failing_handler_is_a_500_so_knock_retries() -> None:
    receiver = Receiver(WEBHOOK_SECRET)

    @receiver.on("*")
    async def broken(event: Event) -> None:
        raise RuntimeError("database down")

    client = TestClient(Starlette(routes=[webhook_route(receiver)]), raise_server_exceptions=False)
    body = event_body()
    assert client.post("/webhooks/knock", content=body, headers={"x-knock-signature": sign(body)}).status_code == 500


def test_fastapi_dependency_gives_an_async_client_and_the_lifespan_closes_the_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc
    import warnings

    fastapi = pytest.importorskip("fastapi", reason="pip install fastapi")

    import knockkit
    from knockkit import users
    from knockkit.contrib.starlette import async_client, lifespan
    from knockkit.testing import FakeKnock

    class ApiKnock(knockkit.KnockInstance, app="fastapi-sample"):
        pass

    with FakeKnock() as fake, warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        monkeypatch.setenv("KNOCK_API_KEY", fake.api_key)
        monkeypatch.setenv("KNOCK_BASE_URL", fake.url)
        app = fastapi.FastAPI(lifespan=lifespan)
        clients: list[knockkit.AsyncClient] = []

        knock = fastapi.Depends(async_client(ApiKnock))

        @app.post("/users/{user_id}")
        async def register(user_id: str, aclient: knockkit.AsyncClient = knock) -> dict[str, str]:
            clients.append(aclient)
            user = await users.identify(aclient, user_id, {"name": "From FastAPI"})
            return {"id": user.id}

        with TestClient(app) as http:
            assert http.post("/users/jhammond").json() == {"id": "jhammond"}
            assert http.post("/users/agrant").json() == {"id": "agrant"}
        gc.collect()
        assert all(isinstance(c, knockkit.AsyncClient) and c.base_url == fake.url for c in clients)
        assert fake.user("jhammond").name == "From FastAPI"  # type: ignore[union-attr]
        # One connection served both requests: the clients shared the loop's pool.
        assert [r.path for r in fake.requests] == ["/v1/users/jhammond", "/v1/users/agrant"]
    with pytest.raises(TypeError, match="declared instance"):
        async_client(knockkit.KnockInstance)
