"""Run the sample workflows in examples/knock/workflows on the local engine and print
what each step did, with the rendered messages. No Knock account, no server, no network.

    pip install 'knockkit[local]'
    python examples/knock/preview.py [WORKFLOWS_DIR]
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from knockkit.testing.engine import (
    ChatContent,
    Clock,
    EmailContent,
    Engine,
    InAppFeedContent,
    PushContent,
    SmsContent,
    StepOutcome,
    Trigger,
    load_workflows,
)

HERE = Path(__file__).resolve().parent
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.timezone.utc)

HAMMOND = {"id": "jhammond", "name": "John Hammond", "email": "jhammond@ingen.net", "phone_number": "+15555550100",
           "timezone": "America/New_York", "locale": "en-US", "plan": "pro"}  # fmt: skip
SATTLER = {"id": "esattler", "name": "Ellie Sattler"}
GRANT = {"id": "agrant", "name": "Alan Grant"}
INGEN = {"id": "ingen", "name": "InGen", "slack_alerts": True}


def show(outcome: StepOutcome) -> None:
    print(" ", outcome.line())
    content = outcome.content
    if isinstance(content, EmailContent):
        print(f"      subject: {content.subject}")
        print("      " + content.text_body.replace("\n", "\n      "))
    elif isinstance(content, (SmsContent, PushContent)):
        title = f"{content.title}: " if isinstance(content, PushContent) else ""
        print(f"      {title}{(content.body or '').strip()}")
    elif isinstance(content, InAppFeedContent):
        print(f"      {content.body.strip()}  [{content.action_url}]")
    elif isinstance(content, ChatContent):
        print(f"      {(content.markdown or '').strip()}")


def main(workflows_dir: Path) -> None:
    engine = Engine(Clock(START), workflows=load_workflows(workflows_dir), vars={"app_url": "https://park.example"})
    story: list[tuple[str, str, Trigger | dict[str, float]]] = [
        ("Ellie invites John", "welcome", Trigger(recipient=HAMMOND, actor=SATTLER, data={"trial_days": 14},
                                                  tenant=INGEN)),
        ("Ellie comments on the raptor pen", "new-comment", Trigger(recipient=HAMMOND, actor=SATTLER, data={
            "page_id": "raptor-pen", "page_name": "Raptor pen", "preview": "The fence is down"})),
        ("Two minutes later", "", {"minutes": 2}),
        ("Alan comments too", "new-comment", Trigger(recipient=HAMMOND, actor=GRANT, data={
            "page_id": "raptor-pen", "page_name": "Raptor pen", "preview": "Clever girl"})),
        ("The batch window closes", "", {"minutes": 3}),
        ("The feed item is still unread after 10 minutes", "", {"minutes": 10}),
        ("An express order ships", "order-shipped", Trigger(recipient=HAMMOND, data={
            "order_id": "A-1001", "shipping": "express", "tracking_url": "https://track.example/A-1001"})),
        ("...and the same order again within the hour", "order-shipped", Trigger(recipient=HAMMOND, data={
            "order_id": "A-1001", "shipping": "express"})),
        ("A ground order ships", "order-shipped", Trigger(recipient=HAMMOND, data={
            "order_id": "A-1002", "shipping": "ground", "total": 249.5, "shipped_at": "2025-03-03T08:00:00Z",
            "tracking_url": "https://track.example/A-1002"})),
        ("An invoice reminder is scheduled", "invoice-due", Trigger(recipient=HAMMOND, tenant=INGEN, data={
            "invoice_id": "INV-7", "amount_due": 1200, "currency": "EUR", "remind_at": "2025-03-04T09:00:00Z",
            "due_at": "2025-03-05T00:00:00Z"})),
        ("A day passes", "", {"days": 1}),
    ]  # fmt: skip
    for title, workflow, what in story:
        if isinstance(what, Trigger):
            print(f"{title}: trigger {workflow}")
            outcomes = list(engine.trigger(workflow, what).outcomes)
        else:
            print(f"{title}: the clock moves on to {engine.clock.advance(**what):%H:%M on %b %d}")
            outcomes = engine.run_due()
        for outcome in outcomes:
            show(outcome)
    failed = [o for run in engine.runs() for o in run.outcomes if o.status == "failed"]
    print(f"{len(engine.runs())} runs, {sum(o.status == 'sent' for r in engine.runs() for o in r.outcomes)} "
          f"messages, {len(failed)} template errors")  # fmt: skip
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "workflows")
