"""Simulated users on loopback: a bounded, closed-loop load for the servers benchmark.

Each user thinks (an exponential pause), then sends one request and waits for its answer: a search,
or with probability `edit_share` an edit of a reading list that every user shares (append a document;
a list grown past `max_items` loses its first item). Requests go to the app processes in turn, as a
reverse proxy's round robin would. The load is bounded by the number of users and by time; latency is
measured at the user, so it includes any wait for a free worker.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from dataclasses import dataclass

from bench.encoding import latency


@dataclass(frozen=True)
class LoadSpec:
    users: int
    seconds: float
    think: float  # mean seconds a user pauses between two requests
    edit_share: float  # the fraction of requests that edit a reading list
    lists: tuple[str, ...]  # the shared reading lists (they exist before the load starts)
    doc_ids: tuple[str, ...]  # documents the edits add
    queries: tuple[str, ...]
    max_items: int = 40
    seed: int = 0


def call(port: int, path: str, body: dict | None = None, timeout: float = 120.0) -> tuple[int, dict]:
    """One request to an app process on 127.0.0.1 (a GET without a body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if body is None:
            conn.request("GET", path)
        else:
            conn.request("POST", path, json.dumps(body, ensure_ascii=False).encode(),
                         {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


class _Proxy:
    """Round robin over the app processes."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self._next = 0
        self._lock = threading.Lock()

    def port(self) -> int:
        with self._lock:
            self._next = (self._next + 1) % len(self.ports)
            return self.ports[self._next]


def run_load(ports: list[int], spec: LoadSpec) -> dict:
    """Run the users until spec.seconds pass; returns throughput, p50/p95 per kind of request, errors,
    and how many list items were added and removed (for checking the lists afterwards)."""
    proxy = _Proxy(ports)
    samples: dict[str, list[float]] = {"search": [], "list_add": [], "list_remove": []}
    timeline: list[tuple[float, float]] = []  # (seconds since the start, seconds taken) of each search
    # A conflict is an answer a user would get and act on (409: e.g. "this item was just removed by
    # someone else", when two users remove the first item of one list at once); an error is anything else.
    counts = {"added": 0, "removed": 0, "conflicts": 0, "errors": 0}
    errors: list[str] = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + spec.seconds

    def timed_call(kind: str, path: str, body: dict) -> dict | None:
        began = time.perf_counter()
        try:
            status, answer = call(proxy.port(), path, body)
        except OSError as e:
            status, answer = 0, {"error": f"{type(e).__name__}: {e}"}
        took = time.perf_counter() - began
        with lock:
            if status == 200:
                samples[kind].append(took)
                if kind == "search":
                    timeline.append((round(began - start, 3), round(took, 4)))
            elif status == 409:
                counts["conflicts"] += 1
            else:
                counts["errors"] += 1
                if len(errors) < 5:
                    errors.append(f"{kind}: {answer.get('error')}")
        return answer if status == 200 else None

    def user(number: int) -> None:
        rng = random.Random(spec.seed * 7919 + number)
        while True:
            time.sleep(rng.expovariate(1 / spec.think) if spec.think > 0 else 0)
            if time.perf_counter() >= deadline:
                return
            if rng.random() >= spec.edit_share:
                timed_call("search", "/search", {"q": rng.choice(spec.queries), "k": 10})
                continue
            name = rng.choice(spec.lists)
            added = timed_call("list_add", "/list/add",
                               {"list": name, "doc": rng.choice(spec.doc_ids), "note": f"用户{number}"})
            if added is None:
                continue
            with lock:
                counts["added"] += 1
            if added["position"] > spec.max_items:
                removed = timed_call("list_remove", "/list/remove_first", {"list": name})
                if removed is not None:
                    with lock:
                        counts["removed"] += removed["removed"]

    threads = [threading.Thread(target=user, args=(n,), name=f"user-{n}") for n in range(spec.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    done = sum(len(v) for v in samples.values())
    return {
        "seconds": round(elapsed, 1),
        "requests": done,
        "throughput_per_s": round(done / elapsed, 1),
        "searches_per_s": round(len(samples["search"]) / elapsed, 1),
        "all": latency([s for v in samples.values() for s in v]) if done else None,
        **{kind: latency(values) for kind, values in samples.items() if values},
        **counts,
        "error_examples": errors,
        "search_timeline": sorted(timeline),
    }
