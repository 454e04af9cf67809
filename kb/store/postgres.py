"""The PostgreSQL backend: a psycopg 3 connection pool, `?` placeholders translated, errors translated,
and change notices (LISTEN/NOTIFY) so other app processes catch their indexes up at once.

A knowledge base lives in one schema of one database: the first schema of the connection's
search_path (`public` unless the URL says otherwise, e.g. `?options=-csearch_path%3Dkb_county`), so
psql and pg_dump accept the same URL. The password belongs in ~/.pgpass or PGPASSWORD, not the URL;
messages never show it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache, wraps
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool, PoolTimeout

from kb.errors import Conflict, StoreDamaged, StoreUnavailable
from kb.store.backend import Backend, ChangeFeed, Row

T = TypeVar("T")

CHANNEL = "kb_changes"  # one channel per database; a notice's payload names the schema and the generation
POOL_MAX = 10  # connections per process: Streamlit serves each browser session from its own thread
POOL_WAIT = 30.0  # seconds a thread waits for a free connection before the user is told to retry
CONNECT_TIMEOUT = 10  # seconds to reach the server
_LOCK_KEY = 0x6B62  # "kb": the advisory lock's first key; the second is the schema's hash


@lru_cache(maxsize=1024)
def to_pyformat(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled). Families keep both characters out of
    their string literals (kb/store/__init__.py), so this never changes a literal."""
    return sql.replace("%", "%%").replace("?", "%s")


