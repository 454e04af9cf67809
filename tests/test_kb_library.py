"""The knowledge base: store round trip, idempotent ingest, delete, filters, crash safety, model guard."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus

from kb.errors import FormatError, ModelMismatch, NotFound
from kb.library import KnowledgeBase
from kb.records import Filters


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "docs")


@pytest.fixture
def kb(kb_location, fake_encoder):
    with KnowledgeBase(kb_location, encoder=fake_encoder) as kb:
        yield kb


def test_ingest_reports_and_stores_documents(kb, corpus):
    report = kb.ingest([corpus["lianzheng"].parent])
    assert len(report.added) == 4 and not report.skipped
    docs = {d.title: d for d in kb.documents()}
    assert len(docs) == 4
    minutes = [d for d in docs.values() if d.kind == "minutes"]
    assert len(minutes) == 1 and minutes[0].minutes.host == "张建华"
    # GBK text was decoded correctly and the chunks cover it.
    fazhan = kb.document(report.added[[e.path for e in report.added].index(str(corpus["fazhan"]))].doc_id)
    assert "新质生产力" in kb.text(fazhan.id)
    assert any("新质生产力" in c.text for c in kb.chunks(fazhan.id))


def test_store_round_trip_after_reopen(kb_location, corpus):
    data = kb_location
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"]], tags=["廉政"])
        before = kb.search("八项规定", k=3)
        doc = kb.documents()[0]
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        again = kb.documents()[0]
        assert again == doc
        assert again.tags == ("廉政",)
        after = kb.search("八项规定", k=3)
    assert [(h.chunk_id, round(h.score, 5)) for h in before] == [(h.chunk_id, round(h.score, 5)) for h in after]
    assert "八项规定" in after[0].text


def test_reingest_unchanged_is_a_no_op(kb_location, corpus):
    data = kb_location
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        generation = kb.generation()
    encoder = FakeEncoder()
    with KnowledgeBase(data, encoder=encoder) as kb:
        report = kb.ingest([corpus["lianzheng"].parent])
        assert len(report.unchanged) == 4 and not report.added and not report.updated
        assert kb.generation() == generation
    assert encoder.calls == 0


def test_changed_file_replaces_old_version(kb, corpus):
    kb.ingest([corpus["lianzheng"]])
    old = kb.documents()[0]
    changed = corpus["lianzheng"].read_text(encoding="utf-8") + "\n三、新增一节关于巡察整改的内容。\n"
    corpus["lianzheng"].write_text(changed, encoding="utf-8")
    report = kb.ingest([corpus["lianzheng"]])
    assert len(report.updated) == 1
    docs = kb.documents()
    assert len(docs) == 1 and docs[0].id != old.id and docs[0].added_at == old.added_at
    assert kb.chunks(old.id) == []
    hits = kb.search("巡察整改", k=5)
    assert hits and all(h.doc_id == docs[0].id for h in hits)
    assert len(kb.indexes.dense) == kb.count_chunks() == len(kb.indexes.keyword)


def test_exact_duplicate_under_another_name_is_reported(kb, corpus, tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_bytes(corpus["lianzheng"].read_bytes())
    report = kb.ingest([corpus["lianzheng"], copy])
    assert len(report.added) == 1 and len(report.duplicates) == 1
    assert report.duplicates[0].path == str(copy)
    assert kb.count_documents() == 1


def test_moved_file_keeps_its_document(kb, corpus, tmp_path):
    kb.ingest([corpus["lianzheng"]])
    moved = tmp_path / "moved.txt"
    corpus["lianzheng"].rename(moved)
    report = kb.ingest([moved])
    assert len(report.updated) == 1 and "移动" in report.updated[0].note
    assert kb.documents()[0].path == str(moved)


def test_delete_removes_from_store_and_both_indexes(kb_location, corpus):
    data = kb_location
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        target = next(d for d in kb.documents() if "廉政" in d.title and d.kind == "theory")
        chunk_ids = [c.id for c in kb.chunks(target.id)]
        kb.delete(target.id)
        assert not np.isin(chunk_ids, kb.indexes.dense.ids()).any()
        assert not np.isin(chunk_ids, kb.indexes.keyword.ids()).any()
        assert all(h.doc_id != target.id for h in kb.search("党风廉政建设 八项规定", k=20))
        with pytest.raises(NotFound):
            kb.document(target.id)
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:  # and it stays deleted on disk
        assert target.id not in {d.id for d in kb.documents()}
        kb.refresh_indexes()  # the saved indexes, as the first search after opening reads them
        assert len(kb.indexes) == kb.count_chunks() > 0
        assert not np.isin(chunk_ids, kb.indexes.dense.ids()).any()


def test_filters_restrict_results(kb, corpus):
    kb.ingest([corpus["lianzheng"], corpus["fazhan"]], tags=["专题"])
    kb.ingest([corpus["minutes"], corpus["qunzhong"]])
    assert {h.kind for h in kb.search("党风廉政建设", k=20, filters=Filters(kind="minutes"))} == {"minutes"}
    assert {h.kind for h in kb.search("党风廉政建设", k=20, filters=Filters(kind="theory"))} == {"theory"}
    tagged = kb.search("发展", k=20, filters=Filters(tags=("专题",)))
    assert tagged and {h.doc_id for h in tagged} <= {d.id for d in kb.documents() if "专题" in d.tags}
    dated = kb.search("党风廉政建设", k=20, filters=Filters(since="2024-04", until="2024-04-30"))
    assert dated and {h.date for h in dated} == {"2024-04-12"}
    assert kb.search("党风廉政建设", k=20, filters=Filters(since="2030")) == []
    by_year = kb.search("党风廉政建设", k=20, filters=Filters(since="2024", until="2024"))
    assert by_year and {h.date for h in by_year} == {"2024-04-12"}
    assert kb.search("党风廉政建设", k=20, filters=Filters(until="2024-04-11")) == []
    one_doc = kb.documents()[0].id
    assert {h.doc_id for h in kb.search("发展", k=20, filters=Filters(doc_ids=(one_doc,)))} <= {one_doc}


def test_hits_carry_citation_and_marked_snippet(kb, corpus):
    kb.ingest([corpus["lianzheng"]])
    hit = kb.search("八项规定", k=1)[0]
    assert hit.title == "党风廉政建设学习辅导"
    assert hit.section and hit.section[0].startswith("一、")
    assert "【八项规定】" in hit.marked_snippet()
    assert hit.score > 0 and hit.kind == "theory"


def test_per_doc_returns_one_hit_per_document(kb, corpus):
    kb.ingest([corpus["lianzheng"].parent])
    hits = kb.search("党风廉政建设 发展 群众", k=10, per_doc=True)
    assert len({h.doc_id for h in hits}) == len(hits) >= 2


def test_empty_query_returns_nothing(kb, corpus):
    kb.ingest([corpus["lianzheng"]])
    assert kb.search("   ") == []


def test_model_mismatch_is_refused(kb_location, corpus):
    data = kb_location
    with KnowledgeBase(data, encoder=FakeEncoder(64)) as kb:
        kb.ingest([corpus["lianzheng"]])
    with pytest.raises(ModelMismatch, match="kb reindex --model hash-32"):
        KnowledgeBase(data, encoder=FakeEncoder(32))


def test_reindex_switches_model(kb_location, corpus):
    data = kb_location
    with KnowledgeBase(data, encoder=FakeEncoder(64)) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        result = kb.reindex(encoder=FakeEncoder(32))
        assert result["model"] == "hash-32"
    with KnowledgeBase(data, encoder=FakeEncoder(32)) as kb:
        kb.refresh_indexes()
        assert kb.indexes.dense.dim == 32 and len(kb.indexes) == kb.count_chunks()
        assert kb.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"


def test_newer_format_is_refused(tmp_path):
    data = tmp_path / "data"
    KnowledgeBase(data, encoder=FakeEncoder()).close()
    db = sqlite3.connect(data / "kb.sqlite3")
    db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    db.commit()
    db.close()
    with pytest.raises(FormatError, match="99"):
        KnowledgeBase(data, encoder=FakeEncoder())


def test_not_a_database_is_a_clear_error(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "kb.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(FormatError, match="不是有效的知识库数据库"):
        KnowledgeBase(data, encoder=FakeEncoder())


def test_crash_between_documents_leaves_consistent_store_and_resumes(kb_location, corpus, monkeypatch):
    from kb import ingesting

    data = kb_location
    real_commit = ingesting.Ingestor._commit
    calls = {"n": 0}

    def dying_commit(self, item, vectors):
        if calls["n"] == 2:
            raise KeyboardInterrupt  # killed after two documents were committed
        calls["n"] += 1
        real_commit(self, item, vectors)

    monkeypatch.setattr(ingesting.Ingestor, "_commit", dying_commit)
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb, pytest.raises(KeyboardInterrupt):
        kb.ingest([corpus["lianzheng"].parent])
    monkeypatch.setattr(ingesting.Ingestor, "_commit", real_commit)

    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        docs = kb.documents()
        assert len(docs) == 2
        # Every stored document has its chunks, and the indexes (never saved) are rebuilt to match:
        # all of them searchable by keywords, none yet by meaning (the kill came before the vectors).
        assert all(d.chunk_count > 0 for d in docs)
        kb.refresh_indexes()  # what the first search after opening does
        stored = np.sort(kb.store.chunks.ids())
        assert np.array_equal(np.sort(kb.indexes.keyword.ids()), stored)
        assert len(kb.indexes.dense) == 0 and kb.vectors_pending() == len(stored)
        report = kb.ingest([corpus["lianzheng"].parent])
        assert len(report.unchanged) == 2 and len(report.added) == 2
        assert kb.count_documents() == 4 and kb.vectors_pending() == 0
        stored = np.sort(kb.store.chunks.ids())
        assert np.array_equal(np.sort(kb.indexes.dense.ids()), stored)
        assert np.array_equal(np.sort(kb.indexes.keyword.ids()), stored)


def test_indexes_follow_changes_made_by_another_process(kb_location, corpus):
    data = kb_location
    reader = KnowledgeBase(data, encoder=FakeEncoder())
    writer = KnowledgeBase(data, encoder=FakeEncoder())
    writer.ingest([corpus["lianzheng"]])
    assert reader.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"
    writer.delete(writer.documents()[0].id)
    assert reader.search("八项规定", k=1) == []
    reader.close()
    writer.close()


def test_embeddings_are_kept_by_text_until_their_document_is_deleted(kb, corpus, tmp_path):
    kb.ingest([corpus["lianzheng"]])
    first = kb.encoder.texts_encoded
    moved = tmp_path / "改名后.txt"
    corpus["lianzheng"].rename(moved)
    kb.ingest([moved])  # the same text under another name: nothing encoded again
    kb.reindex()  # nor when rebuilding: the vectors come from the store
    assert kb.encoder.texts_encoded == first
    kb.delete(kb.documents()[0].id)  # deleting means gone: its vectors too …
    assert kb.store.backend.fetch_value("SELECT count(*) FROM embeddings") == 0
    kb.ingest([moved])  # … so importing it again encodes it again
    assert kb.encoder.texts_encoded == 2 * first


def test_stats(kb, corpus):
    kb.ingest([corpus["lianzheng"].parent])
    stats = kb.stats()
    assert (stats["documents"], stats["theory"], stats["minutes"]) == (4, 3, 1)
    assert stats["chunks"] == kb.count_chunks() > 0
    assert stats["model"] == "hash-64" and stats["dim"] == 64
    assert stats["last_ingest"]["added"] == 4
    json.dumps(stats, ensure_ascii=False)
