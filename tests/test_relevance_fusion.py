"""z-score fusion against hand-computed values, and the search's fusion dispatch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from index.fusion import METHODS, FusionParams, fuse, reciprocal_rank_fusion, score_fusion, zscore_fusion
from kb.config import SearchConfig
from kb.errors import InvalidInput
from kb.search import fuse as search_fuse

# Dense returns three documents; BM25 matches only document 2, so its list is padded with two 0s.
DENSE = ([1, 2, 3], [0.9, 0.6, 0.3])  # mean 0.6, std sqrt(0.06): z = sqrt(1.5), 0, -sqrt(1.5)
KEYWORD = ([2], [4.0])  # sample [4, 0, 0]: mean 4/3, std sqrt(32/9): z(4) = sqrt(2), z(0) = -sqrt(0.5)


def test_zscore_fusion_hand_computed():
    fused = zscore_fusion([DENSE, KEYWORD])
    assert dict(fused) == pytest.approx({
        1: math.sqrt(1.5) - math.sqrt(0.5),  # BM25 did not return it: the z-score of a 0
        2: 0.0 + math.sqrt(2),
        3: -math.sqrt(1.5) - math.sqrt(0.5),
    })
    assert [doc for doc, _ in fused] == [2, 1, 3]


def test_zscore_fusion_weights():
    fused = zscore_fusion([DENSE, KEYWORD], weights=[2.0, 1.0])
    assert dict(fused) == pytest.approx({
        1: 2 * math.sqrt(1.5) - math.sqrt(0.5),
        2: math.sqrt(2),
        3: -2 * math.sqrt(1.5) - math.sqrt(0.5),
    })
    assert [doc for doc, _ in fused] == [1, 2, 3]
    with pytest.raises(ValueError):
        zscore_fusion([DENSE, KEYWORD], weights=[1.0])


def test_zscore_fusion_depth_limits_the_sample_and_ties_keep_first_seen_order():
    # n = 2: dense sample [0.9, 0.6] -> mean 0.75, std 0.15, so 0.3 scores -3 (also the floor);
    # keyword sample [4, 0] -> mean 2, std 2: z(4) = 1, absent = -1.
    fused = zscore_fusion([DENSE, KEYWORD], depth=2)
    assert fused == [(1, pytest.approx(0.0)), (2, pytest.approx(0.0)), (3, pytest.approx(-4.0))]


def test_a_document_missing_from_a_full_list_gets_its_lowest_z_score():
    # Both lists hold n = 2 documents: nothing is padded, a missing document scores as the list's last.
    fused = dict(zscore_fusion([([1, 2], [3.0, 1.0]), ([2, 3], [5.0, 1.0])]))
    assert fused == pytest.approx({1: 1.0 + -1.0, 2: -1.0 + 1.0, 3: -1.0 + -1.0})


def test_zscore_fusion_adapts_to_which_retriever_is_sure():
    candidates = list(range(10))
    dense_flat = (candidates, [0.50, 0.49, 0.48, 0.47, 0.46, 0.45, 0.44, 0.43, 0.42, 0.41])
    dense_sure = ([5, *[c for c in candidates if c != 5]], [0.9, 0.40, 0.39, 0.38, 0.37, 0.36, 0.35, 0.34, 0.33, 0.32])
    keyword_sure = ([7, 0, 1], [30.0, 2.0, 1.5])  # one passage holds the query's rare words
    keyword_flat = ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [2.1, 2.0, 2.0, 1.9, 1.9, 1.9, 1.8, 1.8, 1.8, 1.7])
    # BM25's best stands out, dense's does not: BM25 decides, though dense ranks 7 eighth.
    assert zscore_fusion([dense_flat, keyword_sure])[0][0] == 7
    # A paraphrase: BM25 matched common words only, dense has one clear answer. Dense decides.
    assert zscore_fusion([dense_sure, keyword_flat])[0][0] == 5
    # Equal-weight RRF cannot tell the two cases apart: both times it puts document 0 first.
    assert reciprocal_rank_fusion([dense_flat[0], keyword_sure[0]])[0][0] == 0
    assert reciprocal_rank_fusion([dense_sure[0], keyword_flat[0]])[0][0] == 0


def test_zscore_fusion_with_an_empty_list_is_the_other_ranking():
    fused = zscore_fusion([DENSE, ([], [])])
    assert [doc for doc, _ in fused] == [1, 2, 3]
    assert dict(fused) == pytest.approx({1: math.sqrt(1.5), 2: 0.0, 3: -math.sqrt(1.5)})
    assert zscore_fusion([([], []), ([], [])]) == []


def test_zscore_fusion_counts_a_repeated_id_once_and_accepts_numpy():
    fused = dict(zscore_fusion([(np.array([4, 4, 5]), np.array([2.0, 1.0, 0.0], dtype=np.float32))]))
    # sample [2, 1, 0]: mean 1, std sqrt(2/3); id 4 keeps its first score
    assert fused == pytest.approx({4: 1 / math.sqrt(2 / 3), 5: -1 / math.sqrt(2 / 3)})


def test_fuse_dispatches_to_zscore_and_keeps_the_other_methods():
    results = [DENSE, KEYWORD]
    assert fuse(results, FusionParams(method="zscore", depth=2)) == zscore_fusion(results, depth=2)
    assert fuse(results) == reciprocal_rank_fusion([DENSE[0], KEYWORD[0]])
    assert fuse(results, FusionParams(method="score")) == score_fusion(results)
    assert set(METHODS) == {"rrf", "score", "zscore"}


def as_arrays(result):
    ids, scores = result
    return np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float32)


def test_search_dispatch_follows_the_config():
    dense, keyword = as_arrays(DENSE), as_arrays(KEYWORD)
    default = search_fuse(dense, keyword, SearchConfig())
    assert SearchConfig().fusion == "zscore"
    assert [doc for doc, _ in default] == [2, 1, 3]
    # SearchConfig.candidates is the depth the z-scores describe, whatever k the caller asked for
    shallow = search_fuse(dense, keyword, SearchConfig(candidates=2))
    assert dict(shallow) == pytest.approx({1: 0.0, 2: 0.0, 3: -4.0})
    rrf = search_fuse(dense, keyword, SearchConfig(fusion="rrf", dense_weight=0.5, rrf_k=1))
    assert dict(rrf) == pytest.approx({1: 0.5 / 2, 2: 0.5 / 3 + 1 / 2, 3: 0.5 / 4})
    with pytest.raises(InvalidInput, match="融合方法"):
        search_fuse(dense, keyword, SearchConfig(fusion="nope"))
