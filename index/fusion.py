"""Rank fusion of several retrievers' results: reciprocal rank fusion and normalised score sums."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

RRF, SCORE = "rrf", "score"
MINMAX, ZSCORE = "minmax", "zscore"
ZSCORE_SUM = "zscore"  # method: zscore_fusion (unlike score_fusion's "zscore" normalisation, over common candidates)
METHODS = (RRF, SCORE, ZSCORE_SUM)


@dataclass(frozen=True)
class FusionParams:
    """How `fuse` combines retrievers; weights are per retriever, in the order results are given."""

    method: str = RRF  # "rrf", "score" or "zscore"
    rrf_k: int = 60
    weights: tuple[float, ...] | None = None  # None: every retriever weighs 1
    normalization: str = MINMAX  # for method "score": "minmax" or "zscore"
    depth: int | None = None  # for method "zscore": candidates the statistics describe (None: longest list)
    absent: float = 0.0  # for method "zscore": the score of a candidate a retriever did not return


def _weights(count: int, weights: Sequence[float] | None) -> list[float]:
    if weights is None:
        return [1.0] * count
    if len(weights) != count:
        raise ValueError(f"权重个数（{len(weights)}）与检索结果个数（{count}）不一致。")
    return [float(w) for w in weights]


def _ranked(scores: dict[int, float], first_seen: dict[int, int]) -> list[tuple[int, float]]:
    # Ties keep the order in which documents were first met, so earlier retrievers win ties.
    return sorted(scores.items(), key=lambda item: (-item[1], first_seen[item[0]]))


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: int = 60
) -> list[tuple[int, float]]:
    """Fuse id rankings (best first): score(d) = sum of weight / (k + rank of d), ranks counted from 1."""
    scores: dict[int, float] = {}
    first_seen: dict[int, int] = {}
    for ranking, weight in zip(rankings, _weights(len(rankings), weights), strict=True):
        seen_here: set[int] = set()
        for rank, doc in enumerate(ranking, start=1):
            doc = int(doc)
            if doc in seen_here:  # a repeated id counts at its best rank only
                continue
            seen_here.add(doc)
            first_seen.setdefault(doc, len(first_seen))
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return _ranked(scores, first_seen)


def normalize_scores(scores: np.ndarray, method: str = MINMAX) -> np.ndarray:
    """Rescale one retriever's scores: min-max to [0, 1] (all equal -> 1), or z-score (all equal -> 0)."""
    values = np.asarray(scores, dtype=np.float64)
    if len(values) == 0:
        return values
    if method == MINMAX:
        low, high = values.min(), values.max()
        return np.ones_like(values) if high == low else (values - low) / (high - low)
    if method == ZSCORE:
        std = values.std()
        return np.zeros_like(values) if std == 0 else (values - values.mean()) / std
    raise ValueError(f"未知的分数归一化方法 {method!r}，可选：{MINMAX}、{ZSCORE}。")


def score_fusion(
    results: Sequence[tuple[Sequence[int], Sequence[float]]],
    weights: Sequence[float] | None = None,
    normalization: str = MINMAX,
) -> list[tuple[int, float]]:
    """Weighted sum of each retriever's normalised scores.

    A document a retriever did not return gets that retriever's lowest normalised score (0 for min-max),
    as it ranked below everything the retriever did return.
    """
    normalised = [(ids, normalize_scores(np.asarray(s), normalization)) for ids, s in results]
    return _weighted_sum([(ids, values, float(values.min()) if len(values) else 0.0) for ids, values in normalised],
                         weights)


