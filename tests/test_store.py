"""The store's record families on every backend: round trips, Conflict, transactions, safe counters."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from ingest.types import Chunk, Document, Heading, MinutesInfo, Page
from kb.errors import Conflict, NotFound
from kb.records import Filters, NewReadingItem, PageSpan, SessionEdit
from kb.store import open_store
from kb.store.migrations import migrations_for


@pytest.fixture
def store(kb_location):
    store = open_store(kb_location)
    yield store
    store.close()


def document(name: str, text: str, *, kind: str = "theory", date: str | None = "2024-03-01", **extra) -> Document:
    return Document(path=f"/docs/{name}.txt", title=name, text=text, kind=kind, date=date,
                    content_hash=f"{name:0<16}"[:16] + "0" * 48, format="txt", **extra)


def chunks_of(text: str, size: int = 10) -> list[Chunk]:
    return [Chunk(i, text[start:start + size], start, min(start + size, len(text)), None, None, ("一、",))
            for i, start in enumerate(range(0, len(text), size))]


def commit(store, doc: Document, tags=(), replaces=None, model="m"):
    chunks = chunks_of(doc.text)
    keys = [f"{doc.title}-{c.ordinal}" for c in chunks]
    vectors = {k: np.full(4, i, dtype=np.float32) for i, k in enumerate(keys)}
    return store.commit_document(doc, chunks, [c.text for c in chunks], keys, tags, (model, vectors),
                                 replaces=replaces)


def test_a_new_store_is_at_the_current_format_version(store):
    assert store.format_version == len(migrations_for(store.backend.dialect))
    names = [[name for name, _ in migrations_for(dialect)] for dialect in ("sqlite", "postgresql")]
    assert names[0] == names[1]  # every dialect has the same migrations in the same order
    assert store.generation() == 0
    assert store.meta.model() == (None, None) and store.meta.settings() is None


def test_documents_chunks_and_tags_round_trip(store):
    minutes = MinutesInfo(date="2024-04-12", host="张建华", attendees=("张建华", "李明"), theme="廉政")
    doc = document("纪要", "第一页的文字。第二页的文字。", kind="minutes", date="2024-04-12", minutes=minutes,
                   pages=(Page(1, 0, 7), Page(2, 7, 14)), headings=(Heading(0, 1, "一、"),))
    committed = commit(store, doc, tags=["学习", "学习", " "])
    assert committed.generation == store.generation() == 1 and committed.replaced is None
    record = store.documents.get(committed.doc_id)
    assert (record.title, record.kind, record.tags, record.chunk_count) == ("纪要", "minutes", ("学习",), 2)
    assert record.minutes == minutes and record.page_count == 2 and record.char_count == len(doc.text)
    assert store.documents.pages(record.id) == [PageSpan(1, 0, 7), PageSpan(2, 7, 14)]
    assert store.documents.source(record.id) == doc
    assert store.documents.text(record.id) == doc.text
    assert store.documents.find(record.id[:5]) == [record] == store.documents.find("纪要")
    assert store.documents.find("/docs/纪要.txt") == [record] and store.documents.find("纪要.txt") == [record]
    assert store.documents.find("50%_") == []  # LIKE wildcards in a reference are taken literally
    assert [c.text for c in store.chunks.of(record.id)] == ["第一页的文字。第二页", "的文字。"]
    assert store.chunks.ids().tolist() == committed.added == store.chunks.ids_of(record.id)
    assert store.chunks.documents_of(committed.added + [999]) == dict.fromkeys(committed.added, record.id)
    assert store.documents.add_tags(record.id, ["学习"]) is False
    with store.transaction():
        assert store.documents.add_tags(record.id, ["新标签"]) is True
    assert store.documents.all_tags() == [("学习", 1), ("新标签", 1)]
    assert store.embeddings.get("m", [f"纪要-{i}" for i in range(3)]).keys() == {"纪要-0", "纪要-1"}


def test_filters_select_documents_and_chunks(store):
    commit(store, document("甲", "甲的正文内容", date="2023-05-01"), tags=["专题"])
    commit(store, document("乙", "乙的正文内容", date="2024-07-09", kind="minutes"))
    commit(store, document("丙", "丙的正文内容", date=None))
    titles = lambda f: [d.title for d in store.documents.matching(f, order="title")]  # noqa: E731
    assert titles(Filters()) == ["丙", "乙", "甲"]
    assert titles(Filters(kind="minutes")) == ["乙"]
    assert titles(Filters(since="2024")) == ["乙"] and titles(Filters(until="2023")) == ["甲"]
    assert titles(Filters(since="2023-05", until="2023-05")) == ["甲"]
    assert titles(Filters(tags=("专题", "没有"))) == ["甲"]
    only = store.documents.matching(Filters(kind="minutes"))[0].id
    assert set(store.chunks.documents_of(store.chunks.ids(Filters(doc_ids=(only,))).tolist()).values()) == {only}
    assert [d.title for d in store.documents.matching()] == ["乙", "甲", "丙"]  # newest date first, undated last
    assert store.documents.count() == 3 and store.documents.count("minutes") == 1


def test_a_new_version_replaces_the_old_and_takes_its_items_and_corrections(store):
    old = commit(store, document("v1", "第一版的正文"), tags=["旧标签"])
    list_id = store.lists.create("清单", None, None)
    store.lists.append(list_id, NewReadingItem(old.doc_id, "v1", None, "theory"))
    with store.transaction():
        store.sessions.put(SessionEdit(old.doc_id, host="王芳"))
    new = commit(store, document("v2", "第二版的正文，多了一句。"), tags=["新标签"], replaces=old.doc_id)
    assert new.replaced.id == old.doc_id and new.removed == old.added and new.generation == 2
    assert store.documents.get(old.doc_id) is None and store.chunks.ids_of(old.doc_id) == []
    record = store.documents.get(new.doc_id)
    assert record.tags == ("新标签", "旧标签") and record.added_at == new.replaced.added_at
    assert [i.doc_id for i in store.lists.items(list_id)] == [new.doc_id]
    assert store.sessions.get(new.doc_id).host == "王芳" and store.sessions.get(old.doc_id) is None
    removed, generation = store.delete_document(new.doc_id)
    assert removed == new.added and generation == 3 and store.chunks.count() == 0


def test_unique_names_raise_conflict_not_a_driver_error(store):
    store.lists.create("清单", "主题", None)
    with pytest.raises(Conflict):
        store.lists.create("清单", None, None)
    store.plans.create(2026, "", "", None, [], [])
    with pytest.raises(Conflict):
        store.plans.create(2026, "", "", None, [], [])
    assert store.lists.names() == ["清单"] and store.plans.years() == [2026]


def test_a_failed_transaction_leaves_nothing_and_a_nested_one_rolls_back_alone(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.lists.create("甲", None, None)
        raise RuntimeError("interrupted")
    assert store.lists.names() == []
    with store.transaction():
        store.lists.create("乙", None, None)
        with pytest.raises(Conflict), store.transaction():  # a savepoint: only this part is undone
            store.lists.create("丙", None, None)
            store.lists.create("乙", None, None)
        store.lists.create("丁", None, None)
    assert sorted(store.lists.names()) == ["丁", "乙"]


def test_list_items_keep_positions_one_to_n(store):
    list_id = store.lists.create("清单", None, None)
    items = [store.lists.append(list_id, NewReadingItem(f"d{i}", f"第{i}篇", None, "theory", note=f"注{i}"))
             for i in range(4)]
    assert [i.position for i in items] == [1, 2, 3, 4]
    store.lists.move(list_id, items[3].id, 1)
    store.lists.remove(list_id, items[1].id)
    store.lists.annotate(list_id, items[0].id, "")
    after = store.lists.items(list_id)
    assert [(i.title, i.position) for i in after] == [("第3篇", 1), ("第0篇", 2), ("第2篇", 3)]
    assert after[1].note is None
    assert store.lists.append(list_id, NewReadingItem("d9", "第9篇", None, "theory")).position == 4
    store.lists.delete(list_id)
    with pytest.raises(NotFound):
        store.lists.append(list_id, NewReadingItem("d9", "第9篇", None, "theory"))


def test_an_item_another_writer_removed_is_reported_not_counted_twice(store):
    """Two users remove, move or annotate one item at once: the store answers under the list's row lock."""
    list_id = store.lists.create("清单", None, None)
    first, second = (store.lists.append(list_id, NewReadingItem(f"d{i}", f"第{i}篇", None, "theory")) for i in (1, 2))
    assert store.lists.remove(list_id, first.id) is True
    assert store.lists.remove(list_id, first.id) is False
    assert store.lists.move(list_id, first.id, 1) is False and store.lists.annotate(list_id, first.id, "注") is False
    assert store.lists.move(list_id, second.id, 1) is True and store.lists.annotate(list_id, second.id, "注") is True
    assert [(i.title, i.position, i.note) for i in store.lists.items(list_id)] == [("第2篇", 1, "注")]


