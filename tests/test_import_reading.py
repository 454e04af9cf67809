"""An import reads its files in a child process (kb.reading): the limits on hostile files still apply
there, a child that dies on a file makes that file a skipped file with its reason (the next files get a
new child), and the keyword tokens it sends back are the ones the keyword index would make."""

from __future__ import annotations

import os
import signal
import zipfile

import pytest
from conftest import FakeEncoder
from ingest_fixtures import make_docx
from kb_fixtures import write_corpus

from index.keyword import KeywordIndex
from ingest.chunker import ChunkerConfig
from ingest.pipeline import ReadOptions
from ingest.types import Skipped
from kb import library
from kb.library import KnowledgeBase
from kb.reading import CRASHED, ChildReader, Prepared, child_reader, prepare


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "docs")


def dies_on_minutes(path, kind, options, chunker):
    """Runs in the child: the interpreter ends abruptly on one file, as a crashing parser would end it."""
    if "纪要" in path.name:
        os.kill(os.getpid(), signal.SIGKILL)
    return prepare(path, kind, options, chunker)


def test_a_child_dying_on_a_file_skips_that_file_with_its_reason_and_the_rest_go_in(tmp_path, corpus, monkeypatch):
    reader = ChildReader(work=dies_on_minutes)
    monkeypatch.setattr(library, "child_reader", lambda: reader)
    try:
        with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
            report = kb.ingest([corpus["lianzheng"].parent])
            assert [s.path for s in report.skipped] == [str(corpus["minutes"].resolve())]
            assert report.skipped[0].problem == CRASHED
            # The files after it were read by a new child: every other document is stored and searchable.
            assert len(report.added) == 3 and kb.count_documents() == 3 and kb.check().ok
            assert kb.search("枫桥经验", k=1)[0].title == "群众工作与基层治理"
    finally:
        reader.close()


def test_the_reading_limits_apply_in_the_child(tmp_path, corpus):
    hostile = make_docx(tmp_path / "docs" / "很多条目.docx", [("p", "正文")])
    with zipfile.ZipFile(hostile, "a") as archive:
        for i in range(20):
            archive.writestr(f"extra/{i}.xml", "<x/>")
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        report = kb.ingest([corpus["lianzheng"].parent], options=ReadOptions(max_zip_entries=10))
    assert [s.path for s in report.skipped] == [str(hostile.resolve())]
    assert "压缩包内文件过多" in report.skipped[0].problem
    assert len(report.added) == 4


def test_the_child_splits_passages_as_the_keyword_index_does(corpus):
    read = child_reader().prepare(corpus["qunzhong"], None, ReadOptions(), ChunkerConfig())
    assert isinstance(read, Prepared) and read.chunks and len(read.tokens) == len(read.search_texts)
    assert read.tokens == KeywordIndex().tokens(read.search_texts)
    here = prepare(corpus["qunzhong"], None, ReadOptions(), ChunkerConfig())
    assert read.doc.signature.to_bytes() == here.doc.signature.to_bytes()  # computed there, sent along


def test_a_file_the_child_cannot_read_comes_back_as_skipped(tmp_path):
    empty = tmp_path / "空白.txt"
    empty.write_bytes(b"")
    read = child_reader().prepare(empty, None, ReadOptions(), ChunkerConfig())
    assert isinstance(read, Skipped) and "0字节" in read.problem
