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
    from kb.library import KnowledgeBase
    from kb.reading import ChildReader

    read = ChildReader.prepare

    def slow_read(*args, **kwargs):  # slow enough for the parent to kill the child between commits
        time.sleep(0.3)
        return read(*args, **kwargs)

    ChildReader.prepare = slow_read
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


# The import `kb ingest` runs, slowed so that a kill at a random moment lands anywhere in it: opening,
# reading and committing documents, computing vectors a few passages per commit, saving the indexes.
SLOW_CLI = textwrap.dedent(
    """
    import sys, time
    from index import hashing
    from kb import backfill, cli
    from kb.reading import ChildReader

    read, encode = ChildReader.prepare, hashing.HashingEncoder.encode

    def slow_read(*args, **kwargs):
        time.sleep(0.1)
        return read(*args, **kwargs)

    def slow_encode(self, texts, **kwargs):
        time.sleep(0.03 * len(texts))
        return encode(self, texts, **kwargs)

    ChildReader.prepare, hashing.HashingEncoder.encode, backfill.BATCH = slow_read, slow_encode, 4
    open(sys.argv[3], "w").close()  # the libraries are loaded: the import itself starts now
    sys.exit(cli.main(["--data", sys.argv[1], "ingest", sys.argv[2]]))
    """
)


def test_seeded_kills_at_random_points_lose_and_duplicate_nothing(tmp_path):
    """Ten SIGKILLs at seeded random moments of an import; after each, `kb check` passes; each
    rerun carries on; the last run completes with every document stored once and searchable."""
    import random

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(30):
        (docs / f"材料{i:02d}.txt").write_text(
            f"第{i}篇材料\n\n关于专题{i:02d}号的学习体会。" + "".join(f"第{i}篇第{j}段的论述。\n" for j in range(40)),
            encoding="utf-8")
    data = tmp_path / "data"
    first = tmp_path / "第一篇.txt"
    first.write_text("第一篇材料\n\n开始之前已有的一篇。", encoding="utf-8")
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:  # records the tests' model, opened by name in the child
        kb.ingest([first])
    seed = random.Random(14)
    states = []
    for _ in range(10):
        started = tmp_path / "started"
        started.unlink(missing_ok=True)
        child = subprocess.Popen([sys.executable, "-c", SLOW_CLI, str(data), str(docs), str(started)],
                                 env={**os.environ, "PYTHONPATH": str(REPO)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not started.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # however long loading the libraries takes on this machine
        time.sleep(seed.uniform(0.0, 6.0))
        child.send_signal(signal.SIGKILL)
        child.wait()
        with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
            report = kb.check()
            assert report.ok, report.problems
            paths = [d.path for d in kb.documents()]
            assert len(paths) == len(set(paths))  # nothing stored twice
            states.append((len(paths), report.counts["chunks_without_vectors"]))
    # Some kills landed in the middle: documents partly read, or vectors partly computed.
    assert any(1 < docs < 31 or pending for docs, pending in states), states
    final = subprocess.run([sys.executable, "-c", SLOW_CLI, str(data), str(docs), str(tmp_path / "started")],
                           env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        report = kb.check()
        assert report.ok and report.counts["documents"] == 31 and report.counts["chunks_without_vectors"] == 0
        assert len({d.path for d in kb.documents()}) == 31
        for i in range(30):  # by keywords: the tests' hashing encoder knows no meaning
            assert kb.search(f"专题{i:02d}号", k=1, retriever="keyword")[0].title == f"第{i}篇材料"
