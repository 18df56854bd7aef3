"""Issue 10's additions as mypy --strict sees user code (see sample_clients.py)."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

import knockkit
from knockkit import AsyncClient, Client, users, workflows
from knockkit.models import Page, TriggerResult, User


def count(event: knockkit.RequestEvent) -> None:
    print(event.template, event.status, event.elapsed)


def sync_code(client: Client) -> None:
    response = knockkit.with_response(users.get, client, "jhammond")
    assert_type(response, knockkit.Response[User])
    assert_type(response.value, User)
    assert_type(response.request_id, str | None)
    triggered = knockkit.with_response(workflows.trigger, client, "wf", recipients=["jhammond"])
    assert_type(triggered.value, TriggerResult)
    assert_type(knockkit.request(client, "GET", "/v1/users/u1"), Any)
    assert_type(knockkit.request(client, "GET", "/v1/users/u1", into=User), User)
    assert_type(knockkit.request(client, "GET", "/v1/users", into=Page[User]), Page[User])
    assert_type(knockkit.with_response(knockkit.request, client, "GET", "/v1/x"), knockkit.Response[Any])
    assert_type(users.list(client, order="desc"), Page[User])
    hooked = client.evolve(on_response=count, headers={"X-App-Name": "billing"})
    assert_type(hooked, Client)
    assert_type(Client(api_key="sk_test_x", headers={"X-App-Name": "b"}, trust_env=False), Client)


async def async_code(aclient: AsyncClient) -> None:
    response = await knockkit.with_response(users.get, aclient, "jhammond")
    assert_type(response, knockkit.Response[User])
    assert_type(await knockkit.request(aclient, "GET", "/v1/users/u1", into=User), User)
    assert_type(await knockkit.request(aclient, "GET", "/v1/users/u1"), Any)


def mistakes(client: Client, aclient: AsyncClient) -> None:
    users.list(client, order="up")  # type: ignore[call-overload]  # asc or desc
    knockkit.request(aclient, "GET", "/v1/x").keys()  # type: ignore[attr-defined]  # a coroutine
