"""Rank fusion against hand-computed values."""

import pytest

from index.fusion import (
    METHODS,
    FusionParams,
    fuse,
    normalize_scores,
    reciprocal_rank_fusion,
    score_fusion,
    zscore_fusion,
)


def test_rrf_matches_hand_computed_values():
    fused = dict(reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60))
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2] == pytest.approx(1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert [doc for doc, _ in reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60)] == [1, 3, 2]


def test_rrf_weights_and_k():
    fused = dict(reciprocal_rank_fusion([[7, 8], [8]], weights=[2.0, 0.5], k=1))
    assert fused == pytest.approx({7: 2.0 / 2, 8: 2.0 / 3 + 0.5 / 2})


def test_rrf_ties_keep_first_seen_order_and_repeats_count_once():
    assert reciprocal_rank_fusion([[5], [4]]) == [(5, pytest.approx(1 / 61)), (4, pytest.approx(1 / 61))]
    assert dict(reciprocal_rank_fusion([[9, 9, 2]]))[2] == pytest.approx(1 / 63)


def test_rrf_refuses_mismatched_weights():
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[1], [2]], weights=[1.0])


def test_normalization():
    assert normalize_scores([2.0, 4.0, 3.0]).tolist() == [0.0, 1.0, 0.5]
    assert normalize_scores([3.0, 3.0]).tolist() == [1.0, 1.0]
    z = normalize_scores([1.0, 3.0], "zscore")
    assert z.tolist() == [-1.0, 1.0]


def test_score_fusion_hand_computed():
    dense = ([1, 2, 3], [0.9, 0.7, 0.5])  # min-max -> 1, 0.5, 0
    keyword = ([3, 4], [10.0, 2.0])  # min-max -> 1, 0
    fused = dict(score_fusion([dense, keyword], weights=[0.6, 0.4]))
    assert fused == pytest.approx({1: 0.6, 2: 0.3, 3: 0.4, 4: 0.0})
    assert [doc for doc, _ in score_fusion([dense, keyword], weights=[0.6, 0.4])] == [1, 3, 2, 4]


def test_fuse_dispatches_on_params():
    results = [([1, 2], [0.9, 0.1]), ([2, 1], [5.0, 1.0])]
    assert fuse(results) == reciprocal_rank_fusion([[1, 2], [2, 1]])
    assert fuse(results, FusionParams(method="score")) == score_fusion(results)
    assert fuse(results, FusionParams(method="score", normalization="zscore")) == score_fusion(
        results, normalization="zscore"
    )
    assert fuse(results, FusionParams(method="zscore", depth=5)) == zscore_fusion(results, depth=5)
    assert set(METHODS) == {"rrf", "score", "zscore"}
    with pytest.raises(ValueError):
        fuse(results, FusionParams(method="nope"))


def test_zscore_fusion_hand_computed():
    # Retriever A over its 2 candidates: mean 2, std 1 -> z = 1, -1. Retriever B returned one of the 2:
    # padded with absent = 0 -> [5, 0], mean 2.5, std 2.5 -> z(2) = 1, floor -1 for what it missed.
    results = [([1, 2], [3.0, 1.0]), ([2], [5.0])]
    fused = fuse(results, FusionParams(method="zscore", weights=(1.0, 2.0)))
    assert fused == [(2, pytest.approx(-1 + 2 * 1)), (1, pytest.approx(1 + 2 * -1))]


def test_zscore_fusion_counts_an_unscored_document_as_average_not_worst():
    # Retriever A (dense) could not score document 3 (no vector yet); B (keywords) ranks 3 first.
    # A: [3, 2, 1] -> z = 1.22, 0, -1.22 (floor -1.22); B: [4, 2, 0] -> z(3) = 1.22, z(1) = 0, z(2) = -1.22.
    z = 1.224744871
    results = [([1, 2, 4], [3.0, 2.0, 1.0]), ([3, 1, 2], [4.0, 2.0, 0.0])]
    plain = dict(fuse(results, FusionParams(method="zscore")))
    neutral = dict(fuse(results, FusionParams(method="zscore"), unscored=[{3}, set()]))
    assert plain[3] == pytest.approx(-z + z)  # missing from A: A's floor
    assert neutral[3] == pytest.approx(0 + z)  # unscored by A: A's mean
    assert {d: neutral[d] for d in (1, 2, 4)} == {d: plain[d] for d in (1, 2, 4)}  # the others unchanged
    assert plain[3] < plain[1]
    assert neutral[3] > max(neutral[2], neutral[4])
