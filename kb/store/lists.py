"""Reading lists and their items, in order; positions are allocated under the list's row lock."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from kb.clock import now
from kb.errors import NotFound
from kb.records import OK, NewReadingItem, ReadingItem
from kb.store.backend import Backend, Row

_EDITABLE = ("name", "topic", "description")


@dataclass(frozen=True)
class ListRow:
    """A reading list's own fields, without its items."""

    id: int
    name: str
    topic: str | None
    description: str | None
    created_at: str
    updated_at: str


def _item(r: Row) -> ReadingItem:
    """The item as stored; its status is worked out by the service that reads it (OK until then)."""
    return ReadingItem(
        id=r["id"], position=r["position"], doc_id=r["doc_id"], title=r["title"], date=r["date"], kind=r["kind"],
        start=r["char_start"], end=r["char_end"], page_start=r["page_start"], page_end=r["page_end"],
        section=tuple(json.loads(r["section"])), text=r["text"], note=r["note"], status=OK,
    )


class ReadingListRows:
    """The reading_lists and reading_list_items tables."""

    TABLES = ("reading_lists", "reading_list_items")  # what `kb migrate` copies, parents first

    def __init__(self, backend: Backend):
        self.db = backend

    # ---- lists ----------------------------------------------------------------------------------
    def create(self, name: str, topic: str | None, description: str | None) -> int:
        """A new empty list; Conflict if the name is taken."""
        stamp = now()
        return int(self.db.fetch_value(
            "INSERT INTO reading_lists(name, topic, description, created_at, updated_at) VALUES (?,?,?,?,?) "
            "RETURNING id", (name, topic, description, stamp, stamp)))

    def names(self) -> list[str]:
        """List names, the most recently changed first (within one second, the newest list first)."""
        return self.db.fetch_column("SELECT name FROM reading_lists ORDER BY updated_at DESC, id DESC")

    def id_of(self, name: str) -> int | None:
        return self.db.fetch_value("SELECT id FROM reading_lists WHERE name = ?", (name,))

    def get(self, list_id: int) -> ListRow | None:
        r = self.db.fetch_one(
            "SELECT id, name, topic, description, created_at, updated_at FROM reading_lists WHERE id = ?", (list_id,))
        return ListRow(r["id"], r["name"], r["topic"], r["description"], r["created_at"], r["updated_at"]) \
            if r else None

    def items(self, list_id: int) -> list[ReadingItem]:
        rows = self.db.fetch_all("SELECT * FROM reading_list_items WHERE list_id = ? ORDER BY position", (list_id,))
        return [_item(r) for r in rows]

    def item(self, list_id: int, item_id: int) -> ReadingItem | None:
        r = self.db.fetch_one("SELECT * FROM reading_list_items WHERE id = ? AND list_id = ?", (item_id, list_id))
        return _item(r) if r else None

    def update(self, list_id: int, **changes: str | None) -> None:
        """Set name, topic or description (Conflict if the new name is taken)."""
        unknown = set(changes) - set(_EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            self.db.execute(f"UPDATE reading_lists SET {sets}, updated_at = ? WHERE id = ?",
                            [*changes.values(), now(), list_id])

    def delete(self, list_id: int) -> None:
        self.db.execute("DELETE FROM reading_lists WHERE id = ?", (list_id,))

    # ---- items ----------------------------------------------------------------------------------
    def append(self, list_id: int, item: NewReadingItem) -> ReadingItem:
        """Add an item at the end. The position comes from one UPDATE … RETURNING on the list's row:
        two writers appending at once get different positions, under any isolation level."""
        with self.db.transaction():
            stamp = now()
            position = self.db.fetch_value(
                "UPDATE reading_lists SET last_position = last_position + 1, updated_at = ? WHERE id = ? "
                "RETURNING last_position", (stamp, list_id))
            if position is None:
                raise NotFound("学习清单已被删除：请刷新后重试")
            item_id = self.db.fetch_value(
                """INSERT INTO reading_list_items(list_id, position, doc_id, title, date, kind, char_start,
                       char_end, page_start, page_end, section, text, note, added_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id""",
                (list_id, position, item.doc_id, item.title, item.date, item.kind, item.start, item.end,
                 item.page_start, item.page_end, json.dumps(list(item.section), ensure_ascii=False), item.text,
                 item.note or None, stamp),
            )
            found = self.item(list_id, int(item_id))
        assert found is not None
        return found

    # An item edit returns whether the item was there: another process may have removed it after the
    # caller looked, and under the list's row lock that answer is the one that counts.
    def annotate(self, list_id: int, item_id: int, note: str | None) -> bool:
        with self.db.transaction():
            self._lock(list_id)
            return self.db.execute("UPDATE reading_list_items SET note = ? WHERE id = ? AND list_id = ?",
                                   (note or None, item_id, list_id)) > 0

    def remove(self, list_id: int, item_id: int) -> bool:
        with self.db.transaction():
            self._lock(list_id)
            if self.db.execute("DELETE FROM reading_list_items WHERE id = ? AND list_id = ?", (item_id, list_id)) == 0:
                return False
            self._renumber(list_id, self._ordered_ids(list_id))
            return True

    def move(self, list_id: int, item_id: int, position: int) -> bool:
        """Put an item at a 1-based position; the others keep their relative order."""
        with self.db.transaction():
            self._lock(list_id)
            ids = self._ordered_ids(list_id)
            if item_id not in ids:
                return False
            ids.remove(item_id)
            ids.insert(max(0, min(position - 1, len(ids))), item_id)
            self._renumber(list_id, ids)
            return True

    def forget_text_of(self, doc_id: str) -> int:
        """Blank the passages items copied from a document being purged (title and note stay, so
        the list still says what was there); returns how many items."""
        return self.db.execute("UPDATE reading_list_items SET text = NULL WHERE doc_id = ?", (doc_id,))

    def repoint(self, old_doc_id: str, new_doc_id: str) -> None:
        """A file was replaced by a new version: its items follow it (inside the caller's transaction)."""
        self.db.execute("UPDATE reading_list_items SET doc_id = ? WHERE doc_id = ?", (new_doc_id, old_doc_id))

    def _lock(self, list_id: int) -> None:
        """Touch the list's row first: writers to one list then queue on its row lock."""
        self.db.execute("UPDATE reading_lists SET updated_at = ? WHERE id = ?", (now(), list_id))

    def _ordered_ids(self, list_id: int) -> list[int]:
        return [int(i) for i in self.db.fetch_column(
            "SELECT id FROM reading_list_items WHERE list_id = ? ORDER BY position", (list_id,))]

    def _renumber(self, list_id: int, ids: Sequence[int]) -> None:
        self.db.executemany("UPDATE reading_list_items SET position = ? WHERE id = ?",
                            [(i, item) for i, item in enumerate(ids, start=1)])
        self.db.execute("UPDATE reading_lists SET last_position = ? WHERE id = ?", (len(ids), list_id))
