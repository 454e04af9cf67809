"""The SQLite store: the source of truth for documents, chunks, tags and embeddings."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from ingest.types import Chunk, Document, MinutesInfo, Speech
from kb.migrations import FORMAT_VERSION, migrate

DB_NAME = "kb.sqlite3"


@dataclass(frozen=True)
class DocumentRecord:
    """A stored document without its full text."""

    id: str
    title: str
    kind: str
    date: str | None
    path: str
    format: str
    content_hash: str
    tags: tuple[str, ...]
    chunk_count: int
    char_count: int
    page_count: int
    added_at: str
    updated_at: str
    minutes: MinutesInfo | None
    metadata: dict
    warnings: tuple[str, ...]

    @property
    def file_name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk with its document's identity."""

    id: int
    doc_id: str
    ordinal: int
    text: str
    search_text: str
    start: int
    end: int
    page_start: int | None
    page_end: int | None
    section: tuple[str, ...]
    embed_key: str


DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")  # how dates are stored and compared: 2024, 2024-03, 2024-03-15


@dataclass(frozen=True)
class Filters:
    """Restricts search and listing. Dates compare by prefix, so "2024" or "2024-03" work too."""

    kind: str | None = None
    since: str | None = None
    until: str | None = None
    tags: tuple[str, ...] = ()  # a document matches if it has any of them
    doc_ids: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.kind or self.since or self.until or self.tags or self.doc_ids)


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def doc_id_for(content_hash: str) -> str:
    """A document's id: a prefix of its content hash, short enough to type."""
    return content_hash[:12]


def _minutes_to_json(minutes: MinutesInfo | None) -> str | None:
    if minutes is None:
        return None
    return json.dumps(
        {
            "date": minutes.date,
            "location": minutes.location,
            "host": minutes.host,
            "attendees": list(minutes.attendees),
            "recorder": minutes.recorder,
            "theme": minutes.theme,
            "speeches": [{"speaker": s.speaker, "text": s.text} for s in minutes.speeches],
        },
        ensure_ascii=False,
    )


def minutes_from_json(raw: str | None) -> MinutesInfo | None:
    if not raw:
        return None
    data = json.loads(raw)
    return MinutesInfo(
        date=data.get("date"),
        location=data.get("location"),
        host=data.get("host"),
        attendees=tuple(data.get("attendees") or ()),
        recorder=data.get("recorder"),
        theme=data.get("theme"),
        speeches=tuple(Speech(s["speaker"], s["text"]) for s in data.get("speeches") or ()),
    )


_MAX_BOUND = 900  # values bound in one statement: under SQLite's bound-parameter limit


def in_slices(values: Sequence) -> Iterator[tuple[list, str]]:
    """`values` in slices small enough to bind, each with its "?,?,…" placeholders for `IN (…)`."""
    for start in range(0, len(values), _MAX_BOUND):
        part = list(values[start : start + _MAX_BOUND])
        yield part, ",".join("?" * len(part))


