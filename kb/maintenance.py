"""Upkeep of a knowledge base: check it, back it up, restore it — nothing here deletes what people made.

`check` asks the database for its own integrity check and for counts and ids that must agree, then
reads the saved index files afresh (rebuilding unreadable ones from the database) and compares their
ids with the store's. `backup` writes a consistent copy into a new folder that is itself a data
folder (`kb --data 备份文件夹 check` reads it): SQLite's online backup API for a data folder, a
table-by-table copy with counts verified for a database server (for a copy of a server database
taken while people write, pg_dump is exact). `restore` first keeps the current database aside in the
data folder, then copies the backup's pages over it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.clock import now
from kb.errors import InvalidInput, KBError
from kb.indexes import Indexes, StoredVectors
from kb.records import AuditEntry, CheckReport
from kb.store import DB_NAME, Store, open_store
from kb.store.copy import copy_store
from kb.store.sqlite import SqliteBackend, check_copy
from kb.uploads import UPLOADS


def check(store: Store, indexes: Indexes, vectors_for: StoredVectors, model: str) -> CheckReport:
    """Verify the database and the saved indexes; `indexes` is a fresh, unloaded Indexes over the
    saved folder (the running process's own are left alone)."""
    report = CheckReport()
    for problem in store.backend.integrity_problems()[:20]:
        report.problems.append(f"数据库完整性检查：{problem}。请保留数据库文件原样，"
                               "用 kb restore 从最近的备份恢复")
    report.counts = store.health.counts(model)
    orphans = store.health.chunks_without_document()
    if orphans:
        report.problems.append(f"{orphans} 个片段所属的文档已不存在：请运行 kb reindex 重建，仍有问题则从备份恢复")
    empty = store.health.documents_without_chunks()
    if empty:
        report.problems.append(f"{len(empty)} 篇文档没有任何片段（{'、'.join(empty[:5])}）：请重新导入这些文件")
    if store.health.duplicate_paths():
        report.problems.append("有文件在库中存了不止一份：请运行 kb reindex，仍有问题则从备份恢复")
    pending = store.health.chunk_ids_without_vectors(model)
    report.counts["chunks_without_vectors"] = len(pending)
    if len(pending):
        report.notes.append(f"{len(pending)} 个片段尚未计算语义向量（可按关键词检索）："
                            "再次运行 kb ingest 或打开网页界面即会补齐")
    if not indexes.read_saved():
        report.notes.append("检索索引文件缺失或无法读取：已从数据库重建")
    indexes.refresh(store, vectors_for)
    stored = store.chunks.ids()
    if not np.array_equal(np.sort(indexes.keyword.ids()), stored):
        report.problems.append("关键词索引与数据库不一致：请运行 kb reindex 重建索引")
    if not np.array_equal(np.sort(indexes.dense.ids()), np.setdiff1d(stored, pending, assume_unique=True)):
        report.problems.append("语义索引与数据库不一致：请运行 kb reindex 重建索引")
    return report


@dataclass(frozen=True)
class Backup:
    folder: Path
    documents: int
    database_bytes: int
    uploads: int


def backup(store: Store, data_dir: Path, folder: Path) -> Backup:
    """Write a consistent copy of the knowledge base (and the uploaded files) into `folder`."""
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{folder} 是一个文件：请指定一个新的文件夹作为备份位置")
    target = folder / DB_NAME
    if target.exists():
        raise InvalidInput(f"{folder} 中已有一份知识库：请换一个新的文件夹（例如按日期命名），不覆盖已有备份")
    if folder.resolve() == Path(data_dir).resolve():
        raise InvalidInput("备份位置不能是数据目录本身：请指定另一个文件夹，最好在另一块磁盘或 U 盘上")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(store.backend, SqliteBackend):
            store.backend.backup_to(target)
        else:  # a database server: a table-by-table copy into a data folder, counts verified
            copy = open_store(folder)
            try:
                copy_store(store, copy)
            finally:
                copy.close()
        uploads = Path(data_dir) / UPLOADS
        if uploads.is_dir():
            shutil.copytree(uploads, folder / UPLOADS, dirs_exist_ok=True)
    except OSError as e:
        raise KBError(f"无法写入备份 {folder}（{e.strerror or e}）：请检查该位置的磁盘空间和写入权限") from e
    problems = check_copy(target)
    if problems:
        raise KBError(f"备份写完后检查未通过（{problems[0]}）：请换一个位置重新备份")
    count = len(list((folder / UPLOADS).iterdir())) if (folder / UPLOADS).is_dir() else 0
    return Backup(folder, store.documents.count(), target.stat().st_size, count)


def restore(store: Store, data_dir: Path, folder: Path, indexes: Indexes) -> Path:
    """Replace the knowledge base with the backup in `folder`; returns where the database as it was
    before has been kept."""
    if not isinstance(store.backend, SqliteBackend):
        raise InvalidInput("知识库在数据库服务器上：请用 kb migrate 备份文件夹 postgresql://…/新数据库 恢复到一个新建的"
                           "空数据库（或用 pg_restore），再让各应用服务器改用它")
    source = Path(folder).expanduser() / DB_NAME
    problems = check_copy(source)
    if problems:
        raise InvalidInput(f"{folder} 不是可用的备份（{problems[0]}）：请指定 kb backup 写出的文件夹")
    if source.resolve() == Path(store.backend.path).resolve():
        raise InvalidInput("不能从数据目录本身恢复：请指定 kb backup 写出的备份文件夹")
    aside = Path(data_dir) / f"恢复前的数据库-{now()[:19].replace(':', '')}"
    try:
        aside.mkdir(parents=True, exist_ok=False)
        store.backend.backup_to(aside / DB_NAME)  # what is replaced is kept, never deleted
        history = store.audit.query()
        store.backend.restore_from(source)
        _keep_history(store, history)
        uploads = source.parent / UPLOADS
        if uploads.is_dir():
            shutil.copytree(uploads, Path(data_dir) / UPLOADS, dirs_exist_ok=True)
    except OSError as e:
        raise KBError(f"恢复时无法写入数据目录（{e.strerror or e}）：请检查磁盘空间和权限；"
                      f"原数据库未被改动，或已保存在 {aside}") from e
    indexes.reset()  # derived from the old contents: rebuilt from the restored database
    return aside


def _keep_history(store: Store, history: list[AuditEntry]) -> None:
    """The audit log is never rewound by a restore: rows written since the backup (those the restored
    log lacks) are appended again, oldest first, so the log still says who did what before it."""
    restored = {_key(e) for e in store.audit.query()}
    with store.transaction():
        for entry in reversed(history):
            if _key(entry) not in restored:
                store.audit.append(entry)


def _key(entry: AuditEntry) -> tuple:
    return entry.at, entry.actor, entry.action, entry.target, entry.outcome, entry.detail
