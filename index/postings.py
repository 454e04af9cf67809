"""Exact top-k over term postings: every posting summed, or MaxScore pruning of the common terms.

A query's score for a row is the sum over query terms of idf * weight of the row's posting. Common
terms (short words such as 学习, 发展) have postings in a large share of all rows but small idf; the
MaxScore argument skips most of their postings without changing the top k: once the k-th best
partial score from the rare terms exceeds what all common terms together could add, only rows
already found can make the top k, and the common terms are looked up for those rows alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_SAMPLE_SHARE = 16  # top_k takes its first threshold from every 16th score
_SMALL_SHARE = 16  # postings under 1/16 of the row count are summed by sorting, not by a dense array
_BIG_SHARE = 64  # a term in over 1/64 of the rows is worth trying to skip
_SEARCHSORTED_COST = 24  # rough cost of one sorted lookup, in postings scanned
_BOUND_SLACK = 1.0 + 1e-5  # float32 rounding must not let a real contribution exceed its bound


@dataclass(frozen=True)
class TermPostings:
    """One query term: per index block, the sorted rows holding it and their tf weights."""

    rows: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]
    idf: float
    max_weight: float  # the largest weight among the postings

    @property
    def size(self) -> int:
        return sum(len(r) for r in self.rows)

    @property
    def bound(self) -> float:
        """No row gains more than this from the term."""
        return self.idf * self.max_weight * _BOUND_SLACK


def empty_result() -> tuple[np.ndarray, np.ndarray]:
    """No hits: (ids, scores) of length 0, typed as every search returns them."""
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


def top_k(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (id, score) pairs, score descending, ties broken by ascending id."""
    if k <= 0 or len(ids) == 0:
        return empty_result()
    if len(scores) > _SAMPLE_SHARE * k:
        # The k-th best of every 16th score cannot beat the k-th best of all, so it bounds the
        # candidates from below: one comparison pass instead of a partition of every score.
        sample = scores[::_SAMPLE_SHARE]
        floor = np.partition(sample, len(sample) - k)[len(sample) - k]
        keep = scores >= floor
        ids, scores = ids[keep], scores[keep]
    if len(scores) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= kth  # ties at the boundary are all kept, then cut after the id sort
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:k]
    return ids[order].astype(np.int64), scores[order].astype(np.float32)


def _sum_sparse(terms: list[TermPostings], mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows (masked) and their summed scores, by sorting the postings."""
    rows = [r for t in terms for r in t.rows]
    weights = [w * np.float32(t.idf) for t in terms for w in t.weights]
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0)
    unique_rows, inverse = np.unique(np.concatenate(rows), return_inverse=True)
    scores = np.bincount(inverse, weights=np.concatenate(weights))
    keep = mask[unique_rows]
    return unique_rows[keep], scores[keep]


def _accumulate(scores: np.ndarray, term: TermPostings) -> None:
    for rows, weights in zip(term.rows, term.weights, strict=True):
        scores[rows] += weights * np.float32(term.idf)  # rows are distinct within a term


def _lookup(term: TermPostings, rows: np.ndarray) -> np.ndarray:
    """The term's idf-scaled contribution to each of the given rows (0 where absent)."""
    gained = np.zeros(len(rows))
    for term_rows, weights in zip(term.rows, term.weights, strict=True):
        if len(term_rows) == 0:
            continue
        at = np.minimum(np.searchsorted(term_rows, rows), len(term_rows) - 1)
        found = term_rows[at] == rows
        gained[found] += weights[at[found]] * np.float32(term.idf)
    return gained


def _finish_early(
    rows: np.ndarray, partial: np.ndarray, k: int, rest: list[TermPostings]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Top-k candidates with exact scores, if the terms in `rest` cannot lift any other row in.

    `rows` are every allowed row with a positive partial score. Each row's final score is at most
    its partial score plus the rest's bounds (the ceiling), and the k-th best partial score is a
    floor for the final k-th best. When the floor beats the ceiling, rows without a partial score
    cannot make the top k, nor can rows below floor - ceiling; the rest is then looked up for the
    survivors only.
    """
    if len(rows) < k:
        return None
    ceiling = sum(t.bound for t in rest)
    floor = np.partition(partial, len(partial) - k)[len(partial) - k]
    if floor <= ceiling:
        return None
    survive = partial + ceiling >= floor
    rows, scores = rows[survive], partial[survive]
    if len(rows) * len(rest) * _SEARCHSORTED_COST > sum(t.size for t in rest):
        return None  # scanning the rest's postings is cheaper than looking the rows up
    for term in rest:
        scores = scores + _lookup(term, rows)
    return rows, scores


def score(terms: list[TermPostings], mask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows that can make the top k among `mask`, with their exact scores (MaxScore-pruned).

    Terms go rarest first: those with few postings together are summed by sorting, the rest one by
    one into a dense score array; before each term with many postings, _finish_early checks
    whether the remaining terms can still change the top k.
    """
    n_rows = len(mask)
    ordered = sorted(terms, key=lambda t: t.size)
    budget, cut = n_rows // _SMALL_SHARE, 0
    while cut < len(ordered) and ordered[cut].size <= budget:
        budget -= ordered[cut].size
        cut += 1
    rows, partial = _sum_sparse(ordered[:cut], mask)
    if cut == len(ordered):
        return rows, partial
    if cut:
        early = _finish_early(rows, partial, k, ordered[cut:])
        if early is not None:
            return early
    dense = np.zeros(n_rows)
    dense[rows] = partial  # only allowed rows: the others are dropped at the end anyway
    for i in range(cut, len(ordered)):
        if i > cut and ordered[i].size * _BIG_SHARE > n_rows:
            rows = np.flatnonzero(mask & (dense > 0))
            early = _finish_early(rows, dense[rows], k, ordered[i:])
            if early is not None:
                return early
        _accumulate(dense, ordered[i])
    rows = np.flatnonzero(mask & (dense > 0))
    return rows, dense[rows]
