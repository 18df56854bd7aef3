"""``python -m knockkit.testing``: serve a FakeKnock on 127.0.0.1 until interrupted.

    python -m knockkit.testing --port 4010 --workflow dinosaurs-loose=in_app_feed,email,delay,push
    python -m knockkit.testing --workflows knock/workflows --var app_url=http://localhost:3000

``--workflows DIR`` loads a Knock CLI workflow directory (``knock workflow pull --all``) and
runs it through the local engine: messages are rendered, and each run prints one line per
recipient and step (sent, skipped and why, held until when). ``POST /_fake/clock/advance``
with ``{"minutes": 5}`` moves the clock that delays and batches wait on.

``--real-time`` continues held runs (and fires schedules) when they fall due on the wall
clock, with no request arriving. ``--db PATH`` keeps the state in an SQLite file, so a
restart picks up where the last process stopped (without it, state lives in memory and
ends with the process).

Point any Knock client at the printed URL with the printed key (for knockkit:
``KNOCK_BASE_URL`` and ``KNOCK_API_KEY``).
"""

from __future__ import annotations

import argparse
import sys
import threading

from knockkit.testing._server import FAKE_API_KEY, FakeKnock
from knockkit.testing.persistence import StateFileError
from knockkit.testing.stores import CHANNEL_TYPES, HOLD_STEPS


def _workflow(text: str) -> tuple[str, list[str]]:
    key, _, steps = text.partition("=")
    if not key or not steps:
        raise argparse.ArgumentTypeError("expected KEY=STEP,STEP,... (e.g. dinosaurs-loose=in_app_feed,email)")
    return key, [s.strip() for s in steps.split(",") if s.strip()]


def _var(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not key or not sep:
        raise argparse.ArgumentTypeError("expected KEY=VALUE (e.g. app_url=http://localhost:3000)")
    return key, value


def _banner(fake: FakeKnock, declared: list[tuple[str, list[str]]], loaded: list[str], notes: list[str]) -> None:
    print(f"FakeKnock serving at {fake.url}")
    print(f"API key: {fake.api_key}")
    print(f"  export KNOCK_BASE_URL={fake.url} KNOCK_API_KEY={fake.api_key}")
    print(f"inbox (open in a browser): {fake.url}/")
    print("channel ids (feeds, and channel data for push and chat):")
    for kind in ("in_app_feed", "push", "chat"):
        print(f"  {kind}: {fake.channel_id(kind)}")
    for key, steps in declared:
        print(f"workflow {key}: {' -> '.join(steps)}")
    for key, refs in fake.loaded_workflows().items():
        print(f"workflow {key} (loaded): {' -> '.join(refs)}")
    for note in notes:
        print(note)
    if loaded:
        print(f"move the clock: curl -X POST {fake.url}/_fake/clock/advance -H 'Authorization: Bearer {fake.api_key}'"
              " -H 'Content-Type: application/json' -d '{\"minutes\": 5}'")
    print("Press Ctrl-C to stop.", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knockkit.testing", description="Serve a fake Knock API.")
    parser.add_argument("--port", type=int, default=4010, help="port on 127.0.0.1 (0: any free port; default 4010)")
    parser.add_argument("--api-key", default=FAKE_API_KEY, help="the secret key clients must send")
    parser.add_argument(
        "--workflow", action="append", type=_workflow, default=[], metavar="KEY=STEPS",
        help=f"declare a workflow; steps from {', '.join(CHANNEL_TYPES + HOLD_STEPS)} (repeatable)",
    )  # fmt: skip
    parser.add_argument("--workflows", metavar="DIR",
                        help="load a Knock CLI workflow directory and render its messages")  # fmt: skip
    parser.add_argument(
        "--var", action="append", type=_var, default=[], metavar="KEY=VALUE",
        help="a variable the loaded workflows' templates see as vars.KEY (repeatable)",
    )  # fmt: skip
    parser.add_argument("--db", metavar="PATH", help="keep the state in this SQLite file (default: in memory)")
    parser.add_argument("--real-time", action="store_true",
                        help="continue held runs and fire schedules when they fall due on the wall clock")  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="do not log each request and step")
    args = parser.parse_args(argv)
    try:
        fake = FakeKnock(port=args.port, api_key=args.api_key, log=not args.quiet, workflows_dir=args.workflows,
                         vars=dict(args.var), db=args.db, real_time=args.real_time)  # fmt: skip
    except StateFileError as exc:  # names the file, and the versions when they differ
        parser.exit(2, f"--db: {exc}\n")
    except ImportError as exc:  # --workflows and --real-time run the engine: the 'local' extra
        parser.exit(2, f"{exc}\n")
    except OSError as exc:
        parser.exit(1, f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}\n")
    except ValueError as exc:  # a malformed workflow file, named with its field
        parser.exit(2, f"--workflows {args.workflows}: {exc}\n")
    with fake:
        for key, steps in args.workflow:
            try:
                fake.add_workflow(key, steps)
            except ValueError as exc:
                parser.exit(2, f"--workflow {key}: {exc}\n")
        notes = [f"state file: {args.db} (kept across restarts)"] if args.db else []
        if args.real_time:
            notes.append("real time: held runs go on, and schedules fire, when they fall due")
        _banner(fake, args.workflow, [args.workflows] if args.workflows else [], notes)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
