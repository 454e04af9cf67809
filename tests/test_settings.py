"""Settings read back: the chunker and BM25 settings that built a knowledge base are checked on open."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus

from index.keyword import BM25Params
from ingest.chunker import ChunkerConfig
from kb import cli
from kb.config import KBConfig, settings_mismatch
from kb.errors import SettingsMismatch
from kb.library import KnowledgeBase

SMALL_CHUNKS = KBConfig(chunker=ChunkerConfig(target_chars=40, max_chars=80, overlap_chars=0, min_chars=10))


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "docs")


def test_other_chunker_or_bm25_settings_are_refused_naming_kb_reindex(kb_location, corpus):
    with KnowledgeBase(kb_location, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        assert kb.store.meta.settings()["chunker"]["target_chars"] == 300
    with pytest.raises(SettingsMismatch, match="kb reindex") as caught:
        KnowledgeBase(kb_location, encoder=FakeEncoder(), config=SMALL_CHUNKS)
    assert "chunker.target_chars: 300 → 40" in str(caught.value)
    with pytest.raises(SettingsMismatch, match=r"bm25\.k1: 1\.2 → 1\.5"):
        KnowledgeBase(kb_location, encoder=FakeEncoder(), config=KBConfig(bm25=BM25Params(k1=1.5)))
    # Search settings change nothing stored: a knowledge base opens with any of them.
    other_search = KBConfig()
    other_search = replace(other_search, search=replace(other_search.search, fusion="rrf", candidates=100))
    KnowledgeBase(kb_location, encoder=FakeEncoder(), config=other_search).close()


def test_reindex_rebuilds_with_the_new_settings_and_records_them(kb_location, corpus):
    with KnowledgeBase(kb_location, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        before = kb.count_chunks()
    with KnowledgeBase(kb_location, encoder=FakeEncoder(), config=SMALL_CHUNKS, check_settings=False) as kb:
        result = kb.reindex()
        assert result["rechunked"] > 0 and kb.count_chunks() > before
    with KnowledgeBase(kb_location, encoder=FakeEncoder(), config=SMALL_CHUNKS) as kb:  # now it matches
        assert max(len(c.text) for d in kb.documents() for c in kb.chunks(d.id)) <= 80
        assert kb.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"
    with pytest.raises(SettingsMismatch):
        KnowledgeBase(kb_location, encoder=FakeEncoder())  # and the old settings are the mismatch now


def test_the_cli_says_what_to_run_and_kb_reindex_fixes_it(tmp_path, corpus, fake_model, capsys):
    data = tmp_path / "data"
    with KnowledgeBase(data, encoder=fake_model, config=SMALL_CHUNKS) as kb:  # built by other settings
        kb.ingest([corpus["lianzheng"].parent])
    assert cli.main(["--data", str(data), "search", "八项规定"]) == 1
    error = capsys.readouterr().err
    assert "kb reindex" in error and len(error.strip().splitlines()) == 1
    assert cli.main(["--data", str(data), "reindex"]) == 0
    assert cli.main(["--data", str(data), "search", "八项规定"]) == 0
    assert "党风廉政建设学习辅导" in capsys.readouterr().out


def test_a_setting_missing_from_an_older_record_counts_as_its_default():
    recorded = KBConfig().to_dict()
    del recorded["chunker"]["hard_level"]  # as if recorded before the setting existed
    assert settings_mismatch(recorded, KBConfig()) == []
    assert settings_mismatch(None, SMALL_CHUNKS) == []  # nothing imported yet: nothing to compare
