"""Cold start: a new process opens a knowledge base, loads the model and returns its first result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

# Runs in a fresh interpreter; each step is forced in the order KnowledgeBase.search would take it.
_CHILD = """
import json, sys, time
started = time.perf_counter()
from kb.library import open_kb
spec = json.loads(sys.argv[1])
imported = time.perf_counter()
kb = open_kb(spec["data"])
opened = time.perf_counter()
kb.encoder
model = time.perf_counter()
kb.refresh_indexes()
indexes = time.perf_counter()
hits = kb.search(spec["query"], k=10)
searched = time.perf_counter()
print(json.dumps({"imports": imported - started, "open": opened - imported, "model": model - opened,
                  "indexes": indexes - model, "first_search": searched - indexes,
                  "in_process": searched - started, "hits": len(hits)}))
"""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as kb/cli.py sets it
    return env


def _run(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_environment())
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"冷启动子进程失败（退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}")
    return seconds, done.stdout


def cold_start(data_dir: Path, query: str, runs: int = 3) -> dict:
    """Median over `runs` new processes of: launch to first result, with the steps inside it (and
    the fastest run); and the same through the `kb search` command line. The knowledge base is
opened with the model it records, as a user's process would.

    The files are in the OS page cache after the first run (as on a machine in use); the first
    run's figure is reported too.
    """
    spec = json.dumps({"data": str(data_dir), "query": query})
    rounds = []
    for _ in range(runs):
        wall, out = _run([sys.executable, "-c", _CHILD, spec])
        steps = json.loads(out.strip().splitlines()[-1])
        steps["wall"] = wall
        rounds.append(steps)
    middle = sorted(rounds, key=lambda r: r["wall"])[len(rounds) // 2]
    result = {key: round(value, 3) if isinstance(value, float) else value for key, value in middle.items()}
    result["interpreter_and_exit"] = round(middle["wall"] - middle["in_process"], 3)
    result["first_run_wall"] = round(rounds[0]["wall"], 3)
    result["fastest_wall"] = round(min(r["wall"] for r in rounds), 3)
    result["runs"] = runs
    cli = [sys.executable, "-m", "kb.cli", "--data", str(data_dir), "search", query]
    result["cli_wall"] = round(median(_run(cli)[0] for _ in range(runs)), 3)
    return result
