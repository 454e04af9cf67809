"""The import worker: one thread per open knowledge base that runs imports one at a time, in order.

Pages and commands hand an import to `ImportQueue.submit` and return at once (or wait for it, as the
CLI does); the person who asked sees its place in the queue, then its progress, then its report.
Searches never wait for it: the worker holds no lock a reader takes, each document is committed on
its own (readers see the last committed state and every document as it lands), and the passages'
vectors are encoded after the files are read (kb.backfill).

Written here rather than with concurrent.futures: a job must report its progress and its place in the
queue while it waits, and failures must end as one line for the person, details in the log.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from kb.clock import now
from kb.errors import KBError
from kb.records import FAILED, FINISHED, QUEUED, RUNNING, ImportJob, IngestReport, ProgressFn

log = logging.getLogger(__name__)

KEEP_FINISHED = 50  # finished jobs remembered (per process) for the people who started them
STOPPED = "导入已中断（程序关闭）：已导入的文档都已保存，重新导入同一批文件即可继续"

Work = Callable[[ProgressFn], IngestReport]


@dataclass
class _Entry:
    job: ImportJob
    work: Work
    done: threading.Event


class ImportQueue:
    """Imports waiting for, and done by, the one worker thread (started with the first job)."""

    def __init__(self, name: str = "kb-import-worker"):
        self._name = name
        self._queue: queue.Queue[_Entry | None] = queue.Queue()
        self._entries: dict[int, _Entry] = {}
        self._order: list[int] = []  # job ids, oldest first
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def stopping(self) -> bool:
        """The knowledge base is closing: the running import should stop at its next step."""
        return self._stopping.is_set()

    # ---- asking ---------------------------------------------------------------------------------
    def submit(self, owner: str, label: str, work: Work) -> ImportJob:
        """Queue `work` (it receives a progress callback and returns the import's report)."""
        with self._lock:
            job = ImportJob(next(self._ids), owner, label, QUEUED, now())
            entry = _Entry(job, work, threading.Event())
            self._entries[job.id] = entry
            self._order.append(job.id)
            self._forget_old()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._queue.put(entry)
        return self.job(job.id)

    def job(self, job_id: int) -> ImportJob:
        with self._lock:
            entry = self._entries[job_id]
            return self._with_place(entry.job)

    def jobs(self, owner: str | None = None) -> list[ImportJob]:
        """Jobs still remembered, newest first: everyone's, or those `owner` asked for."""
        with self._lock:
            return [self._with_place(self._entries[i].job) for i in reversed(self._order)
                    if owner is None or self._entries[i].job.owner == owner]

    def wait(self, job_id: int, timeout: float | None = None) -> ImportJob:
        """The job once it has finished (or as it is when `timeout` seconds have passed)."""
        with self._lock:
            entry = self._entries[job_id]
        entry.done.wait(timeout)
        return self.job(job_id)

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until no job is queued or running; whether that happened within `timeout`."""
        with self._lock:
            waiting = [self._entries[i].done for i in self._order if self._entries[i].job.active]
        return all(done.wait(timeout) for done in waiting)

    def close(self, wait: float = 30.0) -> None:
        """Stop the worker: the running import stops at its next step (every document committed so far
        is kept), queued ones are dropped; waits up to `wait` seconds for it, so that the store is not
        closed under it."""
        self._stopping.set()
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None:
            self._queue.put(None)
            thread.join(wait)

    # ---- the worker -----------------------------------------------------------------------------
    def _run(self) -> None:
        _lower_priority()
        while (entry := self._queue.get()) is not None:
            if self._stopping.is_set():
                self._update(entry, state=FAILED, error=STOPPED)
                entry.done.set()
                continue
            self._update(entry, state=RUNNING)
            try:
                report = entry.work(self._progress_of(entry))
                self._update(entry, state=FINISHED, report=report)
            except KBError as e:
                self._update(entry, state=FAILED, error=str(e))
            except Exception:  # noqa: BLE001 - a bug: one line for the person, the details in the log
                if self._stopping.is_set():  # the store closed under a step that could not stop sooner
                    self._update(entry, state=FAILED, error=STOPPED)
                    continue
                ref = uuid.uuid4().hex[:8]
                log.exception("import job %s failed (reference %s)", entry.job.id, ref)
                self._update(entry, state=FAILED, error=f"导入时出现意外错误（参考编号 {ref}）：已导入的文档都已保存，"
                                                        "请重试；如果问题持续，请把参考编号告诉管理员")
            finally:
                entry.done.set()

    def _progress_of(self, entry: _Entry) -> ProgressFn:
        return lambda progress: self._update(entry, progress=progress)

    def _update(self, entry: _Entry, **changes: object) -> None:
        with self._lock:
            entry.job = replace(entry.job, **changes)  # type: ignore[arg-type]

    def _with_place(self, job: ImportJob) -> ImportJob:
        if job.state != QUEUED:
            return job
        ahead = sum(1 for i in self._order if i < job.id and self._entries[i].job.active)
        return replace(job, ahead=ahead)

    def _forget_old(self) -> None:
        finished = [i for i in self._order if not self._entries[i].job.active]
        for job_id in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            self._order.remove(job_id)
            del self._entries[job_id]


IMPORT_NICENESS = 10  # how much lower than the searches' the worker thread's CPU priority is


def _lower_priority() -> None:
    """Give this thread (and the model's threads it starts) a lower CPU priority than the threads that
    answer searches: on Linux a thread has its own nice value. Lowering it needs no privilege; where
    it cannot be done, imports and searches simply share the CPU evenly."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(os.getpriority(os.PRIO_PROCESS, thread) + IMPORT_NICENESS, 19))
    except (AttributeError, OSError):
        pass
