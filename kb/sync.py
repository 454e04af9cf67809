"""Folder sync (kb.sync): folders kept in step with the knowledge base.

A run imports the folder through the normal import (kb.ingest: new and changed files read, unchanged ones
skipped by their hash, a moved or renamed file recognised by its content and its document kept), then lists
the documents whose file is no longer there. Those are never deleted by a sync: an organiser confirms their
removal (or keeps them). A folder that is missing altogether — an unplugged drive, an unmounted share — lists
nothing as gone: its run is recorded as unreachable.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kb.access import Guard, mutation
from kb.clock import now
from kb.errors import InvalidInput, NotFound
from kb.records import GoneFile, ImportJob, IngestReport, ProgressFn, SyncedFolder, SyncResult
from kb.roots import real

if TYPE_CHECKING:
    from kb.store import Store

log = logging.getLogger(__name__)

Ingest = Callable[[Path, ProgressFn | None], IngestReport]  # the normal import of one folder
Delete = Callable[[str], object]  # remove one document (already permitted by the caller's action)
Check = Callable[[Path], None]  # refuse a folder this person may not have the server read

_INTERVAL = re.compile(r"^\s*(\d+)\s*(s|秒|m|min|分钟?|h|小时|d|天)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "秒": 1, "m": 60, "min": 60, "分": 60, "分钟": 60, "h": 3600, "小时": 3600, "d": 86400, "天": 86400}
MIN_INTERVAL = 10  # seconds: a schedule tighter than this would only re-hash the folder over and over


def parse_interval(text: str) -> int:
    """Seconds in "10m", "1h", "30s", "2d" (a bare number is minutes); InvalidInput otherwise."""
    match = _INTERVAL.match(str(text))
    if not match:
        raise InvalidInput(f"间隔 {text} 格式不对：请写成 10m（分钟）、1h（小时）或 30s（秒）")
    seconds = int(match.group(1)) * _UNIT[(match.group(2) or "m").lower()]
    if seconds < MIN_INTERVAL:
        raise InvalidInput(f"间隔 {text} 太短：至少 {MIN_INTERVAL} 秒")
    return seconds


def describe_interval(seconds: int | None) -> str:
    if not seconds:
        return "手动"
    for unit, label in ((86400, "天"), (3600, "小时"), (60, "分钟")):
        if seconds % unit == 0:
            return f"每 {seconds // unit} {label}"
    return f"每 {seconds} 秒"


class FolderSync:
    """Synced folders, their runs and their gone files (kb.sync)."""

    def __init__(self, store: Store, guard: Guard, ingest: Ingest, delete: Delete, check: Check):
        self.store = store
        self.guard = guard
        self._ingest = ingest
        self._delete = delete
        self._check = check

    # ---- reading --------------------------------------------------------------------------------
    def folders(self) -> list[SyncedFolder]:
        """Every synced folder with its last run and the gone files waiting for a decision."""
        return self.store.sync.folders()

    def due(self, at: str | None = None) -> list[SyncedFolder]:
        """Folders with a schedule whose next run is due (never run, or `every` passed since the last)."""
        moment = datetime.fromisoformat(at or now())
        return [f for f in self.folders() if f.every_seconds and (
            f.last_run_at is None
            or (moment - datetime.fromisoformat(f.last_run_at)).total_seconds() >= f.every_seconds)]

    def _registered(self, folder: str | Path) -> SyncedFolder:
        text = str(folder).strip()
        found = self.store.sync.folder(text) or self.store.sync.folder(str(real(Path(text).expanduser())))
        if found is None:
            raise NotFound(f"{text} 不是同步文件夹：用 kb sync 文件夹路径 开始同步，或 kb sync --status 查看")
        return found

    # ---- folders --------------------------------------------------------------------------------
    @mutation("sync.folder", target="folder")
    def add(self, folder: str | Path, every: int | None = None) -> SyncedFolder:
        """Start syncing a folder (its real path; inside the import roots for anyone but the local
        administrator); with `every` seconds, on that schedule. Returns it as registered."""
        given = Path(str(folder).strip()).expanduser()
        if not given.is_absolute() and not self.guard.actor.local:
            raise InvalidInput(f"同步文件夹必须是绝对路径（以 / 开头）：{folder}")
        path = real(given)
        self._check(path)
        if not path.is_dir():
            raise InvalidInput(f"{path} 不是已有的文件夹：请检查路径（同步的是整个文件夹）")
        if every is not None and every < MIN_INTERVAL:
            raise InvalidInput(f"同步间隔至少 {MIN_INTERVAL} 秒")
        with self.store.transaction():
            self.store.sync.add(str(path), every, now(), self.guard.actor.name)
        return self._registered(path)

    @mutation("sync.folder", target="folder")
    def forget(self, folder: str | Path) -> None:
        """Stop syncing a folder: its documents stay, its gone list goes."""
        found = self._registered(folder)
        with self.store.transaction():
            self.store.sync.remove(found.path)

    @mutation("sync.folder", target="folder")
    def run(self, folder: str | Path, progress: ProgressFn | None = None) -> SyncResult:
        """Bring the knowledge base in step with a synced folder: import what is new or changed, recognise
        what moved, list what is gone (for an organiser to confirm; nothing is deleted here)."""
        synced = self._registered(folder)
        path = Path(synced.path)
        before = {g.doc_id for g in synced.gone}
        if not path.is_dir():
            result = SyncResult(synced.path, IngestReport(), synced.gone, 0, unreachable=True)
            self.guard.note(f"文件夹无法访问：{synced.path}")
        else:
            report = self._ingest(path, progress)
            gone_files = [(doc_id, doc_path) for doc_id, doc_path in self.store.documents.under(synced.path)
                          if not Path(doc_path).exists()]
            with self.store.transaction():
                self.store.sync.notice_gone(synced.path, gone_files, now())
            gone = tuple(self.store.sync.gone(synced.path))
            report.warnings.extend(_successors(report, gone))
            newly = len([g for g in gone if g.doc_id not in before])
            result = SyncResult(synced.path, report, gone, newly)
            waiting = len([g for g in gone if not g.kept])
            if waiting:
                self.guard.note(f"{waiting} 个文件已不在文件夹中，待组织者确认是否移除")
                report.warnings.append(f"{waiting} 篇文档的文件已不在文件夹中：未删除，请在“文件夹同步”页"
                                       f"（或用 kb sync-gone）确认是否移除")
        with self.store.transaction():
            self.store.sync.record_run(synced.path, now(), result.summary())
        return result

    # ---- repeating --------------------------------------------------------------------------------
    def repeat(self, folders: Sequence[str], every: int, on_result: Callable[[SyncResult], None], *,
               stop: threading.Event | None = None, times: int | None = None) -> int:
        """Run the folders now, then every `every` seconds until `stop` is set (or after `times` rounds);
        each run's result goes to `on_result`. Returns the rounds run."""
        stop = stop or threading.Event()
        rounds = 0
        while True:
            for folder in folders:
                on_result(self.run(folder))
            rounds += 1
            if (times is not None and rounds >= times) or stop.wait(every):
                return rounds

    def watch(self, folders: Sequence[str], on_result: Callable[[SyncResult], None], *,
              stop: threading.Event | None = None, times: int | None = None, quiet: float = 2.0) -> int:
        """Run the folders now, then again whenever files in one of them change (watchdog: inotify and
        the like), once the changes have been quiet for `quiet` seconds — a copy of many files is one run.
        Until `stop` is set (or after `times` runs caused by changes); returns those runs."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        stop = stop or threading.Event()
        changed: set[str] = set()
        events = [0]
        signal = threading.Condition()

        class Handler(FileSystemEventHandler):
            def __init__(self, folder: str):
                self.folder = folder

            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in ("opened", "closed_no_write") or _hidden(str(event.src_path), self.folder):
                    return  # reading a file (our own sync does) changes nothing
                with signal:
                    changed.add(self.folder)
                    events[0] += 1
                    signal.notify_all()

        observer = Observer()
        for folder in folders:
            observer.schedule(Handler(folder), folder, recursive=True)
        observer.start()
        runs = 0
        try:
            for folder in folders:  # what changed while nobody watched
                on_result(self.run(folder))
            while not stop.is_set() and (times is None or runs < times):
                with signal:
                    signal.wait_for(lambda: bool(changed) or stop.is_set(), timeout=1.0)
                    seen = events[0]
                if not changed or stop.is_set():
                    continue
                while not stop.wait(quiet):  # until nothing new arrived for `quiet` seconds
                    with signal:
                        if events[0] == seen:
                            break
                        seen = events[0]
                with signal:
                    batch = sorted(changed)
                    changed.clear()
                for folder in batch:
                    on_result(self.run(folder))
                runs += 1
        finally:
            observer.stop()
            observer.join()
        return runs

    # ---- gone files -----------------------------------------------------------------------------
    @mutation("sync.remove", target="folder")
    def remove_gone(self, folder: str | Path, doc_ids: Sequence[str] | None = None) -> list[GoneFile]:
        """Remove from the knowledge base the documents whose file is gone from the folder (those named, or
        all waiting); a file that has come back, or a document that moved elsewhere, is left alone.
        Returns what was removed."""
        synced = self._registered(folder)
        listed = {g.doc_id: g for g in synced.gone}
        wanted = list(doc_ids) if doc_ids is not None else [g.doc_id for g in synced.waiting]
        unknown = [d for d in wanted if d not in listed]
        if unknown:
            raise NotFound(f"{'、'.join(unknown)} 不在 {synced.path} 的待移除列表中：请刷新后重试")
        removed = []
        for doc_id in wanted:
            gone = listed[doc_id]
            doc = self.store.documents.get(doc_id)
            if doc is None:
                continue  # removed meanwhile (its row went with it)
            if Path(gone.path).exists() or (doc.path != gone.path and Path(doc.path).exists()):
                continue  # back in place, or moved: not gone any more
            self._delete(doc_id)
            removed.append(gone)
        self.guard.note(f"移除 {len(removed)} 篇" + (f"（{len(wanted) - len(removed)} 篇的文件已恢复，未移除）"
                                                   if len(removed) < len(wanted) else ""))
        return removed

    @mutation("sync.remove", target="folder")
    def keep(self, folder: str | Path, doc_ids: Sequence[str]) -> int:
        """Keep documents whose file is gone (not listed for removal again); returns how many."""
        synced = self._registered(folder)
        with self.store.transaction():
            return self.store.sync.keep(synced.path, list(doc_ids))


class Schedule:
    """An app server's thread that hands every folder whose schedule is due to the import worker (a folder
    whose last run is still queued or under way is not handed over again). Several app servers over one
    database may each hand over a folder: a second run finds nothing new and costs a hash per file."""

    def __init__(self, due: Callable[[], list[SyncedFolder]], submit: Callable[[str], ImportJob],
                 active: Callable[[ImportJob], bool], interval: float = 60.0):
        self._due = due
        self._submit = submit
        self._active = active
        self.interval = interval
        self._jobs: dict[str, ImportJob] = {}  # folder -> its last job
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> list[str]:
        """One look at the schedule: the folders handed to the worker now."""
        handed = []
        for folder in self._due():
            job = self._jobs.get(folder.path)
            if job is not None and self._active(job):
                continue
            self._jobs[folder.path] = self._submit(folder.path)
            handed.append(folder.path)
        return handed

    def start(self) -> Schedule:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                try:
                    self.tick()
                except Exception:  # noqa: BLE001 - a bad moment (database busy) must not end the schedule
                    log.exception("the sync schedule could not hand over a folder")

        self._thread = threading.Thread(target=loop, name="kb-sync-schedule", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _hidden(path: str, folder: str) -> bool:
    """Whether a changed path is one discover() skips (hidden, Office lock files): no run for those."""
    relative = Path(path).relative_to(folder).parts if Path(path).is_relative_to(folder) else Path(path).parts
    return any(part.startswith((".", "~$")) for part in relative)


def _successors(report: IngestReport, gone: Sequence[GoneFile]) -> list[str]:
    """Hints for files renamed and changed at once: a new document that is a near-duplicate of a gone one
    is probably its new version (kept apart until an organiser removes the old one)."""
    by_id = {g.doc_id: g for g in gone if not g.kept}
    return [f"{Path(found.path).name} 与已不在文件夹中的 {Path(by_id[found.twin_id].path).name} 内容近似"
            f"（相似度 {found.similarity:.0%}），可能是改名并修改后的新版本：确认后可移除旧版本"
            for found in report.near_duplicates if found.twin_id in by_id]
