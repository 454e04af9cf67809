"""The machine a benchmark ran on, how busy other processes kept it, and this process's memory."""

from __future__ import annotations

import hashlib
import os
import platform
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


def cpu_model() -> str:
    """The CPU's marketing name (from /proc/cpuinfo on Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else platform.machine()


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001 - a missing package simply has no version to report
        return None


def machine_info() -> dict:
    """CPU, cores, RAM, load average and the versions that decide the speed of the numbers."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu_model(),
        "cores": cores,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {name: _version(name) for name in ("numpy", "faiss-cpu", "torch", "jieba", "scipy")},
    }


def _busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (all cores added up)."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)


def _own_seconds() -> float:
    """CPU seconds of this process plus its finished (waited-for) children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _steal_seconds() -> float:
    """CPU seconds the hypervisor gave to other virtual machines instead of this one."""
    return getattr(psutil.cpu_times(), "steal", 0.0)


@dataclass(frozen=True)
class LoadMark:
    """A point in time to measure other processes' CPU use from (see others_load)."""

    wall: float
    busy: float
    own: float
    steal: float


def load_mark() -> LoadMark:
    return LoadMark(time.monotonic(), _busy_seconds(), _own_seconds(), _steal_seconds())


def others_load(since: LoadMark) -> dict:
    """How many cores other processes kept busy, on average, since `since`.

    Machine-wide CPU time minus this process's (and its children's): unlike the load average, it
    leaves out the benchmark itself, so it says how noisy the machine was while we measured. Steal
    is CPU time a virtual machine's host gave to other guests.
    Children still running when this is called are not subtracted yet: call it after they ended.
    """
    now = load_mark()
    wall = max(now.wall - since.wall, 1e-9)
    others = max(0.0, (now.busy - since.busy) - (now.own - since.own))
    return {
        "seconds": round(wall, 1),
        "others_cores": round(others / wall, 2),
        "own_cores": round((now.own - since.own) / wall, 2),
        "steal_cores": round((now.steal - since.steal) / wall, 2),
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }


def _status_mb(key: str) -> float | None:
    try:
        text = Path("/proc/self/status").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(rf"^{key}:\s*(\d+)\s*kB", text, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


def rss_mb() -> float:
    """Resident memory of this process now, in MB."""
    current = _status_mb("VmRSS")
    return current if current is not None else psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    VmHWM rather than ru_maxrss: a child started by fork inherits its parent's ru_maxrss.
    """
    peak = _status_mb("VmHWM")
    if peak is not None:
        return peak
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def source_digest(root: Path) -> str:
    """A hash of the Python sources of kb, index and ingest under `root`: tells whether the code
    measured changed while a long run went on (several people edit the same working tree)."""
    digest = hashlib.sha1()
    for package in ("kb", "index", "ingest"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def code_version(root: Path) -> dict:
    """The git commit of `root` and how many files differ from it (None outside a git checkout)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    status = git("status", "--porcelain", "--", "kb", "index", "ingest")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_files": None if status is None else len(status.splitlines()),
            "digest": source_digest(root)}