def _in_threads(count: int, work) -> None:
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            work(n)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_concurrent_writers_never_share_a_generation_or_a_position(kb_location):
    """Each thread has its own connection: the counters must hold under concurrent transactions."""
    store = open_store(kb_location)
    list_id = store.lists.create("清单", None, None)
    generations: list[int] = []
    positions: list[int] = []

    def work(n: int) -> None:
        for i in range(10):
            with store.transaction():
                generations.append(store.meta.bump_generation())
            positions.append(store.lists.append(list_id, NewReadingItem(f"d{n}-{i}", "题", None, "theory")).position)

    _in_threads(4, work)
    assert sorted(generations) == list(range(1, 41)) and store.generation() == 40
    assert sorted(positions) == list(range(1, 41))
    assert [i.position for i in store.lists.items(list_id)] == list(range(1, 41))
    store.close()


def test_plans_months_and_linked_lists(store):
    list_id = store.lists.create("三月清单", "廉政", None)
    store.lists.append(list_id, NewReadingItem("d", "篇", None, "theory"))
    plan_id = store.plans.create(2026, "", "主线", "县委", ["一月主题", "二月主题"], ["专题研讨"])
    store.plans.set_month(plan_id, 3, theme="廉政", list_id=list_id, note="备注")
    store.plans.update(plan_id, title="标题")
    plan = store.plans.get(plan_id)
    assert (plan.year, plan.title, plan.main_line, plan.unit) == (2026, "标题", "主线", "县委")
    assert [(m.theme, m.format) for m in plan.months[:3]] == [("一月主题", "专题研讨"), ("二月主题", "集中学习"),
                                                             ("廉政", "集中学习")]
    assert (plan.month(3).list_name, plan.month(3).readings, plan.month(3).note) == ("三月清单", 1, "备注")
    store.lists.delete(list_id)  # the month keeps its theme and loses the list
    assert store.plans.get(plan_id).month(3).list_name is None
    store.plans.delete(plan_id)
    assert store.plans.get(plan_id) is None and store.plans.id_of(2026) is None


