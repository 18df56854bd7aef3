"""The async rows of bench/run.py: knockkit's AsyncClient next to raw aiohttp, the async floor.

The floor is one ``aiohttp.ClientSession`` sending the same method, path, headers and body
as knockkit, checking the status and ``json.loads``-ing the body; knockapi's ``AsyncKnock``
is measured beside them when installed. Rows are keyed like the sync ones ("urllib3" is
the floor column), so run.py prints them in the same table.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from bench import stats

KEY = "sk_test_bench_7f3a9c1e5b2d4068a1"
PROPS = {"name": "John Hammond", "email": "jhammond@ingen.net", "plan": "pro"}
WORKFLOW = "dinosaurs-loose"
TRIGGER = {"recipients": ["jhammond", "agrant", "esattler"], "actor": "dnedry", "data": {"type": "trex", "priority": 1}}
CONCURRENT = 200


class RawAiohttp:
    name = "urllib3"  # the floor's column

    def __init__(self, base: str) -> None:
        import aiohttp

        from knockkit._headers import USER_AGENT

        self.base = base
        self.session = aiohttp.ClientSession()
        self.headers = {"Authorization": "Bearer " + KEY, "User-Agent": USER_AGENT, "Accept": "application/json",
                        "Accept-Encoding": "identity"}  # fmt: skip
        self.json_headers = {**self.headers, "Content-Type": "application/json"}

    async def _send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        async with self.session.request(method, self.base + path, data=data, headers=headers or self.headers) as r:
            if r.status != 200:
                raise RuntimeError(r.status)
            return json.loads(await r.read())

    async def identify(self, user_id: str) -> Any:
        return await self._send("PUT", "/v1/users/" + quote(user_id, safe=""), PROPS, self.json_headers)

    async def trigger(self) -> Any:
        headers = {**self.json_headers, "Idempotency-Key": str(uuid.uuid4())}
        return await self._send("POST", f"/v1/workflows/{WORKFLOW}/trigger", TRIGGER, headers)

    async def get(self, user_id: str) -> Any:
        return await self._send("GET", "/v1/users/" + quote(user_id, safe=""))

    async def close(self) -> None:
        await self.session.close()


class KnockKitAsync:
    name = "knockkit"

    def __init__(self, base: str) -> None:
        import knockkit
        from knockkit import users, workflows

        self.knockkit, self.users, self.workflows = knockkit, users, workflows
        self.client = knockkit.AsyncClient(api_key=KEY, base_url=base)

    async def identify(self, user_id: str) -> Any:
        return await self.users.identify(self.client, user_id, PROPS)

    async def trigger(self) -> Any:
        return await self.workflows.trigger(self.client, WORKFLOW, **TRIGGER)

    async def get(self, user_id: str) -> Any:
        return await self.users.get(self.client, user_id)

    async def close(self) -> None:
        await self.knockkit.aclose()


class KnockApiAsync:
    name = "knockapi"

    def __init__(self, base: str) -> None:
        from knockapi import AsyncKnock

        self.client = AsyncKnock(api_key=KEY, base_url=base)

    async def identify(self, user_id: str) -> Any:
        extra = {k: v for k, v in PROPS.items() if k not in ("name", "email")}
        return await self.client.users.update(user_id, name=PROPS["name"], email=PROPS["email"], extra_body=extra)

    async def trigger(self) -> Any:
        return await self.client.workflows.trigger(WORKFLOW, **TRIGGER)  # type: ignore[arg-type]

    async def get(self, user_id: str) -> Any:
        return await self.client.users.get(user_id)

    async def close(self) -> None:
        await self.client.close()


async def _cpu_per_call(call: Callable[[str], Awaitable[Any]], n: int) -> float:
    gc.collect()
    started = time.process_time()
    for i in range(n):
        await call(f"user-{i:05d}")
    return (time.process_time() - started) / n


async def _concurrent(lib: Any, n: int) -> float:
    """Calls per second with CONCURRENT calls in flight on one loop, n calls in all."""
    gc.collect()
    started = time.perf_counter()
    for start in range(0, n, CONCURRENT):
        await asyncio.gather(*(lib.get(f"user-{i}") for i in range(start, min(n, start + CONCURRENT))))
    return n / (time.perf_counter() - started)


async def _measure(base: str, rounds: int, calls: int) -> dict[str, dict[str, float]]:
    libs: list[Any] = [RawAiohttp(base), KnockKitAsync(base)]
    with contextlib.suppress(ImportError):
        libs.append(KnockApiAsync(base))
    results: dict[str, dict[str, float]] = {}
    try:
        for lib in libs:
            for i in range(20):
                await lib.identify(f"warm-{i}")
                await lib.trigger()
                await lib.get("warm")
        stats.settle()
        for op, label in (("identify", "users.identify"), ("trigger", "workflows.trigger"), ("get", "users.get")):
            samples: dict[str, dict[int, float]] = {lib.name: {} for lib in libs}
            for turn in stats.turns(libs, rounds):
                for r, lib in turn:
                    n = calls * 3 // 10 if lib.name == "knockapi" else calls
                    call = getattr(lib, op)
                    fn = (lambda _id, call=call: call()) if op == "trigger" else call
                    samples[lib.name][r] = await _cpu_per_call(fn, n)
            results[f"async {label} CPU/call (us)"] = stats.row(samples, 1e6)
        # Wall-clock throughput swings by a third between samples on a shared 2-core machine
        # (client and server share it), and this row sits near its target: as many turns as
        # the per-call rows (each is 0.2-0.3 s).
        rates: dict[str, dict[int, float]] = {lib.name: {} for lib in libs}
        for turn in stats.turns(libs, max(5, rounds) | 1):
            for r, lib in turn:
                rates[lib.name][r] = await _concurrent(lib, 2000 if lib.name != "knockapi" else 400)
        results[f"async {CONCURRENT} in flight (calls/s)"] = stats.row(rates)
    finally:
        for lib in libs:
            await lib.close()
    return results


def measure(base: str, rounds: int, calls: int) -> dict[str, dict[str, float]]:
    """The async rows, or none when aiohttp is not installed."""
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return {}
    return asyncio.run(_measure(base, rounds, calls))
