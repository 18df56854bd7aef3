"""A local Knock: the fake Knock API serving the workflows in examples/knock/workflows, with
real rendered messages. Your code talks to it over HTTP as it would to Knock; here a knockkit
client identifies a user, triggers two workflows, moves the clock past a batch and a delay,
and reads each message's content back from the API. No Knock account, no network.

    pip install 'knockkit[local]'
    python examples/knock/local_knock.py [WORKFLOWS_DIR] [--inbox]

With ``--inbox`` the fake keeps running at the end: open the URL it prints to see the same
messages rendered in the inbox (email HTML, SMS, feed items), each run's steps and the requests.

The same fake as a server for another process or language:
``python -m knockkit.testing --workflows examples/knock/workflows --var app_url=https://park.example``.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from pathlib import Path

import knockkit
from knockkit import messages, users, workflows
from knockkit.testing import FakeKnock

HERE = Path(__file__).resolve().parent


def show(client: knockkit.Client, fake: FakeKnock, seen: set[str]) -> None:
    """Print each message not printed yet, with its content as GET /v1/messages/{id}/content gives it."""
    for message in fake.messages():
        if message.id in seen:
            continue
        seen.add(message.id)
        content = messages.get_content(client, message.id).data.to_dict()  # the content as Knock sends it
        kind = str(content["__typename"]).removeprefix("Message").removesuffix("Content")
        step = message.source.to_dict().get("step_ref") if message.source else ""
        print(f"  {kind} to {message.recipient} ({step}):")
        if kind == "Email":
            print(f"    subject: {content['subject_line']}")
            print("    " + str(content["text_body"]).strip().replace("\n", "\n    "))
        elif kind == "InAppFeed":
            blocks = content["blocks"]
            assert isinstance(blocks, list)
            print("    " + "\n    ".join(str(block["content"]).strip() for block in blocks))
        else:  # SMS, push, chat
            print("    " + " ".join(str(content[f]).strip() for f in ("title", "body") if content.get(f)))


def main(workflows_dir: Path, *, inbox: bool = False) -> None:
    with FakeKnock(workflows_dir=workflows_dir, vars={"app_url": "https://park.example"}) as fake:
        print(f"Running against an embedded fake Knock at {fake.url} with workflows {sorted(fake.loaded_workflows())}")
        client = fake.client()
        seen: set[str] = set()
        users.identify(client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net",
                                            "phone_number": "+15555550100"})  # fmt: skip

        print("Trigger welcome for John:")
        workflows.trigger(client, "welcome", recipients=["jhammond"], data={"trial_days": 14})
        show(client, fake, seen)

        comment = {"page_id": "raptor-pen", "page_name": "Raptor pen"}
        print("Ellie and Alan comment on the raptor pen (new-comment batches for 5 minutes):")
        ellie, alan = {"id": "esattler", "name": "Ellie Sattler"}, {"id": "agrant", "name": "Alan Grant"}
        workflows.trigger(client, "new-comment", recipients=["jhammond"], actor=ellie,
                          data={**comment, "preview": "The fence is down"})  # fmt: skip
        workflows.trigger(client, "new-comment", recipients=["jhammond"], actor=alan,
                          data={**comment, "preview": "Clever girl"})  # fmt: skip
        show(client, fake, seen)
        for minutes in (5, 10):
            fake.clock.advance(minutes=minutes)
            print(f"The clock moves {minutes} minutes on:")
            show(client, fake, seen)
        for run in fake.runs():
            print(f"run {run.workflow} -> {run.recipient}: {run.status}; skipped: {list(run.skipped) or 'nothing'}")
        if inbox:
            print(f"The inbox shows all of this at {fake.url}/ (Ctrl-C to stop)", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Run the example workflows on a local fake Knock.")
    parser.add_argument("workflows_dir", nargs="?", type=Path, default=HERE / "workflows")
    parser.add_argument("--inbox", action="store_true", help="keep the fake running and print the inbox's URL")
    args = parser.parse_args()
    main(args.workflows_dir, inbox=args.inbox)
