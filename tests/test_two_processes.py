"""Two app processes over one knowledge base: an import through one is found by a search through the
other (its indexes caught up in the background, without a search asking), and two processes editing
one reading list at once lose nothing. On both backends; on PostgreSQL this is the province layout."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from kb_fixtures import write_corpus

from kb.library import KnowledgeBase

REPO = Path(__file__).resolve().parent.parent
MODEL = "hash-64"  # the tests' encoder, opened by name in every process

INGEST = textwrap.dedent("""
    import sys
    from kb.library import KnowledgeBase
    with KnowledgeBase(sys.argv[1], model="hash-64") as kb:
        print(len(kb.ingest([sys.argv[2]]).added))
""")

APPEND = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kb.library import KnowledgeBase
    location, doc_id, name, count, go = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
    with KnowledgeBase(location, model="hash-64") as kb:
        kb.lists.names()  # connected before the start
        (go.parent / f"ready-{name}").touch()
        while not go.exists():
            time.sleep(0.01)
        for i in range(count):
            kb.lists.add_document("共用清单", doc_id, note=f"{name}-{i}")
            if i % 5 == 4:  # reorder now and then: positions renumbered while the other appends
                items = kb.lists.get("共用清单").items
                kb.lists.move("共用清单", items[-1].id, 1)
""")


def run(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out


def test_an_import_through_one_process_is_found_by_a_search_through_the_other(kb_location, tmp_path):
    corpus = write_corpus(tmp_path / "docs")
    with KnowledgeBase(kb_location, model=MODEL) as searcher:
        searcher.ingest([corpus["lianzheng"]])
        follower = searcher.follow_changes(interval=0.2)
        before = searcher.indexes.generation
        assert finish(run(INGEST, kb_location, corpus["fazhan"])).strip() == "1"
        deadline = time.monotonic() + 60  # a bound for a busy machine, not a measurement
        while searcher.indexes.generation == before and time.monotonic() < deadline:
            time.sleep(0.02)
        # Caught up in the background: the search finds it without having to catch up itself.
        assert searcher.indexes.generation == searcher.generation() > before
        assert follower.refreshes >= 2
        assert searcher.search("新质生产力", k=1)[0].title == "推动经济高质量发展的几点思考"


def test_two_processes_editing_one_reading_list_lose_nothing(kb_location, tmp_path):
    corpus = write_corpus(tmp_path / "docs")
    with KnowledgeBase(kb_location, model=MODEL) as kb:
        kb.ingest([corpus["lianzheng"]])
        doc_id = kb.documents()[0].id
        kb.lists.create("共用清单")
    go = tmp_path / "go"
    writers = [run(APPEND, kb_location, doc_id, name, 25, go) for name in ("甲", "乙")]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{n}").exists() for n in ("甲", "乙")) and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()  # both start appending at once
    for writer in writers:
        finish(writer)
    with KnowledgeBase(kb_location, model=MODEL) as kb:
        items = kb.lists.get("共用清单").items
    assert sorted(item.note for item in items) == sorted(f"{n}-{i}" for n in ("甲", "乙") for i in range(25))
    assert [item.position for item in items] == list(range(1, 51))
