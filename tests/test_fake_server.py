"""FakeKnock as a server: lifecycle, several at once, reset, auth, request ids, routing,
percent-decoded ids, Knock's query style, recorded requests, thread safety, and the
standalone ``python -m knockkit.testing``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading

import pytest
import urllib3

import knockkit
from knockkit import users, workflows
from knockkit.testing import FAKE_API_KEY, FakeKnock
from knockkit.testing.routes import parse_query


def raw(
    fake: FakeKnock, method: str, path: str, body: bytes | None = None, key: str | None = None
) -> urllib3.BaseHTTPResponse:
    headers = {"Authorization": f"Bearer {key or fake.api_key}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return urllib3.request(method, fake.url + path, body=body, headers=headers, retries=False)


def test_a_context_manager_serving_on_loopback() -> None:
    with FakeKnock() as fake:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", fake.url)
        assert fake.port > 0
        user = users.identify(fake.client(), "jhammond", {"name": "John Hammond"})
        assert user.name == "John Hammond"
    assert "closed" in repr(fake)
    with pytest.raises(knockkit.APIConnectionError):
        users.get(fake.client(max_retries=0), "jhammond")
    fake.close()  # closing twice is harmless


def test_client_points_at_the_fake_with_fast_retries() -> None:
    with FakeKnock() as fake:
        client = fake.client(branch="feature-x")
        assert client.base_url == fake.url
        assert client.api_key == FAKE_API_KEY
        assert client.backoff_factor <= 0.01
        assert client.branch == "feature-x"


def test_several_fakes_keep_separate_state() -> None:
    with FakeKnock() as first, FakeKnock() as second:
        assert first.url != second.url
        users.identify(first.client(), "jhammond", {})
        assert first.user("jhammond") is not None
        assert second.user("jhammond") is None
        with pytest.raises(knockkit.NotFoundError):
            users.get(second.client(), "jhammond")


def test_reset_forgets_everything(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    knock.add_workflow("dinosaurs-loose", steps=["in_app_feed"])
    users.identify(knock_client, "jhammond", {})
    workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"])
    knock.fail_next(5)
    knock.latency = 0.5
    knock.reset()
    assert knock.user("jhammond") is None
    assert knock.messages() == []
    assert knock.requests == []
    assert knock.latency == 0
    with pytest.raises(knockkit.NotFoundError):  # the workflow is gone too; no fault is left
        workflows.trigger(knock_client, "dinosaurs-loose", recipients=["jhammond"])


def test_a_wrong_key_gets_401_in_knocks_shape(knock: FakeKnock) -> None:
    client = knock.client(api_key="sk_test_wrong_key_123456")
    with pytest.raises(knockkit.AuthenticationError) as caught:
        users.get(client, "jhammond")
    error = caught.value
    assert error.status == 401
    assert error.code == "api_key_missing"
    assert error.type == "authentication_error"
    assert error.request_id
    assert set(error.body) == {"code", "message", "status", "type"}
    assert knock.requests[-1].status == 401


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("PUT", "/v1/users/jhammond", b"{}", 200),
        ("DELETE", "/v1/users/jhammond", None, 204),
        ("GET", "/v1/users/nobody", None, 404),
        ("GET", "/v1/not-a-knock-path", None, 404),
        ("PUT", "/v1/users/jhammond", b"{not json", 400),
    ],
)
def test_every_response_carries_x_request_id(knock: FakeKnock, method: str, path: str, body: bytes | None,
                                             status: int) -> None:  # fmt: skip
    response = raw(knock, method, path, body)
    assert response.status == status
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert knock.requests[-1].request_id == response.headers["x-request-id"]
    if status == 204:
        assert response.data == b""
    elif status >= 400:
        error = response.json()
        assert "errors" in error or set(error) == {"code", "message", "status", "type"}


def test_unrouted_paths_answer_like_knocks_router(knock: FakeKnock) -> None:
    response = raw(knock, "GET", "/v1/not-a-knock-path")
    assert response.status == 404
    assert response.json() == {"errors": {"detail": "404 Not Found"}}
    assert raw(knock, "GET", "/v1/users", key="sk_test_nope_nope").status == 401


def test_ids_are_percent_decoded(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    user_id = "dr. ian malcolm+chaos@jurassic é?&"
    users.identify(knock_client, user_id, {"name": "Ian"})
    assert knock.user(user_id) is not None
    assert users.get(knock_client, user_id).id == user_id
    request = knock.requests[-1]
    assert request.path == f"/v1/users/{user_id}"
    assert "%20" in request.raw_path and "%3F" in request.raw_path


def test_knocks_query_style_is_parsed() -> None:
    query = (
        "status[]=sent&status[]=delivered&inserted_at[gte]=2024-01-01T00:00:00Z&page_size=5"
        "&objects[0][id]=p1&objects[0][collection]=projects&objects[1][id]=p2&objects[1][collection]=projects"
        "&recipients[]=jhammond&recipients[1][id]=p1&recipients[1][collection]=projects&flag=true&name=a%20b"
    )
    assert parse_query(query) == {
        "status": ["sent", "delivered"],
        "inserted_at": {"gte": "2024-01-01T00:00:00Z"},
        "page_size": "5",
        "objects": [{"id": "p1", "collection": "projects"}, {"id": "p2", "collection": "projects"}],
        "recipients": ["jhammond", {"id": "p1", "collection": "projects"}],
        "flag": "true",
        "name": "a b",
    }


def test_requests_are_recorded_with_the_key_masked(knock: FakeKnock, knock_client: knockkit.Client) -> None:
    users.identify(knock_client, "jhammond", {"name": "John"})
    users.list_messages(knock_client, "jhammond", status=["sent"], inserted_at={"gte": "2024-01-01T00:00:00Z"})
    put, get = knock.requests
    assert (put.method, put.path, put.body, put.status) == ("PUT", "/v1/users/jhammond", {"name": "John"}, 200)
    assert put.header("authorization") == "Bearer sk_test_***"
    assert put.header("content-type") == "application/json"
    assert get.query == {"status": ["sent"], "inserted_at": {"gte": "2024-01-01T00:00:00Z"}}
    assert get.body is None
    assert FAKE_API_KEY not in repr(knock.requests)


def test_concurrent_clients_see_consistent_state(knock: FakeKnock) -> None:
    knock.add_workflow("ping", steps=["in_app_feed"])
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        client = knock.client()
        try:
            for i in range(20):
                users.identify(client, f"u{worker}-{i}", {"n": i})
                workflows.trigger(client, "ping", recipients=[f"u{worker}-{i}"])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(list(knockkit.paginate(users.list, knock.client(), page_size=50))) == 160
    assert len(knock.messages()) == 160
    assert len(knock.requests) == 320 + 4  # and four pages of users


def test_standalone_server_prints_url_and_key_and_serves() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "knockkit.testing", "--port", "0", "--workflow", "dinosaurs-loose=in_app_feed,email"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        url = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        key = re.search(r"API key: (\S+)", lines[1])
        assert url and key, lines
        client = knockkit.Client(api_key=key.group(1), base_url=url.group(0), backoff_factor=0.001)
        users.identify(client, "jhammond", {"email": "jhammond@ingen.net"})
        run = workflows.trigger(client, "dinosaurs-loose", recipients=["jhammond"])
        assert run.workflow_run_id
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "PUT /v1/users/jhammond -> 200" in err  # one log line per request


def test_standalone_server_rejects_a_bad_workflow() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "knockkit.testing", "--port", "0", "--workflow", "x=telegram"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert "unknown step type 'telegram'" in result.stderr


def test_recorded_bodies_that_are_not_json_are_kept_as_text(knock: FakeKnock) -> None:
    response = raw(knock, "PUT", "/v1/users/jhammond", b"{oops")
    assert response.status == 400
    assert json.loads(response.data)["code"] == "invalid_json"
    assert knock.requests[-1].body == "{oops"


def test_no_two_routes_tie_so_their_order_does_not_matter() -> None:
    # dispatch picks the matching template with the most literal segments; a tie would go to
    # whichever family module registered first.
    from knockkit.testing.routes.table import ROUTES

    def overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return all(x.startswith("{") or y.startswith("{") or x == y for x, y in zip(a, b, strict=True))

    def literals(template: tuple[str, ...]) -> int:
        return sum(not part.startswith("{") for part in template)

    ties = [
        (method, "/".join(a), "/".join(b))
        for i, (method, a, _) in enumerate(ROUTES)
        for other, b, _ in ROUTES[i + 1:]
        if other == method and len(a) == len(b) and overlap(a, b) and literals(a) == literals(b)
    ]
    assert len(ROUTES) > 80
    assert not ties, ties
