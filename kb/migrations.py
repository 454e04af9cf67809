"""Named, append-only schema migrations, applied in a transaction on every open."""

from __future__ import annotations

import sqlite3

from kb.errors import FormatError

MIGRATIONS: list[tuple[str, str]] = [
    (
        "001_initial",
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents(
            id TEXT PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            date TEXT,
            format TEXT NOT NULL,
            text TEXT NOT NULL,
            pages TEXT NOT NULL DEFAULT '[]',
            headings TEXT NOT NULL DEFAULT '[]',
            minutes TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            warnings TEXT NOT NULL DEFAULT '[]',
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX documents_kind_date ON documents(kind, date);
        CREATE TABLE document_tags(
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY(doc_id, tag)
        );
        CREATE TABLE chunks(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            char_start INTEGER NOT NULL,
            char_end INTEGER NOT NULL,
            page_start INTEGER,
            page_end INTEGER,
            section TEXT NOT NULL DEFAULT '[]',
            text TEXT NOT NULL,
            search_text TEXT NOT NULL,
            embed_key TEXT NOT NULL,
            UNIQUE(doc_id, ordinal)
        );
        CREATE INDEX chunks_doc ON chunks(doc_id);
        CREATE TABLE embeddings(
            model TEXT NOT NULL,
            key TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY(model, key)
        );
        CREATE TABLE ingest_runs(
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            summary TEXT NOT NULL
        );
        """,
    ),
    (
        "002_reading_lists",
        """
        CREATE TABLE reading_lists(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            topic TEXT,
            description TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- Items name their document by id without a foreign key: deleting a document must leave its
        -- items in place, shown as missing, with the snapshot of title and passage they carry.
        CREATE TABLE reading_list_items(
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES reading_lists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            title TEXT NOT NULL,
            date TEXT,
            kind TEXT NOT NULL,
            char_start INTEGER,
            char_end INTEGER,
            page_start INTEGER,
            page_end INTEGER,
            section TEXT NOT NULL DEFAULT '[]',
            text TEXT,
            note TEXT,
            added_at TEXT NOT NULL
        );
        CREATE INDEX reading_list_items_list ON reading_list_items(list_id, position);
        CREATE INDEX reading_list_items_doc ON reading_list_items(doc_id);
        """,
    ),
    (
        "003_sessions_and_plans",
        """
        -- Corrections organisers make to what was extracted from a minutes document: a NULL column
        -- keeps the extracted value; attendees and speakers are JSON arrays. No foreign key: a file
        -- deleted and imported again (same content, same id) gets its corrections back.
        CREATE TABLE session_edits(
            doc_id TEXT PRIMARY KEY,
            date TEXT,
            theme TEXT,
            host TEXT,
            location TEXT,
            attendees TEXT,
            speakers TEXT,
            updated_at TEXT NOT NULL
        );
        -- One plan per year; an empty title means the default "{year}年度理论学习中心组学习计划".
        CREATE TABLE plans(
            id INTEGER PRIMARY KEY,
            year INTEGER NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            main_line TEXT NOT NULL DEFAULT '',
            unit TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE plan_months(
            plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
            theme TEXT NOT NULL DEFAULT '',
            format TEXT NOT NULL DEFAULT '集中学习',
            list_id INTEGER REFERENCES reading_lists(id) ON DELETE SET NULL,
            note TEXT,
            PRIMARY KEY(plan_id, month)
        );
        """,
    ),
]

# The on-disk format version: how many migrations this kb knows.
FORMAT_VERSION = len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """Split a migration script into complete SQL statements."""
    out, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    return out


def migrate(db: sqlite3.Connection) -> None:
    """Bring the schema up to FORMAT_VERSION; refuse a database from a newer or unknown kb."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    known = [name for name, _ in MIGRATIONS]
    # Under the write lock, so two processes opening a new data directory do not both migrate it.
    db.execute("BEGIN IMMEDIATE")
    try:
        applied = [r[0] for r in db.execute("SELECT name FROM _migrations")]
        unknown = sorted(set(applied) - set(known))
        version = len(applied)
        if "001_initial" in applied:
            row = db.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()
            version = max(version, int(row[0]) if row else 0)
        if unknown or version > FORMAT_VERSION:
            raise FormatError(
                f"数据目录的格式版本为 {version}，由更新版本的 kb 写入，本程序只支持格式 "
                f"{FORMAT_VERSION}：请升级 kb，或用 --data 指定另一个数据目录。"
            )
        for number, (name, script) in enumerate(MIGRATIONS, start=1):
            if name in applied:
                continue
            for statement in _statements(script):
                db.execute(statement)
            db.execute("INSERT INTO _migrations(name, applied_at) VALUES (?, datetime('now'))", (name,))
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('format_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(number),),
            )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
