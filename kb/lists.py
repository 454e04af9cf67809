"""Reading lists (学习清单): ordered documents and passages with notes, drafted from a topic or built by hand."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from ingest.types import THEORY
from kb.access import Guard, audited, mutation
from kb.drafting import choose
from kb.errors import Conflict, InvalidInput, NotFound
from kb.export import render_list
from kb.export.model import ExportList, SessionHeader, from_reading_list
from kb.records import CHANGED, MISSING, OK, Filters, Hit, NewReadingItem, ReadingItem, ReadingList

if TYPE_CHECKING:
    from kb.store import Store

Search = Callable[..., list[Hit]]  # search(query, *, k, filters, per_doc) -> hits


def export_model(store: Store, lst: ReadingList, *, unit: str | None = None,
                 session: SessionHeader | None = None) -> ExportList:
    """The list as the export renderers' model, its 公文 items cited with their 发文字号, with the
    optional issuing unit and session header."""
    docs = store.documents.many([item.doc_id for item in lst.items])
    numbers = {doc_id: doc.gongwen.number for doc_id, doc in docs.items() if doc.gongwen and doc.gongwen.number}
    return from_reading_list(lst, numbers, unit=unit, session=session)


def item_status(item: ReadingItem, text: str) -> ReadingItem:
    """The item with its status against its document's current text (a replaced file may move a passage)."""
    if not text:
        return replace(item, status=MISSING)
    if item.start is None or text[item.start:item.end] == item.text:
        return replace(item, status=OK)
    found = text.find(item.text or "")
    if item.text and found >= 0:
        return replace(item, status=OK, start=found, end=found + len(item.text))
    return replace(item, status=CHANGED)


