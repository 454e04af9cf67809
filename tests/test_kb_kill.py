"""A real SIGKILL in the middle of an import leaves a consistent knowledge base, and a rerun resumes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
from conftest import REPO, FakeEncoder

from kb.library import KnowledgeBase

# Ingest in a child process whose encoder is slow, so the parent can kill it between commits.
CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[3])
    from conftest import FakeEncoder
    from kb import ingesting
    from kb.library import KnowledgeBase

    read = ingesting.read_document

    def slow_read(*args, **kwargs):  # slow enough for the parent to kill the child between commits
        time.sleep(0.3)
        return read(*args, **kwargs)

    ingesting.read_document = slow_read
    KnowledgeBase(sys.argv[1], encoder=FakeEncoder()).ingest([sys.argv[2]])
    """
)


def _documents_committed(db_path) -> int:
    try:
        with sqlite3.connect(db_path, timeout=5) as db:
            return db.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_import(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(20):
        (docs / f"学习材料{i:02d}.txt").write_text(
            f"第{i}篇学习材料\n\n一、要点\n" + f"关于第{i}个专题的学习体会和工作思路。" * 30, encoding="utf-8"
        )
    data = tmp_path / "data"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(data), str(docs), str(REPO / "tests")],
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 120
    while _documents_committed(data / "kb.sqlite3") < 3 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed_at = _documents_committed(data / "kb.sqlite3")
    assert 3 <= killed_at < 20, "the child should have been killed part-way"

    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        assert kb.count_documents() == killed_at
        assert all(d.chunk_count > 0 for d in kb.documents())  # no document without its chunks
        kb.refresh_indexes()  # what the first search after opening does
        stored = kb.store.chunks.ids()
        assert np.array_equal(np.sort(kb.indexes.keyword.ids()), stored)  # every document by keywords
        assert len(kb.indexes.dense) == 0  # killed before the vectors stage
        report = kb.ingest([docs])
        assert len(report.unchanged) == killed_at and len(report.added) == 20 - killed_at
        stored = kb.store.chunks.ids()
        assert np.array_equal(np.sort(kb.indexes.dense.ids()), stored)  # the rerun encoded the rest too
        assert kb.search("第7个专题", k=1)[0].title == "第7篇学习材料"
