"""The small database layer each backend implements once, so the record families above it are
written once in portable SQL (see kb/store/__init__.py for the contract in full)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

# A result row: read by column name only (row["id"], never row[0]); it also has keys(). sqlite3.Row
# and psycopg's dict rows both are.
Row = Mapping[str, Any]


class ChangeFeed(Protocol):
    """Notices that another process changed the store (a backend that can send them: PostgreSQL)."""

    def wait(self, timeout: float) -> bool:
        """Block until a notice comes (True) or `timeout` seconds pass (False)."""
        ...

    def close(self) -> None: ...


class Backend(ABC):
    """One database: connections, transactions, statements with `?` placeholders, error translation.

    Subclasses implement the abstract methods; `transaction()` is written here once: it is reentrant
    per thread, the outermost block begins and commits (or rolls back on any exception, including
    KeyboardInterrupt), and a nested block is a savepoint, so a caller that catches an error raised
    inside a nested block keeps the outer transaction usable (PostgreSQL aborts a whole transaction
    on an error unless a savepoint fences it off).
    """

    dialect: str  # names the migrations module: kb/store/migrations/<dialect>.py
    max_params: int = 900  # values bound in one statement (the families slice `IN (…)` lists by it)

    def __init__(self) -> None:
        self._tx = threading.local()

    # ---- statements -----------------------------------------------------------------------------
    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed (-1 when unknown)."""

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""

    @abstractmethod
    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query (or of an `… RETURNING` statement)."""

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        rows = self.fetch_all(sql, params)
        return rows[0] if rows else None

    def fetch_value(self, sql: str, params: Sequence[Any] = (), default: Any = None) -> Any:
        """The first column of the first row, or `default` when there is no row."""
        row = self.fetch_one(sql, params)
        return row[next(iter(row.keys()))] if row is not None else default

    def fetch_column(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The first column of every row."""
        return [row[next(iter(row.keys()))] for row in self.fetch_all(sql, params)]

    def stream(self, sql: str, params: Sequence[Any] = (), batch: int = 2000) -> Iterator[list[Row]]:
        """The rows of a large query in batches (a backend may keep memory flat with a cursor)."""
        rows = self.fetch_all(sql, params)
        for start in range(0, len(rows), batch):
            yield rows[start : start + batch]

    def in_slices(self, values: Sequence[Any]) -> Iterator[tuple[list[Any], str]]:
        """`values` in slices small enough to bind, each with its "?,?,…" placeholders for `IN (…)`."""
        for start in range(0, len(values), self.max_params):
            part = list(values[start : start + self.max_params])
            yield part, ",".join("?" * len(part))

    # ---- transactions ---------------------------------------------------------------------------
    @abstractmethod
    def _begin(self) -> None:
        """Start the outermost transaction, taking the write lock (SQLite: BEGIN IMMEDIATE)."""

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    def _release(self) -> None:
        """Called after the outermost transaction ended (a pool backend returns its connection)."""
        return None

    @property
    def in_transaction(self) -> bool:
        return getattr(self._tx, "depth", 0) > 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements of the block in one transaction on this thread's connection."""
        depth = getattr(self._tx, "depth", 0)
        if depth:
            name = f"kb_sp{depth}"
            self.execute(f"SAVEPOINT {name}")
            self._tx.depth = depth + 1
            try:
                yield
            except BaseException:
                try:
                    self.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    self.execute(f"RELEASE SAVEPOINT {name}")
                except Exception:  # noqa: BLE001, S110 - see below
                    # The database already rolled the whole transaction back (SQLite does on a full disk
                    # or an I/O error): the savepoint is gone, and the error to report is the first one.
                    pass
                raise
            finally:
                self._tx.depth = depth
            self.execute(f"RELEASE SAVEPOINT {name}")
            return
        self._begin()
        self._tx.depth = 1
        try:
            yield
        except BaseException:
            try:
                self._rollback()
            finally:
                self._tx.depth = 0
                self._release()
            raise
        try:
            self._commit()
        finally:
            self._tx.depth = 0
            self._release()

    def identity(self) -> str:
        """What tells this database apart from another at the same address (one dropped and created
        again, or restored from a dump): part of the name of an app server's folder for it."""
        return ""

    def migration_lock(self) -> None:
        """Inside the migration transaction: keep other processes from migrating at the same time.
        SQLite's BEGIN IMMEDIATE already does; PostgreSQL takes an advisory lock."""
        return None

    # ---- change notices -------------------------------------------------------------------------
    def notify_change(self, generation: int) -> None:
        """Inside the transaction that moved the generation: tell other processes when it commits.
        A backend without notices does nothing; its readers poll the generation."""
        return None

    def listen(self) -> ChangeFeed | None:
        """A feed of other processes' change notices, or None where there are none (poll instead)."""
        return None

    # ---- catalog (kb migrate copies table by table) ---------------------------------------------
    @abstractmethod
    def table_names(self) -> list[str]:
        """The knowledge base's tables, as the database lists them."""

    @abstractmethod
    def columns(self, table: str) -> list[str]:
        """A table's column names, in their order."""

    def after_copy(self, table: str) -> None:
        """Rows were inserted with explicit ids: let generated ids continue after them."""
        return None

    # ---- the rest -------------------------------------------------------------------------------
    @abstractmethod
    def split_script(self, script: str) -> list[str]:
        """A migration script as complete statements."""

    # ---- upkeep (kb check, kb backup, kb restore, kb delete --purge) -------------------------------
    def integrity_problems(self) -> list[str]:
        """What the database's own consistency check finds wrong (empty: nothing). A server database
        checks its pages itself; SQLite runs `PRAGMA integrity_check` and `foreign_key_check`."""
        return []

    def backup_to(self, target: Path) -> None:
        """Write a consistent copy of the whole database to the file `target` (while others may
        write). Only a single-file database can; a server's is backed up by its own tools."""
        raise NotImplementedError

    def restore_from(self, source: Path) -> None:
        """Replace this database's contents with the copy in `source` (written by backup_to)."""
        raise NotImplementedError

    def reclaim_space(self) -> None:  # noqa: B027 - optional: a backend without free pages to clear
        """Give the space of deleted rows back, so deleted text is not left in free pages (VACUUM)."""

    @abstractmethod
    def size_bytes(self) -> int:
        """How much space the database takes (for `kb stats`)."""

    @abstractmethod
    def describe(self) -> str:
        """Where the database is, for messages (a path, or a URL without its password)."""

    @abstractmethod
    def close(self) -> None:
        """Close every connection this backend opened."""
