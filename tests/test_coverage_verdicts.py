"""One coverage verdict (已学过 / 相关 / 未学过) from unrescaled scores, ordered so a session shown as
已学过 never sits below one shown as 相关; highlighting never marks a minutes title's fixed wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.library import KnowledgeBase
from kb.records import COVERED_MIN, FULL_MATCH, NOT_STUDIED, RELATED, STUDIED, VERDICTS, Coverage, Filters, Session
from kb.sample_kb import build_sample
from kb.snippets import boilerplate_spans, find_terms, make_snippet

SESSION = Session(doc_id="d", title="纪要", path="p", date="2024-01-01", theme="t", host=None, location=None,
                  attendees=(), speakers=(), recorder=None)


def coverage(score: float, words: float, passage: float | None = 3.0, weak: bool = False) -> Coverage:
    return Coverage(session=SESSION, relevance=min(1.0, max(0.0, score / FULL_MATCH)), score=score,
                    passage_score=passage, theme_score=None, word_cover=words, snippet="", highlights=(),
                    chunk_id=None, passage_weak=weak)


def test_the_verdict_follows_the_score_and_the_words():
    assert coverage(COVERED_MIN, 0.75).verdict == STUDIED
    assert coverage(COVERED_MIN, 0.6).verdict == RELATED  # stands out, half the words
    assert coverage(COVERED_MIN, 0.2).verdict == RELATED  # stands out, its passage matches the meaning
    assert coverage(6.0, 0.2, weak=True).verdict == NOT_STUDIED  # stands out on a word, not on meaning
    assert coverage(COVERED_MIN - 0.01, 1.0).verdict == NOT_STUDIED
    assert coverage(6.0, 1.0).to_dict()["verdict"] == STUDIED


def test_the_strength_is_the_same_scale_for_every_topic():
    assert coverage(3.0, 1.0).relevance == pytest.approx(0.5)
    assert coverage(-1.0, 0.0).relevance == 0.0 and coverage(9.0, 1.0).relevance == 1.0


def test_title_boilerplate_is_never_highlighted():
    text = "中共清河县委理论学习中心组2024年第2次集体学习会议纪要\n学习主题：发展壮大农村集体经济"
    spans = find_terms(text, ["集体", "学习", "经济"])
    title_end = text.index("\n")
    assert all(start > title_end for start, _ in spans)
    assert [text[a:b] for a, b in spans] == ["学习", "集体", "经济"]
    snippet, marks = make_snippet(text, ["集体"], 160)
    assert [snippet[a:b] for a, b in marks] == ["集体"] and marks[0][0] > snippet.index("学习主题")


@pytest.fixture(scope="module")
def sample_kb(tmp_path_factory):
    with KnowledgeBase(tmp_path_factory.mktemp("sample") / "data") as kb:
        build_sample(kb)
        yield kb


@pytest.mark.slow
class TestOnTheSample:
    @pytest.mark.parametrize("topic", ["农村集体经济发展", "群众反映强烈的突出问题", "经济社会中的热点",
                                       "党风廉政建设", "网络安全", "足球世界杯比赛结果"])
    def test_verdicts_are_ordered_and_match_their_scores(self, sample_kb, topic):
        found = sample_kb.archive.coverage(topic, k=5)
        ranks = [VERDICTS.index(c.verdict) for c in found]
        assert ranks == sorted(ranks)
        for verdict in VERDICTS:  # within a verdict, the higher score first
            scores = [c.score for c in found if c.verdict == verdict]
            assert scores == sorted(scores, reverse=True)
        for c in found:
            assert c.relevance == pytest.approx(min(1.0, max(0.0, c.score / FULL_MATCH)))
            assert (c.verdict == STUDIED) == c.covered
            assert c.verdict == NOT_STUDIED or c.score >= COVERED_MIN

    def test_the_rural_session_studied_collective_economy(self, sample_kb):
        first = sample_kb.archive.coverage("农村集体经济发展", k=5)[0]
        assert first.verdict == STUDIED and Path(first.session.path).name == "2025-04-15-minutes.txt"

    @pytest.mark.parametrize("topic", ["足球世界杯比赛结果", "人工智能与数字政府", "网络安全", "教育强国"])
    def test_topics_no_session_studied_are_not_studied(self, sample_kb, topic):
        assert {c.verdict for c in sample_kb.archive.coverage(topic, k=5)} == {NOT_STUDIED}

    def test_no_highlight_inside_a_minutes_title(self, sample_kb):
        for c in sample_kb.archive.coverage("农村集体经济发展", k=5):
            for start, end in c.highlights:
                assert not any(s < end and start < e for s, e in boilerplate_spans(c.snippet))
        for doc in sample_kb.documents(Filters(kind="minutes")):
            first = sample_kb.chunks(doc.id)[0].text
            title = boilerplate_spans(first)
            assert title and "集体学习会议纪要" in first[title[0][0]:title[0][1]], first[:40]
            _, marks = make_snippet(first, ["集体", "学习", "会议", "纪要"], 160)
            assert not any(s < e2 and s2 < e for s, e in marks for s2, e2 in boilerplate_spans(_)), doc.title
