"""Document scores (kb.search.rank_documents): the best passage plus a damped share of the next ones."""

from __future__ import annotations

import pytest

from kb.search import best_per_document, rank_documents

DOC_OF = {1: "a", 2: "b", 3: "b", 4: "b", 5: "a", 6: "c", 7: "d"}
# Passage scores best first: "a" has one strong passage, "b" three nearly as strong, "c" and "d" weak ones.
RANKED = [(1, 10.0), (2, 9.8), (3, 9.0), (4, 8.9), (5, 1.0), (6, 0.5), (7, 0.4)]


def test_no_damping_is_the_best_passage_ranking():
    assert rank_documents(RANKED, DOC_OF, 0.0) == best_per_document(RANKED, DOC_OF) == [
        (1, 10.0), (2, 9.8), (6, 0.5), (7, 0.4)]


def test_a_document_with_several_good_passages_overtakes_one_good_passage():
    ranked = rank_documents(RANKED, DOC_OF, 0.3)
    assert [chunk for chunk, _ in ranked] == [2, 1, 6, 7]  # each document still shown at its best passage
    mean = sum(score for _, score in RANKED) / len(RANKED)
    assert ranked[0][1] == pytest.approx(9.8 + 0.3 * (9.0 - mean) + 0.09 * (8.9 - mean))


def test_passages_below_the_mean_add_nothing():
    ranked = dict(rank_documents(RANKED, DOC_OF, 0.3))
    assert ranked[1] == 10.0  # "a"'s second passage (1.0) is far below the candidates' mean
    assert (ranked[6], ranked[7]) == (0.5, 0.4)  # one passage each: their own scores


def test_a_small_share_breaks_no_clear_lead():
    assert [chunk for chunk, _ in rank_documents(RANKED, DOC_OF, 0.05)] == [1, 2, 6, 7]


def test_negative_scores_and_unknown_chunks():
    # Fused z-scores can be negative; a chunk deleted since the index was read has no document.
    ranked = [(1, 2.0), (8, 1.5), (2, 1.9), (3, 1.0), (6, -1.0), (5, -2.0)]
    out = rank_documents(ranked, DOC_OF, 0.5)
    assert [chunk for chunk, _ in out] == [2, 1, 6]
    assert dict(out)[6] == -1.0
