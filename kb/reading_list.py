"""Reading lists (学习清单): ordered documents and passages with notes, stored in the knowledge base."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from kb.errors import InvalidInput, NotFound
from kb.store import Store, now

OK, MISSING, CHANGED = "ok", "missing", "changed"


@dataclass(frozen=True)
class ReadingItem:
    """A whole document (start is None) or a passage of one, with the organiser's note."""

    id: int
    position: int  # 1-based
    doc_id: str
    title: str
    date: str | None
    kind: str
    start: int | None
    end: int | None
    page_start: int | None
    page_end: int | None
    section: tuple[str, ...]
    text: str | None  # the passage as it was when added
    note: str | None
    status: str  # OK, MISSING (document deleted) or CHANGED (passage no longer in the document)

    @property
    def is_passage(self) -> bool:
        return self.start is not None


@dataclass(frozen=True)
class ReadingList:
    id: int
    name: str
    topic: str | None
    description: str | None
    created_at: str
    updated_at: str
    items: tuple[ReadingItem, ...]


class ReadingLists:
    """Create, edit and read reading lists in a store."""

    def __init__(self, store: Store):
        self.store = store

    @property
    def db(self) -> sqlite3.Connection:
        return self.store.db

    # ---- lists ------------------------------------------------------------------------------------
    def create(self, name: str, topic: str | None = None, description: str | None = None) -> ReadingList:
        name = name.strip()
        if not name:
            raise InvalidInput("清单名称不能为空")
        stamp = now()
        try:
            with self.store.transaction():
                self.db.execute(
                    "INSERT INTO reading_lists(name, topic, description, created_at, updated_at) VALUES (?,?,?,?,?)",
                    (name, topic, description, stamp, stamp),
                )
        except sqlite3.IntegrityError:
            raise InvalidInput(f"已有名为“{name}”的学习清单，请换一个名称") from None
        return self.get(name)

    def names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM reading_lists ORDER BY updated_at DESC, name")]

    def all(self) -> list[ReadingList]:
        return [self.get(name) for name in self.names()]

    def _list_id(self, name: str) -> int:
        row = self.db.execute("SELECT id FROM reading_lists WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"没有名为“{name}”的学习清单：用 kb lists 查看已有清单")
        return row[0]

    def get(self, name: str) -> ReadingList:
        list_id = self._list_id(name)
        row = self.db.execute("SELECT * FROM reading_lists WHERE id = ?", (list_id,)).fetchone()
        items = self.db.execute(
            "SELECT * FROM reading_list_items WHERE list_id = ? ORDER BY position", (list_id,)
        ).fetchall()
        return ReadingList(
            id=row["id"],
            name=row["name"],
            topic=row["topic"],
            description=row["description"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            items=tuple(self._item(r) for r in items),
        )

    def update(self, name: str, *, new_name: str | None = None, topic: str | None = None,
               description: str | None = None) -> ReadingList:
        """Rename a list or change its topic/description (None leaves a field as it is)."""
        list_id = self._list_id(name)
        fields = {"name": new_name.strip() if new_name else None, "topic": topic, "description": description}
        changes = {k: v for k, v in fields.items() if v is not None}
        if not changes:
            return self.get(name)
        try:
            with self.store.transaction():
                sets = ", ".join(f"{k} = ?" for k in changes)
                self.db.execute(f"UPDATE reading_lists SET {sets}, updated_at = ? WHERE id = ?",
                                [*changes.values(), now(), list_id])
        except sqlite3.IntegrityError:
            raise InvalidInput(f"已有名为“{new_name}”的学习清单，请换一个名称") from None
        return self.get(changes.get("name", name))

    def delete(self, name: str) -> None:
        list_id = self._list_id(name)
        with self.store.transaction():
            self.db.execute("DELETE FROM reading_lists WHERE id = ?", (list_id,))

    # ---- items ------------------------------------------------------------------------------------
    def add_document(self, name: str, doc_id: str, note: str | None = None) -> ReadingItem:
        doc = self.store.document(doc_id)
        if doc is None:
            raise NotFound(f"找不到文档 {doc_id}")
        return self._append(name, doc_id, doc.title, doc.date, doc.kind, None, None, None, None, (), None, note)

    def add_passage(self, name: str, chunk_id: int, note: str | None = None) -> ReadingItem:
        chunk = self.store.chunks([chunk_id]).get(chunk_id)
        if chunk is None:
            raise NotFound(f"找不到片段 {chunk_id}：检索结果可能已过期，请重新检索")
        doc = self.store.document(chunk.doc_id)
        return self._append(name, doc.id, doc.title, doc.date, doc.kind, chunk.start, chunk.end,
                            chunk.page_start, chunk.page_end, chunk.section, chunk.text, note)

    def _append(self, name, doc_id, title, date, kind, start, end, page_start, page_end, section, text,
                note) -> ReadingItem:
        list_id = self._list_id(name)
        with self.store.transaction():
            position = self.db.execute(
                "SELECT coalesce(max(position), 0) + 1 FROM reading_list_items WHERE list_id = ?", (list_id,)
            ).fetchone()[0]
            cursor = self.db.execute(
                """INSERT INTO reading_list_items(list_id, position, doc_id, title, date, kind, char_start,
                       char_end, page_start, page_end, section, text, note, added_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (list_id, position, doc_id, title, date, kind, start, end, page_start, page_end,
                 json.dumps(list(section), ensure_ascii=False), text, note or None, now()),
            )
            self._touch(list_id)
        return self._item(self.db.execute("SELECT * FROM reading_list_items WHERE id = ?",
                                          (cursor.lastrowid,)).fetchone())

    def _item_row(self, name: str, item_id: int) -> sqlite3.Row:
        row = self.db.execute(
            "SELECT * FROM reading_list_items WHERE id = ? AND list_id = ?", (item_id, self._list_id(name))
        ).fetchone()
        if row is None:
            raise NotFound(f"学习清单“{name}”中没有条目 {item_id}")
        return row

    def annotate(self, name: str, item_id: int, note: str | None) -> None:
        row = self._item_row(name, item_id)
        with self.store.transaction():
            self.db.execute("UPDATE reading_list_items SET note = ? WHERE id = ?", (note or None, item_id))
            self._touch(row["list_id"])

    def remove(self, name: str, item_id: int) -> None:
        row = self._item_row(name, item_id)
        with self.store.transaction():
            self.db.execute("DELETE FROM reading_list_items WHERE id = ?", (item_id,))
            self._renumber(row["list_id"])

    def move(self, name: str, item_id: int, position: int) -> None:
        """Put an item at a 1-based position; the others keep their relative order."""
        row = self._item_row(name, item_id)
        list_id = row["list_id"]
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM reading_list_items WHERE list_id = ? ORDER BY position", (list_id,))]
        ids.remove(item_id)
        ids.insert(max(0, min(position - 1, len(ids))), item_id)
        with self.store.transaction():
            self._renumber(list_id, ids)

    def _renumber(self, list_id: int, ids: list[int] | None = None) -> None:
        if ids is None:
            ids = [r[0] for r in self.db.execute(
                "SELECT id FROM reading_list_items WHERE list_id = ? ORDER BY position", (list_id,))]
        self.db.executemany("UPDATE reading_list_items SET position = ? WHERE id = ?",
                            [(i, item) for i, item in enumerate(ids, start=1)])
        self._touch(list_id)

    def _touch(self, list_id: int) -> None:
        self.db.execute("UPDATE reading_lists SET updated_at = ? WHERE id = ?", (now(), list_id))

    # ---- status -----------------------------------------------------------------------------------
    def _item(self, r: sqlite3.Row) -> ReadingItem:
        status, start, end = self._status(r)
        return ReadingItem(
            id=r["id"],
            position=r["position"],
            doc_id=r["doc_id"],
            title=r["title"],
            date=r["date"],
            kind=r["kind"],
            start=start,
            end=end,
            page_start=r["page_start"],
            page_end=r["page_end"],
            section=tuple(json.loads(r["section"])),
            text=r["text"],
            note=r["note"],
            status=status,
        )

    def _status(self, r: sqlite3.Row) -> tuple[str, int | None, int | None]:
        """Whether the item's text is still there, and where (a replaced file may move a passage)."""
        text = self.store.document_text(r["doc_id"])
        if not text:
            return MISSING, r["char_start"], r["char_end"]
        start, end = r["char_start"], r["char_end"]
        if start is None or text[start:end] == r["text"]:
            return OK, start, end
        found = text.find(r["text"] or "")
        if r["text"] and found >= 0:
            return OK, found, found + len(r["text"])
        return CHANGED, start, end


def repoint_items(store: Store, old_doc_id: str, new_doc_id: str) -> None:
    """A file was replaced by a new version: its list items follow it (inside the caller's transaction)."""
    store.db.execute("UPDATE reading_list_items SET doc_id = ? WHERE doc_id = ?", (new_doc_id, old_doc_id))


def draft_reading_list(
    kb, name: str, topic: str, k: int = 8, filters=None, description: str | None = None
) -> ReadingList:
    """Draft a list for a topic: its k best documents, one passage each, for the organiser to edit."""
    from kb.store import Filters

    hits = kb.search(topic, k=k, per_doc=True, filters=filters or Filters())
    lists = kb.lists
    lists.create(name, topic=topic, description=description)
    for hit in hits:
        lists.add_passage(name, hit.chunk_id)
    return lists.get(name)


def to_export(lst: ReadingList):
    """The list as the export renderers' plain model."""
    from kb.export.model import ExportItem, ExportList

    return ExportList(
        name=lst.name,
        topic=lst.topic,
        description=lst.description,
        created=lst.created_at[:10],
        items=tuple(
            ExportItem(
                number=item.position,
                title=item.title,
                date=item.date,
                kind=item.kind,
                page_start=item.page_start,
                page_end=item.page_end,
                section=item.section,
                text=item.text,
                note=item.note,
                missing=item.status == MISSING,
            )
            for item in lst.items
        ),
    )
