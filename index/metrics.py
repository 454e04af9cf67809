"""Relevance metrics over ranked ids and graded judgements (qrels): nDCG, recall and MRR at k."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def _unique(ranked: Sequence[str], k: int) -> list[str]:
    """The first k distinct ids: a document listed twice is counted once, at its best rank."""
    seen: dict[str, None] = {}
    for doc in ranked:
        if len(seen) == k:
            break
        seen.setdefault(doc)
    return list(seen)


def _relevant(relevant: Mapping[str, float]) -> dict[str, float]:
    return {doc: grade for doc, grade in relevant.items() if grade > 0}


def ndcg_at_k(ranked: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    """nDCG@k with linear gain (as trec_eval): sum grade / log2(rank + 1), over the ideal order's sum."""
    grades = _relevant(relevant)
    if not grades or k <= 0:
        return 0.0
    dcg = sum(grades.get(doc, 0.0) / math.log2(rank + 1) for rank, doc in enumerate(_unique(ranked, k), 1))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(grade / math.log2(rank + 1) for rank, grade in enumerate(ideal, 1))
    return dcg / idcg


def recall_at_k(ranked: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    """Share of the relevant documents found in the top k."""
    grades = _relevant(relevant)
    if not grades or k <= 0:
        return 0.0
    return sum(1 for doc in _unique(ranked, k) if doc in grades) / len(grades)


def mrr_at_k(ranked: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    """1 / rank of the first relevant document within the top k, else 0."""
    grades = _relevant(relevant)
    for rank, doc in enumerate(_unique(ranked, k), 1):
        if doc in grades:
            return 1.0 / rank
    return 0.0


def evaluate(run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Mean ndcg@10, recall@10, mrr@10 and recall@100 over the queries with a relevant document.

    A judged query missing from `run` counts as an empty ranking; "queries" gives how many were averaged.
    """
    metrics = {
        "ndcg@10": lambda r, q: ndcg_at_k(r, q, 10),
        "recall@10": lambda r, q: recall_at_k(r, q, 10),
        "mrr@10": lambda r, q: mrr_at_k(r, q, 10),
        "recall@100": lambda r, q: recall_at_k(r, q, 100),
    }
    judged = [query for query, grades in qrels.items() if _relevant(grades)]
    totals = dict.fromkeys(metrics, 0.0)
    for query in judged:
        ranked = run.get(query, ())
        for name, metric in metrics.items():
            totals[name] += metric(ranked, qrels[query])
    count = len(judged)
    result = {name: (total / count if count else 0.0) for name, total in totals.items()}
    result["queries"] = float(count)
    return result
