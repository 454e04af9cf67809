"""Synced folders (kb sync): each folder's schedule and last run, and the documents whose file is gone
from it, waiting for an organiser to confirm their removal (never deleted by a sync itself)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from kb.records import GoneFile, SyncedFolder
from kb.store.backend import Backend


class SyncRows:
    """The synced_folders and sync_gone tables."""

    TABLES = ("synced_folders", "sync_gone")  # what `kb migrate` copies, parents first

    def __init__(self, backend: Backend):
        self.db = backend

    # ---- reading --------------------------------------------------------------------------------
    def folders(self) -> list[SyncedFolder]:
        rows = self.db.fetch_all("SELECT path, every_seconds, added_at, added_by, last_run_at, last_report "
                                 "FROM synced_folders ORDER BY path")
        gone = self.gone()
        return [SyncedFolder(path=r["path"], every_seconds=r["every_seconds"], added_at=r["added_at"],
                             added_by=r["added_by"], last_run_at=r["last_run_at"],
                             last_report=json.loads(r["last_report"]) if r["last_report"] else None,
                             gone=tuple(g for g in gone if g.folder == r["path"])) for r in rows]

    def folder(self, path: str) -> SyncedFolder | None:
        return next((f for f in self.folders() if f.path == path), None)

    def gone(self, folder: str | None = None) -> list[GoneFile]:
        """Documents whose file is gone from a synced folder (all folders', or one's), oldest notice first."""
        where, params = ("WHERE g.folder = ?", [folder]) if folder else ("", [])
        rows = self.db.fetch_all(
            f"""SELECT g.folder, g.doc_id, g.path, g.noticed_at, g.kept, d.title FROM sync_gone g
                JOIN documents d ON d.id = g.doc_id {where} ORDER BY g.noticed_at, g.path""", params)
        return [GoneFile(r["folder"], r["doc_id"], r["title"], r["path"], r["noticed_at"], bool(r["kept"]))
                for r in rows]

    # ---- writing (inside the caller's transaction) ----------------------------------------------
    def add(self, path: str, every_seconds: int | None, stamp: str, by: str) -> bool:
        """Register a folder (its schedule updated if it is already there); True if it is new."""
        new = self.db.execute("INSERT INTO synced_folders(path, every_seconds, added_at, added_by) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT(path) DO NOTHING", (path, every_seconds, stamp, by)) > 0
        if not new and every_seconds is not None:
            self.db.execute("UPDATE synced_folders SET every_seconds = ? WHERE path = ?", (every_seconds, path))
        return new

    def remove(self, path: str) -> bool:
        return self.db.execute("DELETE FROM synced_folders WHERE path = ?", (path,)) > 0

    def record_run(self, path: str, stamp: str, report: dict) -> None:
        self.db.execute("UPDATE synced_folders SET last_run_at = ?, last_report = ? WHERE path = ?",
                        (stamp, json.dumps(report, ensure_ascii=False), path))

    def notice_gone(self, folder: str, files: Sequence[tuple[str, str]], stamp: str) -> None:
        """Set the folder's gone list to these (doc id, path) pairs: new ones are noticed now, ones noticed
        before keep their date and whether they were kept, ones back in place (or moved) leave the list."""
        wanted = dict(files)
        for row in self.db.fetch_all("SELECT doc_id, path FROM sync_gone WHERE folder = ?", (folder,)):
            if wanted.get(row["doc_id"]) != row["path"]:
                self.db.execute("DELETE FROM sync_gone WHERE folder = ? AND doc_id = ?", (folder, row["doc_id"]))
        for doc_id, path in wanted.items():
            self.db.execute("INSERT INTO sync_gone(folder, doc_id, path, noticed_at) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT(folder, doc_id) DO NOTHING", (folder, doc_id, path, stamp))

    def keep(self, folder: str, doc_ids: Sequence[str]) -> int:
        """Mark gone files as kept (the document stays without its file, not listed for removal again)."""
        return sum(self.db.execute("UPDATE sync_gone SET kept = 1 WHERE folder = ? AND doc_id = ?", (folder, d))
                   for d in doc_ids)
