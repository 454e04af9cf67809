"""Copying a whole knowledge base from one store into another (`kb migrate`), table by table.

The tables come from the record families (each family's TABLES; Store.tables() in copying order), and
both databases are checked against them first: a table that no family owns (added by a newer kb, or
by hand) stops the copy before anything is written, rather than being left behind silently. Rows keep
their ids, so the indexes the destination derives hold the same chunk ids and rank exactly as the
source's did. Everything is written in one transaction: an interrupted copy leaves the destination
as empty as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kb.errors import InvalidInput, KBError

if TYPE_CHECKING:
    from kb.store import Store

# Each database keeps its own record of the migrations applied to it.
PER_DATABASE_TABLES = frozenset({"_migrations"})
# Facts about the database itself, not about its contents: never copied, never overwritten.
PER_DATABASE_META = ("format_version", "instance")

Progress = Callable[[str, int], None]  # (table, rows copied so far)


class UnknownTables(KBError):
    """A database holds tables this kb does not know how to copy."""


def _check_tables(store: Store, owned: list[str]) -> None:
    present = set(store.backend.table_names()) - PER_DATABASE_TABLES
    unknown = sorted(present - set(owned))
    if unknown:
        raise UnknownTables(
            f"{store.describe()} 中有本版本 kb 不认识的表 {'、'.join(unknown)}：无法完整迁移，"
            "请用写入它们的 kb 版本（或更新版本）运行 kb migrate")
    missing = sorted(set(owned) - present)
    if missing:  # opening a store migrates it: a missing table means a family forgot its migration
        raise RuntimeError(f"tables {missing} owned by a record family are missing from {store.describe()}")


def is_empty(store: Store) -> bool:
    """Nothing was ever imported into or written by hand in the store (only what opening it creates)."""
    return (store.meta.model() == (None, None) and store.documents.count() == 0 and not store.lists.names()
            and not store.plans.years() and not store.sessions.all() and not store.accounts.all()
            and store.audit.count() == 0 and not store.roots.all())


def copy_store(source: Store, target: Store, progress: Progress | None = None) -> dict[str, int]:
    """Copy every table of `source` into the empty `target`; returns the rows copied per table.

    Both are open (so both are at this kb's format version). Counts are compared after the copy,
    inside its transaction: a difference rolls everything back.
    """
    if source.describe() == target.describe():
        raise InvalidInput("源知识库与目标知识库是同一个：请指定另一个目标")
    if source.format_version != target.format_version:
        raise KBError(f"两个知识库的格式版本不同（{source.format_version} 与 {target.format_version}）："
                      "请用同一版本的 kb 打开二者后重试")
    owned = source.tables()
    for store in (source, target):
        _check_tables(store, owned)
    if not is_empty(target):
        raise InvalidInput(f"目标知识库 {target.describe()} 不是空的：kb migrate 只复制到新建的空知识库，"
                           "请换一个新的数据目录或数据库")
    counts: dict[str, int] = {}
    with target.transaction():
        for table in reversed(owned):  # children first: clear what opening the target created
            target.backend.execute(f"DELETE FROM {table}" + _meta_filter(table))
        for table in owned:
            counts[table] = _copy_table(source, target, table, progress)
            target.backend.after_copy(table)
        for table in owned:
            copied = _count(target, table)
            if copied != _count(source, table):
                raise KBError(f"迁移后表 {table} 的行数不一致（源 {_count(source, table)}，目标 {copied}）："
                              "已撤销本次迁移，请确认源知识库此时无人写入后重试")
    return counts


def _meta_filter(table: str) -> str:
    if table != "meta":
        return ""
    return " WHERE key NOT IN (" + ", ".join(f"'{key}'" for key in PER_DATABASE_META) + ")"


def _count(store: Store, table: str) -> int:
    return int(store.backend.fetch_value(f"SELECT count(*) FROM {table}" + _meta_filter(table)))


def _copy_table(source: Store, target: Store, table: str, progress: Progress | None) -> int:
    columns = source.backend.columns(table)
    if sorted(columns) != sorted(target.backend.columns(table)):
        raise UnknownTables(f"表 {table} 在两个知识库中的列不同：无法迁移，请用同一版本的 kb 打开二者后重试")
    names = ", ".join(f'"{c}"' for c in columns)
    insert = f"INSERT INTO {table}({names}) VALUES ({', '.join('?' * len(columns))})"
    copied = 0
    # The source is read in batches while the target writes them: memory stays flat at any size.
    for rows in source.backend.stream(f"SELECT {names} FROM {table}{_meta_filter(table)}"):
        target.backend.executemany(insert, [tuple(row[c] for c in columns) for row in rows])
        copied += len(rows)
        if progress:
            progress(table, copied)
    return copied
