"""FakeKnock(db=PATH) and ``--db``: everything written survives a restart (read back over the
API by a new fake on the same file); a file of another schema version is refused by name."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import knockkit
from knockkit import audiences, messages, objects, schedules, tenants, users, workflows
from knockkit.testing import FakeKnock
from knockkit.testing.persistence import SCHEMA_VERSION, StateFileError, decode, encode

WORKFLOWS = Path(__file__).resolve().parents[1] / "examples" / "knock" / "workflows"
PUSH = FakeKnock.channel_id("push")
FEED = FakeKnock.channel_id("in_app_feed")

#: Every read that shows what the writes below left (path, query).
READS: list[tuple[str, dict[str, Any] | None]] = [
    ("/v1/users", None),
    ("/v1/users/jhammond", None),
    ("/v1/users/jhammond/preferences", None),
    (f"/v1/users/jhammond/channel_data/{PUSH}", None),
    ("/v1/objects/projects/raptor-pen", None),
    ("/v1/objects/projects/raptor-pen/subscriptions", None),
    ("/v1/users/esattler/subscriptions", None),
    ("/v1/tenants/ingen", None),
    ("/v1/audiences/vip/members", None),
    ("/v1/messages", None),
    (f"/v1/users/jhammond/feeds/{FEED}", None),
    ("/v1/schedules", {"workflow": "fence-alert"}),
    ("/v1/workflow_recipient_runs", None),
]


def write_everything(client: knockkit.Client) -> str:
    """Writes to every family through knockkit; the id of the feed message marked read."""
    users.identify(client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net"})
    users.set_preferences(client, "jhammond", {"channel_types": {"sms": False}})
    users.set_channel_data(client, "jhammond", PUSH, {"tokens": ["apns-token-1"]})
    objects.set(client, "projects", "raptor-pen", {"name": "Raptor pen", "fence": {"volts": 10_000}})
    objects.add_subscriptions(client, "projects", "raptor-pen", ["esattler"], properties={"role": "vet"})
    tenants.set(client, "ingen", {"name": "InGen", "region": "isla-nublar"})
    audiences.add_members(client, "vip", [{"user": {"id": "jhammond"}, "tenant": "ingen"}], create_audience=True)
    schedules.create(client, "fence-alert", recipients=["jhammond"],
                     repeats=[{"frequency": "daily", "hours": 9}], data={"fence": "east"})  # fmt: skip
    workflows.trigger(client, "fence-alert", recipients=["jhammond"], tenant="ingen", data={"fence": "east"},
                      cancellation_key="east-fence")  # fmt: skip
    (feed_message,) = messages.list(client, channel_id=FEED).entries
    messages.mark_as_read(client, feed_message.id)
    return feed_message.id


def read_everything(client: knockkit.Client, message_id: str) -> list[Any]:
    reads = [*READS, (f"/v1/messages/{message_id}/events", None)]
    return [knockkit.request(client, "GET", path, query=query) for path, query in reads]


def test_everything_written_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with FakeKnock(db=db) as first:
        first.add_workflow("fence-alert", steps=["in_app_feed", "delay", "email"])
        read_id = write_everything(first.client())
        before = read_everything(first.client(), read_id)
        (held,) = first.runs()
        assert (held.status, held.held_at) == ("processing", "delay_2")

    with FakeKnock(db=db) as second:
        client = second.client()
        after = read_everything(client, read_id)
        assert [(r.method, r.path) for r in second.requests][:len(READS)] == [("GET", path) for path, _ in READS]
        assert after == before
        assert messages.get(client, read_id).read_at is not None  # engagement survived, with its events
        assert [e.type for e in messages.list_events(client, read_id).entries] == ["message.read", "message.sent"]
        # The held run goes on in the new process (the declared workflow was kept too).
        assert second.release(workflow="fence-alert") == 1
        (email,) = second.messages(channel_type="email")
        assert email.recipient == "jhammond" and email.tenant == "ingen"
        # Pages keep their cursors: ids continue the saved sequence.
        users.identify(client, "agrant", {"name": "Alan Grant"})
        assert [u.id for u in users.list(client).entries] == ["jhammond", "esattler", "agrant"]


def test_a_refused_request_and_a_reset_are_saved_as_what_they_left(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with FakeKnock(db=db) as first:
        client = first.client()
        users.identify(client, "jhammond", {"name": "John Hammond"})
        first.add_workflow("fence-alert", steps=["in_app_feed"])
        with pytest.raises(knockkit.UnprocessableEntityError):  # refused whole: no user identified
            knockkit.request(client, "POST", "/v1/workflows/fence-alert/trigger",
                             json={"recipients": ["dnedry", {"id": ""}]})  # fmt: skip
    with FakeKnock(db=db) as second:
        assert [u.id for u in users.list(second.client()).entries] == ["jhammond"]
        second.reset()
    with FakeKnock(db=db) as third:
        assert users.list(third.client()).entries == []
        assert third.messages() == []


def test_a_change_deep_inside_a_saved_record_is_saved_too(tmp_path: Path) -> None:
    # The second trigger joins the first run's batch: only a list inside that run grows.
    db = tmp_path / "k.db"
    with FakeKnock(db=db) as first:
        first.add_workflow("digest", steps=["batch", "in_app_feed"])
        client = first.client()
        workflows.trigger(client, "digest", recipients=["jhammond"], data={"n": 1})
        workflows.trigger(client, "digest", recipients=["jhammond"], data={"n": 2})
    with FakeKnock(db=db) as second:
        assert second.release(workflow="digest") == 1
        (message,) = second.messages()
        page = messages.list_activities(second.client(), message.id)
        assert sorted(a.data["n"] for a in page.entries) == [1, 2]  # type: ignore[index]


def test_loaded_workflows_keep_held_runs_batches_and_the_clock(tmp_path: Path) -> None:
    pytest.importorskip("liquid")
    db = tmp_path / "k.db"
    comment = {"page_id": "raptor-pen", "page_name": "Raptor pen", "preview": "The fence is down"}
    with FakeKnock(db=db, workflows_dir=WORKFLOWS, vars={"app_url": "https://park.example"}) as first:
        client = first.client()
        users.identify(client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net"})
        ellie, alan = {"id": "esattler", "name": "Ellie Sattler"}, {"id": "agrant", "name": "Alan Grant"}
        workflows.trigger(client, "new-comment", recipients=["jhammond"], actor=ellie, data=comment)
        first.clock.advance(minutes=2)
        workflows.trigger(client, "new-comment", recipients=["jhammond"], actor=alan, data=comment)
        clock_before = first.clock.now()
        assert [r.status for r in first.runs()] == ["processing", "completed"]  # the second joined the batch

    with FakeKnock(db=db, workflows_dir=WORKFLOWS, vars={"app_url": "https://park.example"}) as second:
        assert second.clock.now() >= clock_before  # the clock kept its lead over the wall clock
        second.clock.advance(minutes=3)  # the batch window (5 minutes from the first trigger) closes
        (feed_item,) = second.messages(channel_type="in_app_feed")
        content = messages.get_content(second.client(), feed_item.id).data.to_dict()
        assert content["blocks"][0]["content"] == (  # type: ignore[index]  # both triggers, one feed item
            "**Ellie Sattler** and 1 other left 2 comments on *Raptor pen*\n")
        second.clock.advance(minutes=10)  # the delay; the feed item is unread, so the email goes
        (email,) = second.messages(channel_type="email")
        assert messages.get_content(second.client(), email.id).data.to_dict()["subject_line"] == (
            "2 new comments on Raptor pen")


def test_a_file_of_another_schema_version_is_refused_by_name(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with FakeKnock(db=db):
        pass
    with sqlite3.connect(db) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StateFileError) as refused:
        FakeKnock(db=db)
    assert str(refused.value) == (
        f"{db}: FakeKnock state file has schema version {SCHEMA_VERSION + 1}; this knockkit expects version "
        f"{SCHEMA_VERSION} (delete the file to start afresh, or use the knockkit that wrote it)"
    )
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database, just text long enough to have a header page" * 20)
    with pytest.raises(StateFileError, match=re.escape(f"{not_sqlite}: not a FakeKnock state file")):
        FakeKnock(db=not_sqlite)


def test_values_keep_their_types_through_the_file_format() -> None:
    import datetime as dt

    from knockkit.testing import Step

    value = {
        ("user", "a"): [("x", 1), {"$not-a-tag": {1, 2}}, frozenset({"r"})],
        "when": dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.timezone.utc),
        "step": Step("email", channel_id="c", ref="email_1"),
    }
    assert decode(encode(value)) == value
    with pytest.raises(TypeError, match=r"cannot save a builtins\.object"):
        encode(object())


# --- the terminal ------------------------------------------------------------------------------


def _serve(*arguments: str) -> tuple[subprocess.Popen[str], str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOCK_")}
    process = subprocess.Popen([sys.executable, "-m", "knockkit.testing", "--port", "0", *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    assert process.stdout is not None
    banner = [process.stdout.readline()]
    while banner[-1] and not banner[-1].startswith("Press Ctrl-C"):
        banner.append(process.stdout.readline())
    url, key = re.search(r"http://127\.0\.0\.1:\d+", banner[0]), re.search(r"API key: (\S+)", "".join(banner))
    assert url and key, banner
    return process, url.group(0), key.group(1)


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    return err


def test_the_standalone_server_keeps_state_and_held_runs_across_a_restart(tmp_path: Path) -> None:
    pytest.importorskip("liquid")
    workflow = tmp_path / "workflows" / "fence-alert"
    workflow.mkdir(parents=True)
    (workflow / "workflow.json").write_text("""{"name": "Fence alert", "steps": [
        {"ref": "delay_1", "type": "delay", "settings": {"delay_for": {"unit": "seconds", "value": 2}}},
        {"ref": "in_app_feed_1", "type": "channel", "channel_type": "in_app_feed",
         "template": {"markdown_body": "The {{ data.fence }} fence is down"}}]}""")
    db = str(tmp_path / "k.db")
    process, url, key = _serve("--db", db, "--workflows", str(tmp_path / "workflows"))
    try:
        client = knockkit.Client(api_key=key, base_url=url, backoff_factor=0.001)
        users.identify(client, "jhammond", {"name": "John Hammond"})
        workflows.trigger(client, "fence-alert", recipients=["jhammond"], data={"fence": "east"})
    finally:
        _stop(process)  # within the 2 seconds: the run is still held

    process, url, key = _serve("--db", db, "--workflows", str(tmp_path / "workflows"), "--real-time")
    try:
        client = knockkit.Client(api_key=key, base_url=url, backoff_factor=0.001)
        assert users.get(client, "jhammond").name == "John Hammond"
        deadline = time.monotonic() + 10  # no request moves the run: the real-time timer does
        while not (sent := messages.list(client).entries) and time.monotonic() < deadline:
            time.sleep(0.1)
        (message,) = sent
        content = messages.get_content(client, message.id).data.to_dict()
        assert "The east fence is down" in str(content["blocks"])  # type: ignore[index]
    finally:
        err = _stop(process)
    assert "fence-alert → jhammond · in_app_feed_1 (in_app_feed): sent" in err


def test_the_standalone_server_names_a_state_file_of_another_version(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE records (family TEXT, key TEXT, value TEXT)")
        connection.execute("PRAGMA user_version = 99")
    connection.close()
    result = subprocess.run([sys.executable, "-m", "knockkit.testing", "--port", "0", "--db", str(db)],
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 2
    assert f"--db: {db}: FakeKnock state file has schema version 99; this knockkit expects version" in result.stderr
    assert "Traceback" not in result.stderr
