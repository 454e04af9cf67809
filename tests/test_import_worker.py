"""The import worker: imports queue behind each other, searches and other changes never wait for them,
a document is searchable by keywords when it is committed and by meaning once its vectors follow,
each person sees their own queue; hostile sizes are refused in one line."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus

from kb.access import Actor
from kb.errors import InvalidInput
from kb.library import MAX_QUERY_CHARS, MAX_UPLOAD_FILES, KnowledgeBase
from kb.reading import ChildReader

WAIT = 60  # seconds a test waits for a thread before it fails (never a timing assertion)


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "docs")


class GatedEncoder(FakeEncoder):
    """Encodes passages only once the gate opens (queries go through at once): the vectors stage of
    an import can be held while the test looks at what is searchable meanwhile."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def encode(self, texts, **kwargs):
        self.waiting.set()
        assert self.gate.wait(WAIT), "the test never opened the gate"
        return super().encode(texts, **kwargs)

    def encode_query(self, texts):
        return super().encode(texts)


def test_a_document_is_searchable_by_keywords_at_commit_and_by_meaning_when_its_vectors_follow(tmp_path, corpus):
    encoder = GatedEncoder()
    with KnowledgeBase(tmp_path / "data", encoder=encoder) as kb:
        job = kb.submit_ingest([corpus["lianzheng"].parent])
        assert encoder.waiting.wait(WAIT)  # every file read and committed; the vectors stage is held
        assert kb.import_job(job.id).state == "running" and kb.import_job(job.id).progress.stage == "vectors"
        assert kb.count_documents() == 4 and kb.vectors_pending() == kb.count_chunks() > 0
        hits = kb.search("八项规定", k=1)  # hybrid: the dense side has nothing yet, keywords answer
        assert hits[0].title == "党风廉政建设学习辅导"
        assert len(kb.indexes.dense) == 0
        encoder.gate.set()
        done = kb.import_job(job.id, wait=WAIT)
        assert done.state == "finished" and len(done.report.added) == 4 and done.report.encoded > 0
        assert kb.vectors_pending() == 0
        assert np.array_equal(np.sort(kb.indexes.dense.ids()), kb.store.chunks.ids())
        assert kb.search("八项规定", k=1, retriever="dense")


def test_searches_and_other_changes_never_wait_for_an_import(tmp_path, corpus, monkeypatch):
    """An import held in the middle of reading a file: another person's search, a reading-list change
    and another process's view all go ahead, and see the documents committed so far."""
    reading, release = threading.Event(), threading.Event()
    read = ChildReader.prepare

    def held_read(reader, path, *args):
        if "群众" in path.name:  # the third file: hold the import here
            reading.set()
            assert release.wait(WAIT)
        return read(reader, path, *args)

    monkeypatch.setattr(ChildReader, "prepare", held_read)
    data = tmp_path / "data"
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"]])  # something to search from the start
        job = kb.submit_ingest([corpus["lianzheng"].parent])
        assert reading.wait(WAIT)
        member = kb.acting_as(Actor("张三", "organiser"))
        assert member.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"
        member.lists.create("学习清单")  # a change under the write lock: the import does not hold it
        assert member.lists.names() == ["学习清单"]
        with KnowledgeBase(data, encoder=FakeEncoder()) as other:  # another process: the last committed state
            assert other.count_documents() == kb.count_documents() < 4
            assert other.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"
        assert kb.import_job(job.id).active
        release.set()
        assert kb.import_job(job.id, wait=WAIT).state == "finished"
        assert kb.count_documents() == 4 and kb.search("枫桥经验", k=1)[0].title == "群众工作与基层治理"


def test_imports_queue_in_order_and_each_person_sees_their_own(tmp_path, corpus, monkeypatch):
    reading, release = threading.Event(), threading.Event()
    read = ChildReader.prepare

    def held_read(reader, path, *args):
        reading.set()
        assert release.wait(WAIT)
        return read(reader, path, *args)

    monkeypatch.setattr(ChildReader, "prepare", held_read)
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        kb.roots.add(corpus["fazhan"].parent)  # on the network an administrator imports inside the roots
        li, wang = kb.acting_as(Actor("李四", "organiser")), kb.acting_as(Actor("王芳", "admin"))
        first = li.submit_upload([("甲.txt", "第一份材料\n\n坚持问题导向。".encode())])
        assert reading.wait(WAIT)
        second = wang.submit_ingest([corpus["fazhan"]])
        assert wang.import_job(second.id).state == "queued" and wang.import_job(second.id).ahead == 1
        assert [j.id for j in li.import_jobs()] == [first.id]  # each person sees their own
        assert [j.id for j in wang.import_jobs()] == [second.id]
        assert {j.id for j in wang.import_jobs(everyone=True)} == {first.id, second.id}  # an administrator all
        release.set()
        assert wang.import_job(second.id, wait=WAIT).state == "finished"
        assert li.import_job(first.id).state == "finished"
        audit = [(e.actor, e.action) for e in kb.audit.entries() if e.action.startswith("document.")]
        assert ("李四", "document.upload") in audit and ("王芳", "document.import") in audit


