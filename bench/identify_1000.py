"""Wall time of 1,000 users.identify calls, knockkit next to raw urllib3 doing the same requests.

    python bench/identify_1000.py

Uses run.py's loopback server (a separate process); prints the median of 5 rounds.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import run as bench
import urllib3

import knockkit
from knockkit import users

CALLS, ROUNDS = 1000, 5
KEY = "sk_test_bench0000000000"
PROPERTIES = {"name": "John Hammond", "email": "jhammond@ingen.net"}


def main() -> None:
    proc, base = bench.start_server()
    try:
        client = knockkit.Client(api_key=KEY, base_url=base)
        pool = urllib3.PoolManager(maxsize=4)
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", "Accept": "application/json"}

        def with_knockkit() -> None:
            for i in range(CALLS):
                users.identify(client, f"user-{i}", PROPERTIES)

        def with_urllib3() -> None:
            for i in range(CALLS):
                response = pool.request(
                    "PUT", f"{base}/v1/users/user-{i}", body=json.dumps(PROPERTIES).encode(), headers=headers
                )
                assert response.status == 200
                json.loads(response.data)

        with_knockkit(), with_urllib3()  # warm both up
        times: dict[str, list[float]] = {"knockkit": [], "urllib3": []}
        for _ in range(ROUNDS):
            for name, fn in (("knockkit", with_knockkit), ("urllib3", with_urllib3)):
                started = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - started)
        ours, floor = statistics.median(times["knockkit"]), statistics.median(times["urllib3"])
        print(f"{CALLS:,} users.identify: knockkit {ours:.3f} s, raw urllib3 {floor:.3f} s, {ours / floor:.2f}x")
    finally:
        bench.stop_server(proc)


if __name__ == "__main__":
    main()