class ReadingLists:
    """Create, edit, draft and read reading lists (kb.lists)."""

    def __init__(self, store: Store, guard: Guard, search: Search, draft_share: Callable[[], float] = lambda: 0.5):
        self.store = store
        self.guard = guard
        self._search = search
        self._draft_share = draft_share  # measured per model (kb.calibration), read when a draft is made

    # ---- reading --------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """List names, the most recently changed first."""
        return self.store.lists.names()

    def all(self) -> list[ReadingList]:
        return [self.get(name) for name in self.names()]

    def get(self, name: str) -> ReadingList:
        list_id = self._list_id(name)
        row = self.store.lists.get(list_id)
        if row is None:
            raise NotFound(f"没有名为“{name}”的学习清单：用 kb lists 查看已有清单")
        texts: dict[str, str] = {}
        items = []
        for item in self.store.lists.items(list_id):
            if item.doc_id not in texts:
                texts[item.doc_id] = self.store.documents.text(item.doc_id)
            items.append(item_status(item, texts[item.doc_id]))
        return ReadingList(id=row.id, name=row.name, topic=row.topic, description=row.description,
                           created_at=row.created_at, updated_at=row.updated_at, items=tuple(items))

    def _list_id(self, name: str) -> int:
        list_id = self.store.lists.id_of(name)
        if list_id is None:
            raise NotFound(f"没有名为“{name}”的学习清单：用 kb lists 查看已有清单")
        return list_id

    def _item(self, name: str, item_id: int) -> tuple[int, ReadingItem]:
        list_id = self._list_id(name)
        item = self.store.lists.item(list_id, item_id)
        if item is None:
            raise NotFound(f"学习清单“{name}”中没有条目 {item_id}")
        return list_id, item

    @audited("export", target="name")
    def export(self, name: str, fmt: str, *, unit: str | None = None, session: SessionHeader | None = None) -> bytes:
        """The list as a file to hand out (docx, md, csv or pdf), with an optional issuing unit and
        session header (时间/地点/主持/参加范围); the export is audited."""
        try:
            data = render_list(export_model(self.store, self.get(name), unit=unit, session=session), fmt)
        except ValueError as e:
            raise InvalidInput(str(e)) from e
        self.guard.note(f"学习清单（{fmt}）")
        return data

    @staticmethod
    def _gone(name: str, item_id: int) -> NotFound:
        """The item was there when looked up and gone when changed: another user removed it meanwhile."""
        return NotFound(f"学习清单“{name}”中的条目 {item_id} 刚被他人移除：请刷新后重试")

    # ---- lists ----------------------------------------------------------------------------------
    @mutation("list.create", target="name")
    def create(self, name: str, topic: str | None = None, description: str | None = None) -> ReadingList:
        name = name.strip()
        if not name:
            raise InvalidInput("清单名称不能为空")
        try:
            with self.store.transaction():
                self.store.lists.create(name, topic, description)
        except Conflict:
            raise InvalidInput(f"已有名为“{name}”的学习清单，请换一个名称") from None
        return self.get(name)

    @mutation("list.edit", target="name")
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
                self.store.lists.update(list_id, **changes)
        except Conflict:
            raise InvalidInput(f"已有名为“{new_name}”的学习清单，请换一个名称") from None
        return self.get(changes.get("name", name))

    @mutation("list.delete", target="name")
    def delete(self, name: str) -> None:
        list_id = self._list_id(name)
        with self.store.transaction():
            self.store.lists.delete(list_id)

    def picks(self, topic: str, k: int = 8, filters: Filters | None = None,
              uses: Mapping[str, int] | None = None) -> list[Hit]:
        """The documents (best passage each) a draft for `topic` would hold: those that match it well,
        at most k (kb.drafting); `uses` counts other lists a document is already in (a year plan)."""
        depth = k + len(uses or {}) + 5  # room for documents skipped as already used
        hits = self._search(topic, k=depth, per_doc=True, filters=filters or self.reading_filters())
        return choose(hits, share=self._draft_share(), limit=k, uses=uses)

    def reading_filters(self) -> Filters:
        """What a draft reads from unless told otherwise: theory texts — not minutes, not members' own
        study outputs — and minutes only when the knowledge base has nothing else."""
        return Filters(kind=THEORY) if self.store.documents.count(kind=THEORY) else Filters()

    @mutation("list.create", target="name")
    def draft(self, name: str, topic: str, k: int = 8, filters: Filters | None = None,
              description: str | None = None, uses: Mapping[str, int] | None = None,
              search_for: str | None = None) -> ReadingList:
        """Draft a list for a topic: the documents that match it well (at most k), one passage each,
        for the organiser to edit; empty when nothing matches well. `search_for` is the search run
        for it when that says more than the topic (a preset theme's own query)."""
        hits = self.picks(search_for or topic, k, filters, uses)
        self.create(name, topic=topic, description=description)
        for hit in hits:
            self.add_passage(name, hit.chunk_id)
        return self.get(name)

    # ---- items ----------------------------------------------------------------------------------
    @mutation("list.edit", target="name")
    def add_document(self, name: str, doc_id: str, note: str | None = None) -> ReadingItem:
        doc = self.store.documents.get(doc_id)
        if doc is None:
            raise NotFound(f"找不到文档 {doc_id}")
        return self._append(name, NewReadingItem(doc.id, doc.title, doc.date, doc.kind, note=note))

    @mutation("list.edit", target="name")
    def add_passage(self, name: str, chunk_id: int, note: str | None = None) -> ReadingItem:
        chunk = self.store.chunks.get([chunk_id]).get(chunk_id)
        doc = self.store.documents.get(chunk.doc_id) if chunk else None
        if chunk is None or doc is None:
            raise NotFound(f"找不到片段 {chunk_id}：检索结果可能已过期，请重新检索")
        return self._append(name, NewReadingItem(doc.id, doc.title, doc.date, doc.kind, chunk.start, chunk.end,
                                          chunk.page_start, chunk.page_end, chunk.section, chunk.text, note))

    def _append(self, name: str, item: NewReadingItem) -> ReadingItem:
        added = self.store.lists.append(self._list_id(name), item)
        return item_status(added, self.store.documents.text(added.doc_id))

    @mutation("list.edit", target="name")
    def annotate(self, name: str, item_id: int, note: str | None) -> None:
        list_id, _ = self._item(name, item_id)
        if not self.store.lists.annotate(list_id, item_id, note):
            raise self._gone(name, item_id)

    @mutation("list.edit", target="name")
    def remove(self, name: str, item_id: int) -> ReadingItem:
        """Remove an item; returns it, so that `restore` can undo the removal."""
        list_id, item = self._item(name, item_id)
        if not self.store.lists.remove(list_id, item_id):
            raise self._gone(name, item_id)
        return item

    @mutation("list.edit", target="name")
    def restore(self, name: str, item: ReadingItem) -> ReadingItem:
        """Undo a removal: the item (as `remove` returned it) back at its position, with its note
        and the passage it held (under a new item id)."""
        list_id = self._list_id(name)
        with self.store.transaction():
            added = self.store.lists.append(list_id, NewReadingItem(
                item.doc_id, item.title, item.date, item.kind, item.start, item.end, item.page_start,
                item.page_end, item.section, item.text, item.note))
            self.store.lists.move(list_id, added.id, item.position)
        return next(i for i in self.get(name).items if i.id == added.id)

    @mutation("list.edit", target="name")
    def move(self, name: str, item_id: int, position: int) -> None:
        """Put an item at a 1-based position; the others keep their relative order."""
        list_id, _ = self._item(name, item_id)
        if not self.store.lists.move(list_id, item_id, position):
            raise self._gone(name, item_id)