def _translated(method: Callable[..., T]) -> Callable[..., T]:
    """Run a database call; driver errors become backend-neutral ones (see PostgresBackend.translate)."""

    @wraps(method)
    def wrapper(self: PostgresBackend, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (psycopg.Error, PoolTimeout) as e:
            raise self.translate(e) from e

    return wrapper


def safe_description(url: str) -> str:
    """The URL as a person may see it: user, host, port, database and schema; never the password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://（地址格式不对）"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host') or ''}{port}/{parts.get('dbname') or ''}"


class PostgresBackend(Backend):
    """A schema in a PostgreSQL database, reached through a pool of autocommit connections; a
    transaction holds one connection of the pool on its thread until it ends."""

    dialect = "postgresql"
    max_params = 20_000  # the protocol allows 65,535 values in a statement

    def __init__(self, url: str, pool_max: int = POOL_MAX):
        super().__init__()
        self.url = url
        self._where = safe_description(url)
        try:
            self.conninfo = make_conninfo(url, connect_timeout=conninfo_to_dict(url).get("connect_timeout")
                                          or CONNECT_TIMEOUT, application_name="kb")
        except psycopg.ProgrammingError as e:
            raise StoreUnavailable(
                f"数据库地址 {self._where} 格式不对（{e}）：应为 postgresql://用户@主机:端口/数据库") from e
        self.schema = self._check_server()
        self._pool: ConnectionPool = ConnectionPool(
            self.conninfo, min_size=1, max_size=pool_max, timeout=POOL_WAIT, num_workers=2, open=False,
            kwargs={"autocommit": True, "row_factory": dict_row}, name="kb",
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except PoolTimeout as e:
            self._pool.close()
            raise self.translate(e) from e

    @_translated
    def _check_server(self) -> str:
        """Connect once to say clearly what is wrong (no server, no such database, no schema, not
        UTF-8) before the pool starts; returns the knowledge base's schema."""
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            row = conn.execute(
                "SELECT current_setting('server_encoding'), current_schema(), "
                "(SELECT oid FROM pg_database WHERE datname = current_database()), "
                "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())").fetchone()
        assert row is not None
        encoding, schema, database_oid, schema_oid = row
        # A database or schema restored from a dump, or dropped and created again, gets new ids.
        self._identity = f"{database_oid}.{schema_oid}"
        if encoding.upper() not in ("UTF8", "UTF-8"):
            raise StoreUnavailable(f"数据库 {self._where} 的编码是 {encoding}，无法保存中文：请用 "
                                   "CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0 建一个 UTF8 数据库")
        if schema is None:
            raise StoreUnavailable(f"数据库 {self._where} 中没有可用的模式（search_path 所指的模式不存在）："
                                   "请先 CREATE SCHEMA，或改用已有的模式")
        return str(schema)

    # ---- connections ----------------------------------------------------------------------------
    def _connection(self) -> Any:
        """A context giving this thread's transaction connection, or a pooled one for one statement."""
        conn = getattr(self._tx, "conn", None)
        if conn is not None:
            return _Borrowed(conn)
        return self._pool.connection()

    def close(self) -> None:
        self._pool.close()

    # ---- statements -----------------------------------------------------------------------------
    @staticmethod
    def _sql(sql: str, params: Sequence[Any]) -> str:
        return to_pyformat(sql) if params else sql

    @_translated
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._connection() as conn:
            return int(conn.execute(self._sql(sql, params), params or None).rowcount)

    @_translated
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self._connection() as conn, conn.cursor() as cur:
            cur.executemany(to_pyformat(sql), rows)

    @_translated
    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._connection() as conn:
            return conn.execute(self._sql(sql, params), params or None).fetchall()

    @_translated
    def fetch_value(self, sql: str, params: Sequence[Any] = (), default: Any = None) -> Any:
        with self._connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            row = cur.execute(self._sql(sql, params), params or None).fetchone()
        return row[0] if row is not None else default

    @_translated
    def fetch_column(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            return [row[0] for row in cur.execute(self._sql(sql, params), params or None)]

    def stream(self, sql: str, params: Sequence[Any] = (), batch: int = 2000) -> Iterator[list[Row]]:
        """Rows of a large query in batches, from a server-side cursor (memory stays flat)."""
        try:
            with self._pool.connection() as conn, conn.transaction(), \
                    conn.cursor(name="kb_stream", row_factory=dict_row) as cur:
                cur.execute(self._sql(sql, params), params or None)
                while rows := cur.fetchmany(batch):
                    yield list(rows)
        except (psycopg.Error, PoolTimeout) as e:
            raise self.translate(e) from e

    # ---- transactions ---------------------------------------------------------------------------
    @_translated
    def _begin(self) -> None:
        conn = self._pool.getconn()
        try:
            conn.execute("BEGIN")
        except BaseException:
            self._pool.putconn(conn)
            raise
        self._tx.conn = conn

    @_translated
    def _commit(self) -> None:
        self._tx.conn.execute("COMMIT")

    def _rollback(self) -> None:
        conn = self._tx.conn
        if conn.closed or conn.broken:
            return  # the server ended the transaction with the connection
        try:
            conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the error being raised already says what went wrong; the pool discards a bad connection

    def _release(self) -> None:
        conn = getattr(self._tx, "conn", None)
        self._tx.conn = None
        if conn is not None:
            self._pool.putconn(conn)

    def identity(self) -> str:
        return self._identity

    def migration_lock(self) -> None:
        self.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (_LOCK_KEY, self.schema))

    # ---- change notices -------------------------------------------------------------------------
    def notify_change(self, generation: int) -> None:
        """Tell other processes the generation moved (sent when the caller's transaction commits)."""
        self.execute("SELECT pg_notify(?, ?)", (CHANNEL, f"{self.schema} {generation}"))

    def listen(self) -> ChangeFeed:
        return _NoticeFeed(self.conninfo, self.schema)

    # ---- catalog (kb migrate) -------------------------------------------------------------------
    def table_names(self) -> list[str]:
        return self.fetch_column(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' "
            "ORDER BY table_name", (self.schema,))

    def columns(self, table: str) -> list[str]:
        return self.fetch_column(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", (self.schema, table))

    def after_copy(self, table: str) -> None:
        """Rows were copied in with their ids: move each identity sequence past the largest id, and
        gather the table's statistics now (the planner would otherwise guess until autovacuum runs)."""
        for column in self.fetch_column(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "AND (is_identity = 'YES' OR column_default LIKE 'nextval%')", (self.schema, table)):
            self.execute(
                f'SELECT setval(pg_get_serial_sequence(?, ?), (SELECT coalesce(max("{column}"), 0) + 1 '
                f'FROM "{table}"), false)', (f'"{self.schema}"."{table}"', column))
        self.execute(f'ANALYZE "{table}"')

    # ---- the rest -------------------------------------------------------------------------------
    def reclaim_space(self) -> None:
        """VACUUM FULL rewrites the tables a purge touched, so deleted rows leave no copy in their
        pages (it locks each table briefly; autovacuum alone only marks the space reusable)."""
        for table in ("documents", "document_tags", "chunks", "embeddings", "reading_list_items"):
            self.execute(f"VACUUM FULL {table}")

    def split_script(self, script: str) -> list[str]:
        """A script without parameters runs as one simple query: PostgreSQL splits it itself."""
        return [script.strip()]

    def size_bytes(self) -> int:
        return int(self.fetch_value(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind IN ('r', 'm')",
            (self.schema,)))

    def describe(self) -> str:
        return self._where if self.schema == "public" else f"{self._where}（模式 {self.schema}）"

    def translate(self, error: Exception) -> Exception:
        """A psycopg error as the backend-neutral error a user can act on; programming errors (bad
        SQL, a missing table) are returned unchanged: they are bugs, not conditions."""
        where = self.describe() if hasattr(self, "schema") else self._where
        text = " ".join(str(error).split())
        if isinstance(error, PoolTimeout):
            return StoreUnavailable(
                f"数据库 {where} 的连接全部占用或无法连接，等待超时：请稍后重试，或检查数据库服务器")
        if isinstance(error, psycopg.IntegrityError):
            return Conflict(f"与已有记录冲突（{text}）")
        if isinstance(error, pg_errors.DiskFull):
            return StoreUnavailable(f"数据库服务器磁盘空间已满，无法写入 {where}：请联系数据库管理员清理空间后重试")
        if isinstance(error, pg_errors.InsufficientPrivilege):
            return StoreUnavailable(f"数据库用户没有读写 {where} 的权限（{text}）：请数据库管理员授权后重试")
        if isinstance(error, (pg_errors.DataCorrupted, pg_errors.IndexCorrupted)):
            return StoreDamaged(f"数据库 {where} 的数据已损坏（{text}）：请数据库管理员检查并从备份恢复")
        if isinstance(error, (pg_errors.DeadlockDetected, pg_errors.SerializationFailure,
                              pg_errors.LockNotAvailable, pg_errors.QueryCanceled)):
            return StoreUnavailable(f"数据库 {where} 正忙，本次操作未完成：请稍后重试")
        if isinstance(error, pg_errors.InvalidSchemaName):
            return StoreUnavailable(f"数据库 {where} 中没有可用的模式（{text}）：请先 CREATE SCHEMA，或改用已有的模式")
        if isinstance(error, psycopg.OperationalError):
            lower = text.lower()
            if "does not exist" in lower and "database" in lower:
                return StoreUnavailable(f"数据库服务器上没有数据库 {where}（{text}）：请先 CREATE DATABASE，"
                                        "或检查 --data 中的数据库名")
            if "password" in lower or "authentication" in lower:
                return StoreUnavailable(
                    f"无法登录数据库 {where}（{text}）：请检查用户名，密码放在 ~/.pgpass 或 PGPASSWORD")
            return StoreUnavailable(f"无法连接数据库 {where}（{text}）：请检查数据库服务器是否运行、地址与端口是否正确")
        return error


class _Borrowed:
    """The transaction's own connection, used like a pooled one (`with … as conn`) but kept."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def __enter__(self) -> psycopg.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        return None


class _NoticeFeed:
    """LISTEN on a connection of its own: wait() returns as soon as another process commits a change
    to this schema. A lost connection is reopened on the next wait (which then reports a change, so
    the caller checks the generation: notices sent while it was away are not lost)."""

    def __init__(self, conninfo: str, schema: str):
        self.conninfo = conninfo
        self.prefix = f"{schema} "
        self._conn: psycopg.Connection | None = None

    def _connect(self) -> psycopg.Connection:
        conn = psycopg.connect(self.conninfo, autocommit=True)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def wait(self, timeout: float) -> bool:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = self._connect()
                return True
            changed = False
            for notice in self._conn.notifies(timeout=timeout, stop_after=1):
                changed = changed or notice.payload.startswith(self.prefix)
            for notice in self._conn.notifies(timeout=0):  # drain what queued up meanwhile
                changed = changed or notice.payload.startswith(self.prefix)
            return changed
        except psycopg.Error:
            self.close()
            time.sleep(timeout)  # the server is away: try again after a pause, not in a tight loop
            return True

    def close(self) -> None:
        """Called by the thread that waits (a psycopg connection is not closed from another thread
        while it waits on it)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
