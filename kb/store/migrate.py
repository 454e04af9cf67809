"""Applying a dialect's migrations on open, in one transaction; refusing a database from a newer kb."""

from __future__ import annotations

from datetime import datetime

from kb.errors import FormatError
from kb.store.backend import Backend


def migrate(backend: Backend, migrations: list[tuple[str, str]]) -> int:
    """Bring the schema up to len(migrations); returns that format version.

    A database whose applied migrations (or recorded format_version) go beyond what this kb knows was
    written by a newer kb and is refused, so it is never half-understood.
    """
    known = [name for name, _ in migrations]
    version_now = len(migrations)
    with backend.transaction():
        backend.migration_lock()  # two processes opening a new database do not both migrate it
        backend.execute("CREATE TABLE IF NOT EXISTS _migrations(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        applied = backend.fetch_column("SELECT name FROM _migrations")
        unknown = sorted(set(applied) - set(known))
        version = len(applied)
        if known[0] in applied:
            recorded = backend.fetch_value("SELECT value FROM meta WHERE key = 'format_version'")
            version = max(version, int(recorded) if recorded else 0)
        if unknown or version > version_now:
            raise FormatError(
                f"数据目录的格式版本为 {version}，由更新版本的 kb 写入，本程序只支持格式 "
                f"{version_now}：请升级 kb，或用 --data 指定另一个数据目录。"
            )
        for number, (name, script) in enumerate(migrations, start=1):
            if name in applied:
                continue
            for statement in backend.split_script(script):
                backend.execute(statement)
            backend.execute("INSERT INTO _migrations(name, applied_at) VALUES (?, ?)",
                            (name, datetime.now().isoformat(timespec="seconds")))
            backend.execute(
                "INSERT INTO meta(key, value) VALUES ('format_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(number),),
            )
    return version_now
