"""The store: the only place with SQL and database drivers. Everything above it sees records
(kb.records) and backend-neutral errors (kb.errors.Conflict, NotFound, StoreUnavailable, StoreDamaged).

    store = open_store(location)      # a folder → SQLite in <folder>/kb.sqlite3; postgresql://… → PostgreSQL
                                      #   (kb/store/postgres.py: a schema of a database, reached through a pool)
    store.documents / store.chunks / store.embeddings / store.lists / store.plans / store.sessions /
    store.meta / store.ingest_runs / store.accounts / store.logins / store.audit / store.roots /
    store.roster / store.twins / store.sync   # (the study record; near-duplicates; synced folders)
                                      # one record family each, each a small class with its SQL
    with store.transaction(): …       # several family calls in one transaction
    store.commit_document(…), store.delete_document(…), store.replace_chunks(…)
                                      # the cross-family steps the ingest workflow needs, each atomic

Record families are written once, in portable SQL, over a Backend (kb/store/backend.py). The rules
a family follows, so that every backend can run it unchanged:
- `?` placeholders only, and no `?` or `%` inside SQL string literals (a backend may translate
  placeholders); parameters are Python builtins (int, float, str, bytes, None), never numpy scalars.
- `INSERT … ON CONFLICT (…) DO UPDATE / DO NOTHING`, never `INSERT OR REPLACE/IGNORE`; `RETURNING`
  instead of `lastrowid`; no `PRAGMA`; no `group_concat`/`string_agg` (ask for the rows apart);
  `WHERE 1 = 1`, not `WHERE 1`; time stamps computed in Python (kb.clock.now) and bound as parameters.
- Counters that concurrent writers share (the generation, reading-list positions) are allocated with one
  `UPDATE … SET v = v + 1 … RETURNING v` (a row lock), never read and then written back.
- Rows are read by column name (`row["id"]`). Text is compared and ordered by code point.
- A family never catches driver errors: the backend translates them (see below).
- A family names the tables it owns in `TABLES`, parents before children, and Store.families() lists
  the families in dependency order: that is what `kb migrate` (kb/store/copy.py) copies, and a table
  no family owns makes it refuse to start rather than leave the table behind.

What a backend must provide (kb/store/backend.py states it as an abstract class; kb/store/sqlite.py
is the reference implementation):
- `dialect` (names kb/store/migrations/<dialect>.py, whose MIGRATIONS list holds the same migration
  names, in the same order, as every other dialect's: version N means the first N applied) and
  `max_params` (values bound in one statement).
- `execute(sql, params) -> rowcount`, `executemany(sql, rows)`, `fetch_all(sql, params) -> rows`
  (rows readable by column name, with keys()), and optionally faster `fetch_one`, `fetch_value`,
  `fetch_column`. Outside a transaction each statement commits on its own (autocommit).
- `_begin/_commit/_rollback` (and `_release`, e.g. to return a pooled connection): the base class
  builds the reentrant `transaction()` from them — the outermost block begins (taking the write lock:
  SQLite `BEGIN IMMEDIATE`), commits, or rolls back on any exception; nested blocks are savepoints.
  Inside a transaction every statement of that thread runs on the transaction's connection; a
  connection is never shared by two threads at once (SQLite: one per thread; PostgreSQL: a pool).
- Error translation: a unique or foreign-key violation → kb.errors.Conflict; a busy/locked database,
  a full disk, no permission → kb.errors.StoreUnavailable; a file or database that is not a
  knowledge base or is damaged → kb.errors.StoreDamaged — each one line of Chinese saying what to do,
  never "delete the file". Programming errors (bad SQL) stay as they are: they are bugs.
- `migration_lock()` (inside the migration transaction, so two processes do not migrate at once),
  `split_script(script)`, `size_bytes()`, `describe()` (where it is, without secrets), `close()`;
  for `kb migrate`, `table_names()`, `columns(table)`, `after_copy(table)` (let generated ids continue
  after copied ones) and optionally `stream()` (a large query in batches).
- Optionally change notices: `notify_change(generation)` inside the transaction that moved the
  generation, and `listen()` giving a feed that wakes other processes when it commits (PostgreSQL:
  NOTIFY/LISTEN); without them other processes poll the generation.
- Its schema: migrations under kb/store/migrations/<dialect>.py creating the same tables and columns
  (blob/bytea, autoincrement/identity and such spelled per dialect); a backend whose text ordering is
  not by code point creates its columns with a code-point collation (PostgreSQL: COLLATE "C").

Adding a backend = one module here + its migrations + a branch in `open_store`; the store test suite
(tests/test_store.py and the feature tests, parametrised by the tests' `store_backend` fixture, whose
STORE_BACKENDS list gains the new backend) then runs on it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.types import Chunk, Document
from kb.errors import InvalidInput
from kb.records import DocumentRecord
from kb.store.accounts import AccountRows
from kb.store.audit import AuditLog
from kb.store.backend import Backend, ChangeFeed
from kb.store.chunks import Chunks
from kb.store.documents import Documents
from kb.store.embeddings import Vectors
from kb.store.health import Health
from kb.store.ingest_runs import IngestRuns
from kb.store.lists import ReadingListRows
from kb.store.logins import LoginSessions
from kb.store.meta import Meta
from kb.store.migrate import migrate
from kb.store.migrations import migrations_for
from kb.store.plans import PlanRows
from kb.store.roots import ImportRoots
from kb.store.roster import RosterRows
from kb.store.sessions import SessionEdits
from kb.store.sqlite import SqliteBackend
from kb.store.sync import SyncRows
from kb.store.twins import TwinRows

DB_NAME = "kb.sqlite3"


@dataclass(frozen=True)
class Committed:
    """What committing one document changed: the chunk ids the indexes must drop and add."""

    doc_id: str
    replaced: DocumentRecord | None  # the old version of the file, if any
    removed: list[int]
    added: list[int]
    generation: int  # the store's generation after this commit


class Store:
    """One knowledge base's records, in one database behind one backend."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self.dialect = backend.dialect
        try:
            self.format_version = migrate(backend, migrations_for(backend.dialect))
        except BaseException:
            backend.close()
            raise
        self.meta = Meta(backend)
        self.documents = Documents(backend)
        self.chunks = Chunks(backend)
        self.embeddings = Vectors(backend, "embeddings")
        self.ingest_runs = IngestRuns(backend)
        self.lists = ReadingListRows(backend)
        self.plans = PlanRows(backend)
        self.sessions = SessionEdits(backend)
        self.accounts = AccountRows(backend)
        self.logins = LoginSessions(backend)
        self.audit = AuditLog(backend)
        self.roots = ImportRoots(backend)
        self.roster = RosterRows(backend)
        self.health = Health(backend)  # questions across the families for `kb check` (owns no table)
        self.twins = TwinRows(backend)
        self.sync = SyncRows(backend)

    def families(self) -> list[object]:
        """The record families, parents before children (a family's tables may refer to an earlier
        family's): the order `kb migrate` copies them in."""
        return [self.meta, self.documents, self.chunks, self.embeddings, self.ingest_runs, self.lists,
                self.plans, self.sessions, self.accounts, self.logins, self.audit, self.roots, self.roster,
                self.twins, self.sync]

    def tables(self) -> list[str]:
        """Every table the families own (each family's TABLES), in copying order."""
        return [table for family in self.families() for table in family.TABLES]  # type: ignore[attr-defined]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.backend.transaction():
            yield

    def generation(self) -> int:
        return self.meta.generation()

    def listen(self) -> ChangeFeed | None:
        """Notices of other processes' changes, where the backend sends them (else None: poll)."""
        return self.backend.listen()

    def close(self) -> None:
        self.backend.close()

    # ---- atomic steps across families -----------------------------------------------------------
    def commit_document(
        self,
        doc: Document,
        chunks: Sequence[Chunk],
        search_texts: Sequence[str],
        embed_keys: Sequence[str],
        tags: Sequence[str],
        vectors: tuple[str, dict[str, np.ndarray]],
        replaces: str | None = None,
    ) -> Committed:
        """Store a document, its chunks and their vectors (model, key → vector) in one transaction.

        A new version of a stored file (`replaces`: the old version's id) takes the old one's place:
        it keeps its tags and date of first import, and the reading-list items, session corrections,
        sign-ins, make-ups, study outputs and plan links that named the old version follow it.
        """
        with self.transaction():
            old = self.documents.get(replaces) if replaces else None
            removed: list[int] = []
            if old:
                removed = self.chunks.ids_of(old.id)
                self.documents.delete(old.id)
            doc_id = self.documents.insert(doc, [*(old.tags if old else ()), *tags],
                                           added_at=old.added_at if old else None)
            added = self.chunks.insert(doc_id, chunks, search_texts, embed_keys)
            if replaces:
                self.lists.repoint(replaces, doc_id)
                self.sessions.carry(replaces, doc_id)
                self.roster.carry(replaces, doc_id)
            model, by_key = vectors
            self.embeddings.put(model, by_key)
            generation = self.meta.bump_generation()
        return Committed(doc_id, old, removed, added, generation)

    def delete_document(self, doc_id: str, purge: bool = False) -> tuple[list[int], int]:
        """Delete a document, its chunks and the vectors no other chunk uses; returns (the chunk ids
        removed, the new generation). Reading-list items that named it stay, shown as deleted; with
        `purge` the passages they copied are blanked too (their title and note stay)."""
        with self.transaction():
            chunks = self.chunks.of(doc_id)
            self.documents.delete(doc_id)
            self.embeddings.drop_unused_keys([c.embed_key for c in chunks])
            if purge:
                self.lists.forget_text_of(doc_id)
            return [c.id for c in chunks], self.meta.bump_generation()

    def reclaim_space(self) -> None:
        """Rewrite the database so deleted rows leave no copy in free pages (outside any transaction)."""
        self.backend.reclaim_space()

    def replace_chunks(self, doc_id: str, chunks: Sequence[Chunk], search_texts: Sequence[str],
                       embed_keys: Sequence[str]) -> tuple[list[int], list[int], int]:
        """Swap a document's chunks for new ones (re-chunking); returns (old ids, new ids, generation)."""
        with self.transaction():
            old = self.chunks.ids_of(doc_id)
            self.chunks.delete_of(doc_id)
            new = self.chunks.insert(doc_id, chunks, search_texts, embed_keys)
            return old, new, self.meta.bump_generation()

    # ---- facts for `kb stats` -------------------------------------------------------------------
    def size_bytes(self) -> int:
        return self.backend.size_bytes()

    def describe(self) -> str:
        return self.backend.describe()


def is_database_url(location: str | Path) -> bool:
    """Whether `location` names a database server (scheme://…) rather than a data folder."""
    return isinstance(location, str) and "://" in location


def open_store(location: str | Path) -> Store:
    """The store at `location`: a folder holds SQLite (<folder>/kb.sqlite3); postgresql://… is a server."""
    if is_database_url(location):
        scheme = str(location).split("://", 1)[0].lower()
        if scheme in ("postgresql", "postgres"):
            from kb.store.postgres import PostgresBackend  # psycopg loads only for a server

            return Store(PostgresBackend(str(location)))
        raise InvalidInput(f"不认识的数据库地址 {scheme}://…：--data 应为本地数据目录或 postgresql://主机/数据库")
    folder = Path(location)
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"数据目录 {folder} 是一个文件：请用 --data 指定一个文件夹")
    folder.mkdir(parents=True, exist_ok=True)
    return Store(SqliteBackend(folder / DB_NAME))
