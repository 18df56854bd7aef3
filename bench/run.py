"""Measure knockkit next to raw urllib3 (the floor) and, when installed, the official ``knockapi``.

    python bench/run.py            # full run, well under two minutes on 2 cores
    python bench/run.py --quick    # fewer repetitions, for a smoke test
    python bench/run.py --json out.json

A loopback server (bench/server.py) runs in a separate process, so only the client's
CPU is counted (``time.process_time`` of this process). Each figure is the median of
several repetitions; the libraries take turns inside every repetition so that drift of
the machine affects them alike. Ratios are to raw urllib3 measured in the same run.

What the floor does: one ``urllib3.PoolManager`` sending the same method, path, headers
and body as knockkit (including a fresh ``Idempotency-Key`` per trigger), checking the
status and ``json.loads``-ing the response. It does no validation and builds no typed
values, so it is the least any urllib3-based SDK can spend.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import urllib3  # noqa: E402

from bench import aio, stats  # noqa: E402

KEY = "sk_test_bench_7f3a9c1e5b2d4068a1"
PROPS = {"name": "John Hammond", "email": "jhammond@ingen.net", "plan": "pro"}
WORKFLOW = "dinosaurs-loose"
TRIGGER = {
    "recipients": ["jhammond", "agrant", "esattler"],
    "actor": "dnedry",
    "data": {"type": "trex", "priority": 1},
}
TOTAL_USERS = 10_000
TOTAL_MESSAGES = 2_000
PAGE_SIZE = 50
KEY_SOURCE = "dinosaurs-loose"  # every bench message's source key


# --- the libraries ---------------------------------------------------------------------


class Floor:
    """Raw urllib3: the same requests, no SDK."""

    name = "urllib3"

    def __init__(self, base: str) -> None:
        from knockkit._headers import USER_AGENT

        self.base = base
        self.pool = urllib3.PoolManager(num_pools=16, maxsize=32)
        self.headers = {"Authorization": "Bearer " + KEY, "User-Agent": USER_AGENT, "Accept": "application/json"}
        self.json_headers = {**self.headers, "Content-Type": "application/json"}

    def _send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        response = self.pool.request(method, self.base + path, body=data, headers=headers or self.headers)
        if response.status != 200:
            raise RuntimeError(response.status)
        return json.loads(response.data)

    def identify(self, user_id: str) -> Any:
        return self._send("PUT", "/v1/users/" + quote(user_id, safe=""), PROPS, self.json_headers)

    def trigger(self) -> Any:
        headers = {**self.json_headers, "Idempotency-Key": str(uuid.uuid4())}
        return self._send("POST", f"/v1/workflows/{WORKFLOW}/trigger", TRIGGER, headers)

    def get(self, user_id: str) -> Any:
        return self._send("GET", "/v1/users/" + quote(user_id, safe=""))

    def list_all(self) -> int:
        count, after = 0, None
        while True:
            path = f"/v1/users?page_size={PAGE_SIZE}" + (f"&after={quote(after)}" if after else "")
            page = self._send("GET", path)
            for user in page["entries"]:  # read what the SDKs' typed values are read for
                count += len(user["id"]) > 0 and "@" in user["email"]
            after = page["page_info"]["after"]
            if not after:
                return count

    def list_messages(self) -> int:
        count, after = 0, None
        while True:
            path = f"/v1/messages?page_size={PAGE_SIZE}" + (f"&after={quote(after)}" if after else "")
            page = self._send("GET", path)
            for message in page["items"]:
                recipient = message["recipient"]
                recipient_id = recipient if isinstance(recipient, str) else recipient["id"]
                count += len(recipient_id) > 0 and len(message["id"]) > 0 and message["source"]["key"] == KEY_SOURCE
            after = page["page_info"]["after"]
            if not after:
                return count

    def new_client(self, key: str) -> Any:
        # The closest thing raw urllib3 has to a client value: the headers carrying the key.
        return {**self.headers, "Authorization": "Bearer " + key}

    def call_with(self, client: Any, user_id: str) -> Any:
        response = self.pool.request("GET", self.base + "/v1/users/" + quote(user_id, safe=""), headers=client)
        return json.loads(response.data)


class KnockKit:
    name = "knockkit"

    def __init__(self, base: str) -> None:
        import knockkit
        from knockkit import messages, users, workflows

        self.knockkit, self.users, self.workflows, self.messages = knockkit, users, workflows, messages
        self.base = base
        self.client = knockkit.Client(api_key=KEY, base_url=base)

    def identify(self, user_id: str) -> Any:
        return self.users.identify(self.client, user_id, PROPS)

    def trigger(self) -> Any:
        return self.workflows.trigger(self.client, WORKFLOW, **TRIGGER)

    def get(self, user_id: str) -> Any:
        return self.users.get(self.client, user_id)

    def list_all(self) -> int:
        count = 0
        for user in self.knockkit.paginate(self.users.list, self.client, page_size=PAGE_SIZE):
            count += len(user.id) > 0 and "@" in (user.email or "")
        return count

    def list_messages(self) -> int:
        count = 0
        for message in self.knockkit.paginate(self.messages.list, self.client, page_size=PAGE_SIZE):
            recipient = message.recipient
            recipient_id = recipient.id if recipient is not None and not isinstance(recipient, str) else recipient
            source_key = message.source.key if message.source is not None else None
            count += len(recipient_id or "") > 0 and len(message.id) > 0 and source_key == KEY_SOURCE
        return count

    def new_client(self, key: str) -> Any:
        return self.knockkit.Client(api_key=key, base_url=self.base)

    def call_with(self, client: Any, user_id: str) -> Any:
        return self.users.get(client, user_id)


class KnockApi:
    """The official SDK (Stainless-generated, httpx + pydantic)."""

    name = "knockapi"

    def __init__(self, base: str) -> None:
        from knockapi import Knock

        self.Knock = Knock
        self.base = base
        self.client = Knock(api_key=KEY, base_url=base)

    def identify(self, user_id: str) -> Any:
        extra = {k: v for k, v in PROPS.items() if k not in ("name", "email")}
        return self.client.users.update(user_id, name=PROPS["name"], email=PROPS["email"], extra_body=extra)

    def trigger(self) -> Any:
        return self.client.workflows.trigger(WORKFLOW, **TRIGGER)  # type: ignore[arg-type]

    def get(self, user_id: str) -> Any:
        return self.client.users.get(user_id)

    def list_all(self) -> int:
        first = self.client.users.list(page_size=PAGE_SIZE)
        return sum(len(u.id) > 0 and "@" in (u.email or "") for page in first.iter_pages() for u in page.entries)

    def list_messages(self) -> int:
        first = self.client.messages.list(page_size=PAGE_SIZE)
        count = 0
        for page in first.iter_pages():
            for message in page.items:
                recipient = message.recipient
                recipient_id = recipient if isinstance(recipient, str) else recipient.id
                count += len(recipient_id) > 0 and len(message.id) > 0 and message.source.key == KEY_SOURCE
        return count

    def new_client(self, key: str) -> Any:
        return self.Knock(api_key=key, base_url=self.base)

    def call_with(self, client: Any, user_id: str) -> Any:
        return client.users.get(user_id)


def available_libraries(base: str) -> list[Any]:
    libs: list[Any] = [Floor(base), KnockKit(base)]
    with contextlib.suppress(ImportError):
        libs.append(KnockApi(base))
    return libs


# --- measuring ---------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) spent in fn()."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def per_call(lib: Any, op: str, n: int) -> tuple[float, float]:
    if op == "identify":
        ids = [f"user-{i:05d}" for i in range(n)]

        def run() -> None:
            for user_id in ids:
                lib.identify(user_id)
    elif op == "trigger":

        def run() -> None:
            for _ in range(n):
                lib.trigger()
    else:
        ids = [f"user-{i:05d}" for i in range(n)]

        def run() -> None:
            for user_id in ids:
                lib.get(user_id)

    cpu, wall = timed(run)
    return cpu / n, wall / n


def per_page(lib: Any, what: str = "users") -> float:
    """CPU per page of 50, reading every entry's fields (a user's id and email; a message's id,
    recipient id and source key), so that decoding done lazily is counted too."""
    count = 0
    list_all, total = (lib.list_all, TOTAL_USERS) if what == "users" else (lib.list_messages, TOTAL_MESSAGES)

    def run() -> None:
        nonlocal count
        count = list_all()

    cpu, _ = timed(run)
    assert count == total, (lib.name, what, count)
    return cpu / (total // PAGE_SIZE)


def threaded(lib: Any, threads: int, n: int) -> float:
    """Calls per second of `threads` threads sharing one client, n calls each."""
    barrier = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        barrier.wait()
        try:
            for i in range(n):
                lib.get(f"user-{t}-{i}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    gc.collect()
    started = time.perf_counter()
    barrier.wait()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return threads * n / elapsed


def constructor(lib: Any, n: int) -> float:
    keys = [f"sk_test_{i:08d}_{uuid.uuid4().hex[:12]}" for i in range(n)]
    new = lib.new_client
    gc.collect()
    started = time.perf_counter()
    made = [new(k) for k in keys]
    elapsed = time.perf_counter() - started
    assert len(made) == n
    return elapsed / n


def memory_per_client(lib: Any, n: int) -> float:
    """Bytes still allocated per client after n distinct clients each made one call."""
    keys = [f"sk_test_{i:08d}_{uuid.uuid4().hex[:12]}" for i in range(n)]
    lib.call_with(lib.new_client(KEY), "warm-up")
    made: list[Any] = []
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for key in keys:
            client = lib.new_client(key)
            lib.call_with(client, "user-1")
            made.append(client)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / n


def _child_env(pycache: str) -> dict[str, str]:
    # Installed packages import from compiled bytecode; so must knockkit from a checkout,
    # even where PYTHONDONTWRITEBYTECODE is set. A private cache keeps the tree clean.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


IMPORT_CODE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"

# From process start to a client ready to send (no request yet): the floor's is its pool.
READY_CODE = {
    "urllib3": (
        "import time; t = time.perf_counter(); import urllib3; urllib3.PoolManager(); print(time.perf_counter() - t)"
    ),
    "knockkit": (
        "import time; t = time.perf_counter(); import knockkit; knockkit.Client(api_key='{key}'); "
        "print(time.perf_counter() - t)"
    ),
    "knockapi": (
        "import time; t = time.perf_counter(); import knockapi; knockapi.Knock(api_key='{key}'); "
        "print(time.perf_counter() - t)"
    ),
}

# From process start to the first decoded response: import, make a client, call once.
COLD_START_CODE = {
    "urllib3": (
        "import time; t = time.perf_counter(); import json, urllib3; "
        "pool = urllib3.PoolManager(); "
        "r = pool.request('GET', '{base}/v1/users/u1', headers={{'Authorization': 'Bearer {key}'}}); "
        "json.loads(r.data); print(time.perf_counter() - t)"
    ),
    "knockkit": (
        "import time; t = time.perf_counter(); import knockkit; "
        "knockkit.users.get(knockkit.Client(api_key='{key}', base_url='{base}'), 'u1'); "
        "print(time.perf_counter() - t)"
    ),
    "knockapi": (
        "import time; t = time.perf_counter(); import knockapi; "
        "knockapi.Knock(api_key='{key}', base_url='{base}').users.get('u1'); "
        "print(time.perf_counter() - t)"
    ),
}


def fresh_process_times(codes: dict[str, str], runs: int, pycache: str) -> dict[str, dict[int, float]]:
    """Seconds printed by each snippet, each run in a fresh interpreter, in turns (by round)."""
    env = _child_env(pycache)
    times: dict[str, dict[int, float]] = {name: {} for name in codes}
    for turn in stats.turns(list(codes), runs + 1):
        for attempt, name in turn:
            out = subprocess.run(
                [sys.executable, "-c", codes[name]], cwd=ROOT, env=env, capture_output=True, text=True, check=True
            )
            if attempt:  # the first round only fills the bytecode cache
                times[name][attempt] = float(out.stdout)
    return times


def rss(lib: str, base: str, pycache: str) -> tuple[float, float]:
    """(peak RSS in MiB, RSS growth per client in KiB) of a fresh process running a fixed workload,
    its bytecode already compiled (as for an installed package)."""
    # The first run only fills the bytecode cache: compiling costs memory, and how much of a
    # library an earlier child happened to compile would otherwise move its peak by megabytes.
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, __file__, "--rss-child", lib, base],
            cwd=ROOT, env=_child_env(pycache), capture_output=True, text=True, check=True,
        )  # fmt: skip
    peak, per_client = out.stdout.split()[-2:]
    return float(peak), float(per_client)


def _status_kib(field: str) -> int:
    # /proc/self/status is this process's own (ru_maxrss may carry the parent's peak across exec).
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_child(name: str, base: str) -> None:
    """Import a library, make 500 calls of each kind and read all 10,000 users; then make
    distinct clients that each call once (1,000; 50 for knockapi) and see RSS grow."""
    lib = {"urllib3": Floor, "knockkit": KnockKit, "knockapi": KnockApi}[name](base)
    for i in range(500):
        lib.get(f"user-{i}")
        lib.trigger()
    lib.list_all()
    peak = _status_kib("VmHWM") / 1024
    count = 50 if name == "knockapi" else 1000
    gc.collect()
    before = _status_kib("VmRSS")
    clients = []
    for i in range(count):
        client = lib.new_client(f"sk_test_{i:08d}_{uuid.uuid4().hex[:12]}")
        lib.call_with(client, "user-1")
        clients.append(client)
    gc.collect()
    print(peak, (_status_kib("VmRSS") - before) / count)


# --- running -------------------------------------------------------------------------------


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "server.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"bench server did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run(quick: bool) -> dict[str, dict[str, float]]:
    reps = 3 if quick else 5
    rounds = 7 if quick else 25  # of the per-call rows: short turns, many of them (bench/stats.py)
    calls = 60 if quick else 200  # per turn
    slow_calls = calls * 3 // 10  # knockapi is several times slower; fewer calls, same per-call figure
    proc, base = start_server()
    results: dict[str, dict[str, float]] = {}
    try:
        libs = available_libraries(base)
        names = [lib.name for lib in libs]

        def n_for(lib: Any, n: int) -> int:
            return slow_calls * n // calls if lib.name == "knockapi" else n

        for lib in libs:  # warm up: connections, lazily built converters, caches
            for _ in range(20):
                lib.identify("warm")
                lib.trigger()
                lib.get("warm")
            lib.list_all()
            lib.list_messages()
        stats.settle()

        for op in ("identify", "trigger", "get"):
            cpu: dict[str, dict[int, float]] = {n: {} for n in names}
            wall: dict[str, dict[int, float]] = {n: {} for n in names}
            for turn in stats.turns(libs, rounds):
                for r, lib in turn:
                    cpu[lib.name][r], wall[lib.name][r] = per_call(lib, op, n_for(lib, calls))
            label = {"identify": "users.identify", "trigger": "workflows.trigger", "get": "users.get"}[op]
            results[f"{label} CPU/call (us)"] = stats.row(cpu, 1e6)
            results[f"{label} wall/call (us)"] = stats.row(wall, 1e6)

        for what in ("users", "messages"):
            # Each turn lists them all (200 pages of users, 40 of messages); knockapi takes two turns.
            def page(lib: Any, r: int, what: str = what) -> float | None:
                return None if lib.name == "knockapi" and r >= 2 else per_page(lib, what)

            pages = stats.collect(libs, 3 if quick else 9, page)
            results[f"{what}.list CPU/page of 50 (us)"] = stats.row(pages, 1e6)

        threads = stats.collect(libs, reps, lambda lib, r: threaded(lib, 4, n_for(lib, 500)))
        results["4 threads, one client (calls/s)"] = stats.row(threads)
        ctor = stats.collect(libs, reps, lambda lib, r: constructor(lib, 1000 if lib.name != "knockapi" else 20))
        results["constructor (us/client)"] = stats.row(ctor, 1e6)
        results["memory (bytes/client)"] = {
            lib.name: memory_per_client(lib, 1000 if lib.name != "knockapi" else 50) for lib in libs
        }
        with tempfile.TemporaryDirectory(prefix="knockkit-bench-pyc-") as pycache:
            measured = {name: rss(name, base, pycache) for name in names}
            results["RSS per client (KiB)"] = {name: value[1] for name, value in measured.items()}
            results["peak RSS (MiB)"] = {name: value[0] for name, value in measured.items()}
            runs = 5 if quick else 11
            modules = {n: IMPORT_CODE.format(module=n) for n in [*names, "attrs"]}
            imports = fresh_process_times(modules, runs, pycache)
            # knockkit loads everything on first use; its Client is an attrs class, so attrs is
            # imported with the first client (the next row), and shown alone for reference.
            attrs_row = stats.row({"urllib3": imports["urllib3"], "knockkit": imports.pop("attrs")}, 1e3)
            results["import time (ms)"] = stats.row(imports, 1e3)
            results["  import attrs alone (ms)"] = attrs_row
            ready = {n: READY_CODE[n].format(key=KEY) for n in names}
            results["import + a client (ms)"] = stats.row(fresh_process_times(ready, runs, pycache), 1e3)
            cold = {n: COLD_START_CODE[n].format(base=base, key=KEY) for n in names}
            results["import + first call (ms)"] = stats.row(fresh_process_times(cold, runs, pycache), 1e3)
        results.update(aio.measure(base, rounds, calls))
    finally:
        stop_server(proc)
    return results


# metric -> (target ratio or absolute bound, "ratio"/"abs", lower-is-better): the issues' targets
TARGETS: dict[str, tuple[float, str, bool]] = {
    "users.identify CPU/call (us)": (1.1, "ratio", True),
    "workflows.trigger CPU/call (us)": (1.1, "ratio", True),
    "users.get CPU/call (us)": (1.1, "ratio", True),
    "users.list CPU/page of 50 (us)": (1.3, "ratio", True),
    "messages.list CPU/page of 50 (us)": (1.5, "ratio", True),
    "4 threads, one client (calls/s)": (0.85, "ratio", False),
    "constructor (us/client)": (20.0, "abs", True),
    "memory (bytes/client)": (2048.0, "abs", True),
    "import time (ms)": (0.5, "ratio", True),
    "import + first call (ms)": (1.3, "ratio", True),
    # AsyncClient next to raw aiohttp (the floor column holds aiohttp for these rows)
    "async users.identify CPU/call (us)": (1.15, "ratio", True),
    "async workflows.trigger CPU/call (us)": (1.15, "ratio", True),
    "async users.get CPU/call (us)": (1.15, "ratio", True),
    "async 200 in flight (calls/s)": (0.9, "ratio", False),
}


def verdict(metric: str, row: dict[str, float]) -> str:
    if metric not in TARGETS:
        return ""
    bound, kind, lower = TARGETS[metric]
    value = stats.ratio(row, "knockkit") if kind == "ratio" else row["knockkit"]
    if value is None:
        return ""
    met = value <= bound if lower else value >= bound
    sign = "<=" if lower else ">="
    shown = f"{bound:g}x" if kind == "ratio" else f"{bound:g}"
    close = kind == "ratio" and round(value, 2) == bound  # the ratio column shows 2 decimals
    return f"{sign} {shown} {'met' if met else 'MISSED'}" + (f" ({value:.3f})" if close else "")


def table(results: dict[str, dict[str, float]]) -> str:
    has_knockapi = any("knockapi" in row for row in results.values())
    head = f"{'metric':<38}{'floor':>10}{'knockkit':>10}{'ratio':>8}  {'target':<24}"
    if has_knockapi:
        head += f"{'knockapi':>10}{'ratio':>8}"
    lines = [head, "-" * len(head)]

    def num(value: float) -> str:
        return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"

    for metric, row in results.items():
        floor, kk = row.get("urllib3"), row["knockkit"]
        absolute = metric in ("constructor (us/client)", "memory (bytes/client)", "RSS per client (KiB)")
        kk_ratio = stats.ratio(row, "knockkit")
        ratio = "" if absolute or kk_ratio is None else f"{kk_ratio:.2f}x"
        line = f"{metric:<38}{num(floor) if floor is not None else '-':>10}{num(kk):>10}{ratio:>8}  "
        line += f"{verdict(metric, row):<24}"
        if has_knockapi and "knockapi" in row:
            other = row["knockapi"]
            other_ratio = stats.ratio(row, "knockapi")
            line += f"{num(other):>10}{'' if absolute or other_ratio is None else f'{other_ratio:.2f}x':>8}"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke test)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--rss-child", nargs=2, metavar=("LIB", "BASE_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(*args.rss_child)
        return
    started = time.perf_counter()
    results = run(args.quick)
    versions = [f"Python {platform.python_version()}", f"urllib3 {urllib3.__version__}"]
    try:
        import knockapi

        versions.append(f"knockapi {knockapi.__version__}")
    except ImportError:
        versions.append("knockapi not installed")
    import knockkit

    versions.insert(1, f"knockkit {knockkit.__version__}")
    print(f"{', '.join(versions)}; {os.cpu_count()} CPUs; medians of turns; ratios to the floor, paired by round")
    print("floor: raw urllib3 for the sync rows, raw aiohttp for the async rows")
    print(table(results))
    print(f"(run took {time.perf_counter() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
