"""The derived indexes: refreshed only when asked, each chunk indexed once, a commit during a catch-up
not lost, damaged files rebuilt from the store."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus

from index.dense import DenseIndex
from index.keyword import BM25Params, KeywordIndex
from kb.indexes import Indexes
from kb.library import KnowledgeBase


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "docs")


def in_step(kb: KnowledgeBase) -> bool:
    """Both indexes hold exactly the store's chunks."""
    stored = kb.store.chunks.ids()
    return (np.array_equal(np.sort(kb.indexes.dense.ids()), stored)
            and np.array_equal(np.sort(kb.indexes.keyword.ids()), stored))


def test_reading_the_indexes_never_syncs_them(kb_location, corpus):
    reader = KnowledgeBase(kb_location, encoder=FakeEncoder())
    writer = KnowledgeBase(kb_location, encoder=FakeEncoder())
    writer.ingest([corpus["lianzheng"]])
    before = len(reader.indexes)
    assert len(reader.indexes) == before == 0 and not reader.indexes.loaded  # a property read changes nothing
    reader.refresh_indexes()
    assert len(reader.indexes) == writer.count_chunks() > 0 and in_step(reader)
    reader.close()
    writer.close()


def test_each_imported_chunk_is_indexed_once(kb_location, corpus, monkeypatch):
    added = {"dense": [], "keyword": []}
    dense_add, keyword_add = DenseIndex.add, KeywordIndex.add_tokenized

    def count_dense(self, ids, vectors):
        added["dense"].extend(np.asarray(ids).tolist())
        return dense_add(self, ids, vectors)

    def count_keyword(self, ids, tokens):  # every keyword add, tokenized here or by the caller, ends here
        added["keyword"].extend(np.asarray(ids).tolist())
        return keyword_add(self, ids, tokens)

    monkeypatch.setattr(DenseIndex, "add", count_dense)
    monkeypatch.setattr(KeywordIndex, "add_tokenized", count_keyword)
    with KnowledgeBase(kb_location, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        stored = kb.store.chunks.ids().tolist()
        assert sorted(added["dense"]) == stored == sorted(added["keyword"])  # no id added twice
        assert in_step(kb) and kb.indexes.generation == kb.generation()


def test_a_commit_landing_during_a_catch_up_is_caught_up_next_time(kb_location, corpus):
    """The refresh reads the generation before catching up: a document another process commits in the
    middle of the catch-up is not marked as included, so the next refresh adds it."""
    reader = KnowledgeBase(kb_location, encoder=FakeEncoder())
    writer = KnowledgeBase(kb_location, encoder=FakeEncoder())
    reader.refresh_indexes()
    writer.ingest([corpus["lianzheng"]])
    vectors_for = reader.embeddings.stored_of_chunks
    interleaved = []

    def vectors_while_another_process_commits(records):
        if not interleaved:  # after the store's chunks were listed, before the generation is recorded
            interleaved.append(writer.ingest([corpus["fazhan"]]))
        return vectors_for(records)

    assert reader.indexes.refresh(reader.store, vectors_while_another_process_commits)
    assert interleaved and len(interleaved[0].added) == 1
    assert not in_step(reader)  # the new document is not in the indexes yet …
    assert reader.indexes.generation < reader.generation()  # … and the indexes do not claim it is
    reader.refresh_indexes()
    assert in_step(reader) and reader.indexes.generation == reader.generation()
    assert reader.search("新质生产力", k=1)[0].title == "推动经济高质量发展的几点思考"
    reader.close()
    writer.close()


def test_apply_adds_a_commit_once_and_never_claims_a_gap(tmp_path):
    indexes = Indexes(tmp_path / "index", "fake-4", 4, BM25Params())
    indexes.loaded, indexes.generation = True, 5

    def apply(ids: list[int], generation: int) -> None:
        vectors = np.eye(4, dtype=np.float32)[: len(ids)]
        indexes.apply(np.zeros(0, np.int64), np.array(ids, np.int64), [f"文本{i}" for i in ids], generation,
                      dense=(np.array(ids, np.int64), vectors))

    apply([1, 2], 6)  # the commit right after what the indexes hold
    assert indexes.dense.ids().tolist() == [1, 2] and indexes.generation == 6
    apply([3], 6)  # a refresh already caught up past it: nothing to add
    assert indexes.dense.ids().tolist() == [1, 2]
    apply([4], 8)  # generation 7 (another process) is missing: searchable now, but the gap stays owed
    assert indexes.dense.ids().tolist() == indexes.keyword.ids().tolist() == [1, 2, 4]
    assert indexes.generation == 6


@pytest.mark.parametrize("damage", ["empty ids", "bad manifest", "truncated faiss", "missing keyword"])
def test_damaged_index_files_are_rebuilt_from_the_store(tmp_path, corpus, damage):
    data = tmp_path / "data"
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
    index = data / "index"
    if damage == "empty ids":
        next(index.glob("dense/ids.*.npy")).write_bytes(b"")
    elif damage == "bad manifest":
        (index / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "truncated faiss":
        path = next(index.glob("dense/vectors.*.faiss"))
        path.write_bytes(path.read_bytes()[:50])
    else:
        for path in index.glob("keyword/*"):
            if path.is_file():
                path.unlink()
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        assert kb.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"
        assert in_step(kb)