def test_a_failed_import_ends_as_one_line_and_the_worker_goes_on(tmp_path, corpus):
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        bad = kb.submit_ingest([corpus["lianzheng"]], kind="no-such-kind")
        good = kb.submit_ingest([corpus["lianzheng"]])
        failed = kb.import_job(bad.id, wait=WAIT)
        assert failed.state == "failed" and "文档类型 no-such-kind 无效" in failed.error and "\n" not in failed.error
        assert kb.import_job(good.id, wait=WAIT).state == "finished" and kb.count_documents() == 1


def test_a_member_is_refused_before_anything_is_queued(tmp_path):
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        member = kb.acting_as(Actor("张三", "member"))
        with pytest.raises(Exception, match="权限不足"):
            member.submit_upload([("甲.txt", b"text")])
        assert kb.import_jobs(everyone=True) == [] and not (kb.data_dir / "uploads").exists()
        assert [(e.actor, e.action, e.outcome) for e in kb.audit.entries()] == [("张三", "document.upload", "denied")]


def test_caps_on_query_length_and_files_per_upload(tmp_path, corpus):
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"]])
        with pytest.raises(InvalidInput, match=f"检索主题太长.*{MAX_QUERY_CHARS} 字以内"):
            kb.search("八项规定" * 100_000)
        assert kb.search("八项规定" * (MAX_QUERY_CHARS // 4), k=1)  # at the cap it is still a search
        files = [(f"{i}.txt", "学习材料".encode()) for i in range(MAX_UPLOAD_FILES + 1)]
        for upload in (kb.upload, kb.submit_upload):
            with pytest.raises(InvalidInput, match=f"超过上限 {MAX_UPLOAD_FILES} 个：请分批上传"):
                upload(files)
        assert not (kb.data_dir / "uploads").exists() and kb.import_jobs() == []


def test_vectors_left_undone_by_an_interrupted_import_are_completed_by_the_worker(tmp_path, corpus, monkeypatch):
    from kb import library

    monkeypatch.setattr(library, "backfill", lambda *args, **kwargs: 0)  # the import "ends" before its vectors
    data = tmp_path / "data"
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        assert kb.vectors_pending() == kb.count_chunks()
    monkeypatch.undo()
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        assert kb.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"  # by keywords meanwhile
        job = kb.submit_vectors()
        assert job is not None and job.label == "补算语义向量"
        assert kb.import_job(job.id, wait=WAIT).report.encoded == kb.count_chunks()
        assert kb.vectors_pending() == 0 and kb.submit_vectors() is None
        assert np.array_equal(np.sort(kb.indexes.dense.ids()), kb.store.chunks.ids())
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:  # and another process picks them up
        kb.refresh_indexes()
        assert np.array_equal(np.sort(kb.indexes.dense.ids()), kb.store.chunks.ids())


def test_closing_the_knowledge_base_stops_an_import_cleanly(tmp_path, corpus, monkeypatch, caplog):
    """Ctrl-C in `kb ingest`, or a server stopping: the running import stops at its next file, its
    documents so far kept, and the store is not closed under it (no traceback, one line in the job)."""
    reading, release = threading.Event(), threading.Event()
    read = ChildReader.prepare

    def held_read(reader, path, *args):
        if "群众" in path.name:
            reading.set()
            assert release.wait(WAIT)
        return read(reader, path, *args)

    monkeypatch.setattr(ChildReader, "prepare", held_read)
    data = tmp_path / "data"
    kb = KnowledgeBase(data, encoder=FakeEncoder())
    job = kb.submit_ingest([corpus["lianzheng"].parent])
    assert reading.wait(WAIT)
    closing = threading.Thread(target=kb.close)
    closing.start()
    release.set()
    closing.join(WAIT)
    assert not closing.is_alive()
    stopped = kb.import_job(job.id)  # still answered after closing: the queue is in memory
    assert stopped.state == "failed" and stopped.error.startswith("导入已中断") and "\n" not in stopped.error
    assert not [r for r in caplog.records if r.exc_info]  # nothing logged as a failure
    with KnowledgeBase(data, encoder=FakeEncoder()) as again:
        kept = again.count_documents()
        assert 0 < kept < 4 and again.check().ok
        monkeypatch.undo()
        assert len(again.ingest([corpus["lianzheng"].parent]).added) == 4 - kept  # the rerun carries on
        assert again.count_documents() == 4 and again.vectors_pending() == 0


def test_the_worker_runs_at_a_lower_cpu_priority_than_searches():
    import os
    import sys

    from kb.imports import IMPORT_NICENESS, ImportQueue
    from kb.records import IngestReport

    if not sys.platform.startswith("linux"):
        pytest.skip("a thread's own nice value is a Linux feature")
    seen = {}

    def work(progress):
        seen["worker"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return IngestReport()

    imports = ImportQueue()
    job = imports.submit("张三", "测试", work)
    assert imports.wait(job.id, WAIT).state == "finished"
    imports.close()
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert seen["worker"] == min(here + IMPORT_NICENESS, 19)  # this thread (a search's) is untouched
