"""Relevance metrics against hand-computed values."""

import math

import pytest

from index.metrics import evaluate, mrr_at_k, ndcg_at_k, recall_at_k

QRELS = {"a": 2.0, "b": 1.0, "c": 0.0}


def test_ndcg_hand_computed():
    # ranked: x, b, a -> DCG = 1/log2(3) + 2/log2(4); ideal: a, b -> 2/log2(2) + 1/log2(3)
    expected = (1 / math.log2(3) + 2 / 2) / (2 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "b", "a"], QRELS, 10) == pytest.approx(expected)
    assert ndcg_at_k(["a", "b"], QRELS, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "b", "a"], QRELS, 1) == 0.0
    assert ndcg_at_k(["b"], QRELS, 1) == pytest.approx(1 / 2)


def test_recall_hand_computed():
    assert recall_at_k(["x", "b", "c"], QRELS, 10) == pytest.approx(0.5)  # c has grade 0: not relevant
    assert recall_at_k(["x", "b", "a"], QRELS, 2) == pytest.approx(0.5)
    # Repeats collapse before the cut (e.g. several chunks of one document): a, b are the top 2.
    assert recall_at_k(["a", "a", "b"], QRELS, 2) == pytest.approx(1.0)


def test_mrr_hand_computed():
    assert mrr_at_k(["x", "y", "b"], QRELS, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(["x", "y", "b"], QRELS, 2) == 0.0
    assert mrr_at_k(["c", "a"], QRELS, 10) == pytest.approx(1 / 2)


def test_evaluate_means_over_judged_queries():
    qrels = {"q1": {"d1": 1.0}, "q2": {"d2": 1.0, "d3": 1.0}, "q3": {"d9": 0.0}}
    run = {"q1": ["d1"], "q2": ["d0", "d3"]}
    result = evaluate(run, qrels)
    assert result["queries"] == 2
    assert result["mrr@10"] == pytest.approx((1 + 1 / 2) / 2)
    assert result["recall@10"] == pytest.approx((1 + 0.5) / 2)
    assert result["recall@100"] == result["recall@10"]
    ndcg_q2 = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert result["ndcg@10"] == pytest.approx((1 + ndcg_q2) / 2)


def test_evaluate_counts_missing_runs_as_empty():
    assert evaluate({}, {"q": {"d": 1.0}})["ndcg@10"] == 0.0