def read_vectors(db: sqlite3.Connection, table: str, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
    """Stored float32 vectors by key from a (model, key, vector) table; missing keys are absent."""
    out: dict[str, np.ndarray] = {}
    for part, marks in in_slices(keys):
        for key, blob in db.execute(f"SELECT key, vector FROM {table} WHERE model = ? AND key IN ({marks})",
                                    [model, *part]):
            out[key] = np.frombuffer(blob, dtype=np.float32)
    return out


def write_vectors(db: sqlite3.Connection, table: str, model: str, vectors: dict[str, np.ndarray]) -> None:
    """Insert or replace vectors by key in a (model, key, vector) table (the caller owns the transaction)."""
    db.executemany(
        f"INSERT OR REPLACE INTO {table}(model, key, vector) VALUES (?, ?, ?)",
        [(model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()],
    )


def _filter_sql(filters: Filters) -> tuple[str, list]:
    """WHERE clause over `documents d` for the given filters."""
    clauses, params = ["1"], []
    if filters.kind:
        clauses.append("d.kind = ?")
        params.append(filters.kind)
    if filters.since:
        # A partial date ("2024-03") counts as its whole period: pad it past any day.
        clauses.append("d.date IS NOT NULL AND d.date || '-99' >= ?")
        params.append(filters.since)
    if filters.until:
        clauses.append("d.date IS NOT NULL AND d.date <= ?")
        params.append(filters.until + "-99")  # "until 2024" includes every day of 2024
    if filters.tags:
        marks = ",".join("?" * len(filters.tags))
        clauses.append(f"d.id IN (SELECT doc_id FROM document_tags WHERE tag IN ({marks}))")
        params.extend(filters.tags)
    if filters.doc_ids:
        marks = ",".join("?" * len(filters.doc_ids))
        clauses.append(f"d.id IN ({marks})")
        params.extend(filters.doc_ids)
    return " AND ".join(clauses), params


class Store:
    """One knowledge base's SQLite database (WAL mode, one transaction per document)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        try:
            migrate(self.db)
        except BaseException:
            self.close()
            raise

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection: Streamlit serves sessions from several threads, and a
        connection must not be shared between threads in the middle of a statement."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; rolls back on any exception (including KeyboardInterrupt)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ---- meta -------------------------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def generation(self) -> int:
        """Bumped by every change to the set of chunks; indexes record the generation they reflect."""
        return int(self.meta("generation", "0") or 0)

    def _bump_generation(self) -> None:
        self.set_meta("generation", str(self.generation + 1))

    @property
    def format_version(self) -> int:
        return FORMAT_VERSION

    # ---- documents --------------------------------------------------------------------------------
    def document_by_hash(self, content_hash: str) -> DocumentRecord | None:
        return self._one_document("d.content_hash = ?", [content_hash])

    def document_by_path(self, path: str) -> DocumentRecord | None:
        return self._one_document("d.path = ?", [path])

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self._one_document("d.id = ?", [doc_id])

    def find_documents(self, ref: str) -> list[DocumentRecord]:
        """Documents whose id starts with `ref`, or whose title or file name equals it."""
        exact = self.document(ref)
        if exact:
            return [exact]
        like = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self._documents(
            "d.id LIKE ? ESCAPE '\\' OR d.title = ? OR d.path = ? OR d.path LIKE ? ESCAPE '\\'",
            [like + "%", ref, ref, "%/" + like],
        )

    def documents(self, filters: Filters = Filters(), order: str = "date") -> list[DocumentRecord]:
        where, params = _filter_sql(filters)
        return self._documents(where, params, order)

    def document_text(self, doc_id: str) -> str:
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row["text"] if row else ""

    def document_pages(self, doc_id: str) -> list[dict]:
        row = self.db.execute("SELECT pages FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return json.loads(row["pages"]) if row else []

    def titles(self, doc_ids: set[str]) -> dict[str, str]:
        ids = list(doc_ids)
        marks = ",".join("?" * len(ids))
        return dict(self.db.execute(f"SELECT id, title FROM documents WHERE id IN ({marks})", ids).fetchall())

    def count_documents(self, kind: str | None = None) -> int:
        if kind is None:
            return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM documents WHERE kind = ?", (kind,)).fetchone()[0]

    def _one_document(self, where: str, params: list) -> DocumentRecord | None:
        found = self._documents(where, params)
        return found[0] if found else None

    _ORDER = {
        "date": "coalesce(d.date, '') DESC, d.title",
        "title": "d.title",
        "added": "d.added_at DESC, d.title",
    }

    def _documents(self, where: str, params: list, order: str = "date") -> list[DocumentRecord]:
        rows = self.db.execute(
            f"""SELECT d.id, d.title, d.kind, d.date, d.path, d.format, d.content_hash, d.added_at,
                       d.updated_at, d.minutes, d.metadata, d.warnings, d.pages, length(d.text) AS chars,
                       (SELECT count(*) FROM chunks c WHERE c.doc_id = d.id) AS chunk_count,
                       (SELECT group_concat(tag, char(31)) FROM document_tags t WHERE t.doc_id = d.id) AS tags
                FROM documents d WHERE {where} ORDER BY {self._ORDER.get(order, self._ORDER['date'])}""",
            params,
        ).fetchall()
        return [
            DocumentRecord(
                id=r["id"],
                title=r["title"],
                kind=r["kind"],
                date=r["date"],
                path=r["path"],
                format=r["format"],
                content_hash=r["content_hash"],
                tags=tuple(sorted(r["tags"].split("\x1f"))) if r["tags"] else (),
                chunk_count=r["chunk_count"],
                char_count=r["chars"],
                page_count=len(json.loads(r["pages"])),
                added_at=r["added_at"],
                updated_at=r["updated_at"],
                minutes=minutes_from_json(r["minutes"]),
                metadata=json.loads(r["metadata"]),
                warnings=tuple(json.loads(r["warnings"])),
            )
            for r in rows
        ]

    def insert_document(
        self,
        doc: Document,
        chunks: Sequence[Chunk],
        search_texts: Sequence[str],
        embed_keys: Sequence[str],
        tags: Sequence[str] = (),
        added_at: str | None = None,
    ) -> tuple[str, list[int]]:
        """Insert a document and its chunks (inside the caller's transaction); returns (id, chunk ids)."""
        doc_id = doc_id_for(doc.content_hash)
        stamp = now()
        self.db.execute(
            """INSERT INTO documents(id, content_hash, path, title, kind, date, format, text, pages,
                                     headings, minutes, metadata, warnings, added_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                doc_id,
                doc.content_hash,
                doc.path,
                doc.title,
                doc.kind,
                doc.date,
                doc.format,
                doc.text,
                json.dumps([[p.number, p.start, p.end] for p in doc.pages]),
                json.dumps([[h.start, h.level, h.title] for h in doc.headings], ensure_ascii=False),
                _minutes_to_json(doc.minutes),
                json.dumps(dict(doc.metadata), ensure_ascii=False),
                json.dumps(list(doc.warnings), ensure_ascii=False),
                added_at or stamp,
                stamp,
            ),
        )
        self.add_tags(doc_id, tags)
        ids = self._insert_chunks(doc_id, chunks, search_texts, embed_keys)
        self._bump_generation()
        return doc_id, ids

    def _insert_chunks(
        self, doc_id: str, chunks: Sequence[Chunk], search_texts: Sequence[str], embed_keys: Sequence[str]
    ) -> list[int]:
        ids = []
        for chunk, search_text, key in zip(chunks, search_texts, embed_keys, strict=True):
            cursor = self.db.execute(
                """INSERT INTO chunks(doc_id, ordinal, char_start, char_end, page_start, page_end,
                                      section, text, search_text, embed_key)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (doc_id, chunk.ordinal, chunk.start, chunk.end, chunk.page_start, chunk.page_end,
                 json.dumps(list(chunk.section), ensure_ascii=False), chunk.text, search_text, key),
            )
            ids.append(cursor.lastrowid)
        return ids

    def delete_document(self, doc_id: str) -> list[int]:
        """Delete a document and its chunks (inside the caller's transaction); returns the chunk ids."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        self._bump_generation()
        return ids

    def replace_chunks(
        self, doc_id: str, chunks: Sequence[Chunk], search_texts: Sequence[str], embed_keys: Sequence[str]
    ) -> tuple[list[int], list[int]]:
        """Swap a document's chunks for new ones (re-chunking); returns (old ids, new ids)."""
        old = [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
        self.db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        new = self._insert_chunks(doc_id, chunks, search_texts, embed_keys)
        self._bump_generation()
        return old, new

    def set_path(self, doc_id: str, path: str) -> None:
        self.db.execute("UPDATE documents SET path = ?, updated_at = ? WHERE id = ?", (path, now(), doc_id))

    def set_kind(self, doc_id: str, kind: str) -> None:
        self.db.execute("UPDATE documents SET kind = ?, updated_at = ? WHERE id = ?", (kind, now(), doc_id))

    def add_tags(self, doc_id: str, tags: Sequence[str]) -> bool:
        """Add tags; returns whether any was new."""
        before = self.db.total_changes
        self.db.executemany(
            "INSERT OR IGNORE INTO document_tags(doc_id, tag) VALUES (?, ?)",
            [(doc_id, t) for t in tags if t.strip()],
        )
        return self.db.total_changes > before

    def all_tags(self) -> list[tuple[str, int]]:
        return [
            (r[0], r[1])
            for r in self.db.execute("SELECT tag, count(*) FROM document_tags GROUP BY tag ORDER BY tag")
        ]

    # ---- chunks -----------------------------------------------------------------------------------
    _CHUNK_COLUMNS = """c.id, c.doc_id, c.ordinal, c.text, c.search_text, c.char_start, c.char_end,
                        c.page_start, c.page_end, c.section, c.embed_key"""

    @staticmethod
    def _chunk(r: sqlite3.Row) -> ChunkRecord:
        return ChunkRecord(
            id=r["id"],
            doc_id=r["doc_id"],
            ordinal=r["ordinal"],
            text=r["text"],
            search_text=r["search_text"],
            start=r["char_start"],
            end=r["char_end"],
            page_start=r["page_start"],
            page_end=r["page_end"],
            section=tuple(json.loads(r["section"])),
            embed_key=r["embed_key"],
        )

    def chunks(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """Chunks by id (missing ids are absent from the result)."""
        out: dict[int, ChunkRecord] = {}
        for part, marks in in_slices([int(i) for i in ids]):
            for r in self.db.execute(f"SELECT {self._CHUNK_COLUMNS} FROM chunks c WHERE c.id IN ({marks})", part):
                out[r["id"]] = self._chunk(r)
        return out

    def chunk_documents(self, ids: Sequence[int]) -> dict[int, str]:
        """The document id of each chunk (missing ids are absent), without reading the chunks' text."""
        out: dict[int, str] = {}
        for part, marks in in_slices([int(i) for i in ids]):
            out.update(self.db.execute(f"SELECT id, doc_id FROM chunks WHERE id IN ({marks})", part).fetchall())
        return out

    def chunks_of(self, doc_id: str) -> list[ChunkRecord]:
        rows = self.db.execute(
            f"SELECT {self._CHUNK_COLUMNS} FROM chunks c WHERE c.doc_id = ? ORDER BY c.ordinal", (doc_id,)
        )
        return [self._chunk(r) for r in rows]

    def iter_chunks(self, batch: int = 5000) -> Iterator[list[ChunkRecord]]:
        """All chunks in id order, in batches (for rebuilding indexes)."""
        last = -1
        while True:
            rows = self.db.execute(
                f"SELECT {self._CHUNK_COLUMNS} FROM chunks c WHERE c.id > ? ORDER BY c.id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            yield [self._chunk(r) for r in rows]
            last = rows[-1]["id"]

    def chunk_ids(self, filters: Filters = Filters()) -> np.ndarray:
        """Sorted ids of the chunks that pass the filters (both indexes filter fastest on sorted ids)."""
        where, params = _filter_sql(filters)
        rows = self.db.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE {where} ORDER BY c.id", params
        ).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def count_chunks(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    # ---- embeddings -------------------------------------------------------------------------------
    def embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return read_vectors(self.db, "embeddings", model, keys)

    def put_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        write_vectors(self.db, "embeddings", model, vectors)

    def drop_unused_embeddings(self, keep_model: str) -> int:
        """Forget vectors no chunk uses or that belong to another model; returns how many."""
        cursor = self.db.execute(
            "DELETE FROM embeddings WHERE model != ? OR key NOT IN (SELECT embed_key FROM chunks)", (keep_model,)
        )
        return cursor.rowcount

    # ---- ingest log -------------------------------------------------------------------------------
    def log_ingest(self, started_at: str, summary: dict) -> None:
        self.db.execute(
            "INSERT INTO ingest_runs(started_at, finished_at, summary) VALUES (?, ?, ?)",
            (started_at, now(), json.dumps(summary, ensure_ascii=False)),
        )

    def last_ingest(self) -> dict | None:
        row = self.db.execute(
            "SELECT started_at, finished_at, summary FROM ingest_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if not row:
            return None
        return {"started_at": row["started_at"], "finished_at": row["finished_at"], **json.loads(row["summary"])}