def zscore_fusion(
    results: Sequence[tuple[Sequence[int], Sequence[float]]],
    weights: Sequence[float] | None = None,
    depth: int | None = None,
    absent: float = 0.0,
    unscored: Sequence[Collection[int]] | None = None,
) -> list[tuple[int, float]]:
    """Weighted sum of each retriever's z-scores, every retriever standardised over the same candidates.

    A z-score says how far a document stands above this query's other candidates, so a retriever
    whose best hits stand out (BM25 when the query's rare words occur in one passage) outweighs one
    whose scores are flat, and the other way round for a paraphrase: the weighting adapts per query
    with no tuned parameter. The statistics cover n candidates, n being the longest list's length
    (at most `depth`); a shorter list (BM25 returns only passages sharing a word with the query) is
    padded to n with `absent`, the score of what it did not return, since those candidates are real
    and score that. A document missing from a list gets that list's lowest standardised value —
    unless it is in that retriever's `unscored` set (a retriever that cannot score it yet, as a dense
    index before a passage's vector is computed): then it gets 0, the candidates' mean, neither
    rewarded nor punished for what the retriever does not know.
    """
    n = max((len(ids) for ids, _ in results), default=0)
    if depth is not None:
        n = min(n, depth)
    columns = []
    for ids, raw in results:
        values = np.asarray(raw, dtype=np.float64)
        sample = np.concatenate([values[:n], np.full(max(n - len(values), 0), absent, dtype=np.float64)])
        std = float(sample.std()) if n else 0.0
        mean = float(sample.mean()) if n else 0.0
        z = (values - mean) / std if std > 0 else np.zeros_like(values)
        floor = min(float(z.min()) if len(z) else 0.0, (float(sample.min()) - mean) / std if std > 0 else 0.0)
        columns.append((ids, z, floor))
    if unscored is not None:
        columns = [_with_neutral(column, unknown) for column, unknown in zip(columns, unscored, strict=True)]
    return _weighted_sum(columns, weights)


def _with_neutral(column: tuple[Sequence[int], np.ndarray, float],
                  unknown: Collection[int]) -> tuple[Sequence[int], np.ndarray, float]:
    """A retriever's column with z = 0 for the documents it could not score (and did not return)."""
    ids, z, floor = column
    returned = {int(d) for d in ids}
    extra = [int(d) for d in unknown if int(d) not in returned]
    return [*ids, *extra], np.concatenate([z, np.zeros(len(extra))]), floor


def _weighted_sum(
    columns: Sequence[tuple[Sequence[int], np.ndarray, float]], weights: Sequence[float] | None
) -> list[tuple[int, float]]:
    """Best first: each document's weighted sum over the retrievers of its (rescaled) value in each,
    `floor` where a retriever did not return it; ties keep the order documents were first seen."""
    first_seen: dict[int, int] = {}
    per_retriever: list[tuple[dict[int, float], float]] = []
    for ids, values, floor in columns:
        mapping: dict[int, float] = {}
        for doc, value in zip(ids, values, strict=True):
            doc = int(doc)
            first_seen.setdefault(doc, len(first_seen))
            mapping.setdefault(doc, float(value))  # a repeated id keeps its first (best) score
        per_retriever.append((mapping, floor))
    factors = _weights(len(columns), weights)
    scores = {
        doc: sum(w * mapping.get(doc, floor) for w, (mapping, floor) in zip(factors, per_retriever, strict=True))
        for doc in first_seen
    }
    return _ranked(scores, first_seen)


def fuse(
    results: Sequence[tuple[Sequence[int], Sequence[float]]], params: FusionParams = FusionParams(),
    unscored: Sequence[Collection[int]] | None = None,
) -> list[tuple[int, float]]:
    """Fuse (ids, scores) result lists, best first, as `params` says (`unscored`: see zscore_fusion;
    the other methods treat those documents as not returned)."""
    if params.method == RRF:
        return reciprocal_rank_fusion([ids for ids, _ in results], params.weights, params.rrf_k)
    if params.method == SCORE:
        return score_fusion(results, params.weights, params.normalization)
    if params.method == ZSCORE_SUM:
        return zscore_fusion(results, params.weights, params.depth, params.absent, unscored)
    raise ValueError(f"未知的融合方法 {params.method!r}，可选：{'、'.join(METHODS)}。")
