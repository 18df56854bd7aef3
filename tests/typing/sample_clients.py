"""User code as mypy --strict checks it (.ci/run): one set of endpoint functions, typed by the client.

Not collected by pytest; `mypy --strict tests/typing` must pass, and the lines marked
`# type: ignore[...]` must stay errors (warn_unused_ignores, part of --strict, fails the run if
they stop being errors).
"""

from __future__ import annotations

from typing_extensions import assert_type

import knockkit
from knockkit import AsyncClient, Client, bulk_operations, users, workflows
from knockkit.models import BulkOperation, Page, TriggerResult, User
from knockkit.providers import slack


class MyKnock(knockkit.KnockInstance, app="sample"):
    pass


def sync_code(client: Client) -> None:
    assert_type(users.get(client, "jhammond"), User)
    assert_type(users.identify(client, "jhammond", {"name": "John Hammond"}), User)
    assert_type(workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"]), TriggerResult)
    assert_type(workflows.cancel(client, "dinosaurs-loose", "alert-1"), None)
    assert_type(users.list(client, page_size=50), Page[User])
    for user in knockkit.paginate(users.list, client, page_size=50):
        assert_type(user, User)
    assert_type(bulk_operations.wait(client, "op_1", timeout=5), BulkOperation)
    assert_type(MyKnock.client(), Client)
    assert_type(client.evolve(max_retries=0), Client)
    slack.check_auth(client, "channel", tenant="t1")


async def async_code(aclient: AsyncClient) -> None:
    assert_type(await users.get(aclient, "jhammond"), User)
    assert_type(await workflows.trigger(aclient, "dinosaurs-loose", recipients=["jhammond"]), TriggerResult)
    await workflows.cancel(aclient, "dinosaurs-loose", "alert-1")
    assert_type(await users.list(aclient, page_size=50), Page[User])
    async for user in knockkit.apaginate(users.list, aclient, page_size=50):
        assert_type(user, User)
    assert_type(await bulk_operations.wait(aclient, "op_1", timeout=5), BulkOperation)
    assert_type(MyKnock.async_client(), AsyncClient)
    assert_type(aclient.evolve(max_retries=0), AsyncClient)
    await slack.check_auth(aclient, "channel", tenant="t1")
    await knockkit.aclose()


async def mistakes(client: Client, aclient: AsyncClient) -> None:
    users.get(aclient, "jhammond")  # type: ignore[unused-coroutine]  # forgot to await
    await users.get(client, "jhammond")  # type: ignore[misc]  # awaited a sync result
    user: User = users.get(aclient, "jhammond")  # type: ignore[assignment]  # a coroutine is no User
    users.get(client, 42)  # type: ignore[call-overload]  # ids are strings
    users.get(client, "x", include=[])  # type: ignore[call-overload]  # no such option
    print(user)