def test_session_edits_and_vectors(store):
    with store.transaction():
        store.sessions.put(SessionEdit("a", theme="", attendees=()))
        store.sessions.put(SessionEdit("b", host="甲", speakers=("乙", "丙")))
    assert store.sessions.get("a") == SessionEdit("a", theme="", attendees=())  # blanks are corrections too
    assert store.sessions.get("b").speakers == ("乙", "丙")
    with store.transaction():
        store.sessions.put(SessionEdit("b"))  # nothing left to correct: forgotten
    assert list(store.sessions.all()) == ["a"]
    with store.transaction():
        store.embeddings.put("m", {"k1": np.ones(3, np.float32), "k2": np.zeros(3, np.float32)})
        store.embeddings.put("m", {"k1": np.full(3, 2, np.float32)})
        store.embeddings.put("other", {"k1": np.ones(3, np.float32)})
    found = store.embeddings.get("m", ["k1", "k2", "k3"])
    assert sorted(found) == ["k1", "k2"] and found["k1"].tolist() == [2, 2, 2]
    with store.transaction():
        assert store.embeddings.drop_unused("m") == 3  # no chunk uses them, or another model made them
    assert store.embeddings.get("m", ["k1"]) == {}


def test_an_old_sqlite_database_migrates_keeping_its_counters(tmp_path):
    """A format-3 data directory (before counters) opens, migrates to the latest format, and carries on counting."""
    from kb.store.migrate import migrate
    from kb.store.sqlite import SqliteBackend

    backend = SqliteBackend(tmp_path / "kb.sqlite3")
    assert migrate(backend, migrations_for("sqlite")[:3]) == 3
    backend.execute("INSERT INTO meta(key, value) VALUES ('generation', '7')")
    backend.execute("INSERT INTO reading_lists(id, name, created_at, updated_at) VALUES (1, '旧清单', 'x', 'x')")
    for position in (1, 2):
        backend.execute("INSERT INTO reading_list_items(list_id, position, doc_id, title, kind, added_at) "
                        "VALUES (1, ?, 'd', '题', 'theory', 'x')", (position,))
    backend.close()
    store = open_store(tmp_path)
    latest = len(migrations_for("sqlite"))
    assert store.format_version == latest and store.meta.get("format_version") == str(latest)
    assert store.generation() == 7 and store.meta.get("generation") is None
    assert store.lists.append(1, NewReadingItem("d", "题", None, "theory")).position == 3
    store.close()


def test_a_damaged_database_file_is_one_clear_line(tmp_path):
    from kb.errors import StoreDamaged

    (tmp_path / "kb.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreDamaged, match="不是有效的知识库数据库") as caught:
        open_store(tmp_path)
    assert "删除" not in str(caught.value) and "\n" not in str(caught.value)


def test_an_unknown_database_url_is_one_line_and_makes_no_folder(tmp_path, monkeypatch):
    from kb.errors import InvalidInput
    from kb.library import KnowledgeBase

    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInput, match="mysql://"):
        open_store("mysql://127.0.0.1/test")
    with pytest.raises(InvalidInput, match="postgresql://"):
        KnowledgeBase("mysql://127.0.0.1/test")
    assert list(tmp_path.iterdir()) == []  # no folder named after the URL


def test_a_file_is_not_a_data_directory(tmp_path):
    from kb.errors import InvalidInput

    path = Path(tmp_path / "file")
    path.write_text("x")
    with pytest.raises(InvalidInput, match="是一个文件"):
        open_store(path)


def test_a_database_with_a_later_migration_gets_an_earlier_one_it_lacks(tmp_path):
    """Migrations apply by name: a database made while 007 was on main but 006 was not gets 006 on open."""
    from kb.store.migrate import migrate
    from kb.store.sqlite import SqliteBackend

    names = migrations_for("sqlite")
    backend = SqliteBackend(tmp_path / "kb.sqlite3")
    migrate(backend, [m for m in names if m[0] != "006_study_record"])
    backend.close()
    store = open_store(tmp_path)
    assert store.format_version == len(names) and "members" in store.backend.table_names()
    store.roster.add_member("李明", "县长", None, None)
    assert [m.name for m in store.roster.members()] == ["李明"]
    store.close()
