"""List latency of the reference server at 100 and at 25,000 in-flight tasks.

Populates the store through the service layer (fast), then times real HTTP list requests
over a loopback socket. Prints p50/p95 per query shape and the 25,000 / 100 ratio.

    python benchmarks/list_latency.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import json
import time

import httpx

from harness.reference.config import ServerConfig
from harness.reference.forms import Params
from harness.reference.server import start_in_thread

QUERIES: dict[str, dict[str, str]] = {
    "default (first 50)": {},
    "PageSize=1000": {"PageSize": "1000"},
    "AssignmentStatus=pending": {"AssignmentStatus": "pending"},
    "Ordering=Priority:desc": {"Ordering": "Priority:desc"},
    "TaskQueueName=Sales Queue": {"TaskQueueName": "Sales Queue"},
    "EvaluateTaskAttributes (rare match)": {"EvaluateTaskAttributes": "n == 7"},
}


def populate(server, count: int) -> None:
    ref = server.app.state.reference
    ws = server.config.fixture.single
    kinds = ("sales", "support", "other")
    for i in range(count):
        params = Params(
            [
                ("Attributes", json.dumps({"type": kinds[i % 3], "n": i})),
                ("Priority", str(i % 10)),
            ]
        )
        ref.service.create(ws, params)


def measure(base: str, auth: tuple[str, str], ws_sid: str, repeat: int) -> dict[str, list[float]]:
    url = f"{base}/v1/Workspaces/{ws_sid}/Tasks"
    timings: dict[str, list[float]] = {}
    with httpx.Client(auth=auth, timeout=60) as client:
        for name, params in QUERIES.items():
            client.get(url, params=params).raise_for_status()  # warm up
            samples = []
            for _ in range(repeat):
                start = time.perf_counter()
                client.get(url, params=params).raise_for_status()
                samples.append((time.perf_counter() - start) * 1000)
            timings[name] = samples
    return timings


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--large", type=int, default=25_000)
    args = parser.parse_args()
    results = {}
    for count in (100, args.large):
        with start_in_thread(ServerConfig()) as server:
            t0 = time.perf_counter()
            populate(server, count)
            fill = time.perf_counter() - t0
            fx = server.config.fixture
            results[count] = measure(
                server.base_url, (fx.account_sid, fx.auth_token), fx.single.sid, args.repeat
            )
            print(f"populated {count} tasks in {fill:.1f}s")
    small, large = results[100], results[args.large]
    big = str(args.large)
    print(f"\n{'query':40} {'p50@100':>9} {'p50@' + big:>11} {'p95@' + big:>11} {'ratio p50':>10}")
    for name in QUERIES:
        s50, l50, l95 = p(small[name], 0.5), p(large[name], 0.5), p(large[name], 0.95)
        print(f"{name:40} {s50:8.2f}ms {l50:10.2f}ms {l95:10.2f}ms {l50 / s50:9.1f}x")


if __name__ == "__main__":
    main()
