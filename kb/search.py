"""Hybrid search: a query prepared once, ranked by a pure function of the indexes, turned into hits.

    query = prepare(text, indexes.keyword.tokenize_query, encode, retriever)   # normalised and split once
    ranked = rank(indexes, query, k, allowed, retriever, config)          # [(chunk id, score)]
    hits = make_hits(ranked, chunks, docs, indexes.keyword.known_terms(query.terms), snippet_chars)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from index import fusion
from ingest.normalize import for_search
from kb.config import SearchConfig
from kb.errors import InvalidInput
from kb.records import RETRIEVERS, ChunkRecord, DocumentRecord, Hit
from kb.snippets import make_snippet

if TYPE_CHECKING:
    from kb.indexes import Indexes


def normalise_query(query: str) -> str:
    return " ".join(for_search(query).split())


@dataclass(frozen=True)
class PreparedQuery:
    """A query as both retrievers use it: its normalised text, the keyword index's terms for it
    (which also drive highlighting) and its embedding (None when only keywords are searched)."""

    text: str
    terms: tuple[str, ...]
    vector: np.ndarray | None


def check_retriever(retriever: str) -> None:
    if retriever not in RETRIEVERS:
        raise InvalidInput(f"未知的检索方式 {retriever}，可选：{'、'.join(RETRIEVERS)}")


def prepare(query: str, tokenize: Callable[[str], list[str]], encode: Callable[[str], np.ndarray],
            retriever: str = "hybrid", vector: np.ndarray | None = None) -> PreparedQuery:
    """Normalise and tokenise the query once; embed it (the raw text, as passages are embedded)
    unless only keywords are searched or the caller already has its vector."""
    check_retriever(retriever)
    text = normalise_query(query)
    if vector is None and retriever != "keyword":
        vector = encode(query)
    return PreparedQuery(text, tuple(tokenize(text)), vector)


def fuse(
    dense: tuple[np.ndarray, np.ndarray],
    keyword: tuple[np.ndarray, np.ndarray],
    config: SearchConfig,
    without_vector: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """Combine the two rankings with the configured fusion method (see index.fusion, docs/relevance.md).
    `without_vector`: keyword candidates whose vectors are not computed yet; the dense side counts them
    as average, not as the worst (they are new, not unrelated)."""
    if config.fusion not in fusion.METHODS:
        raise InvalidInput(f"未知的融合方法 {config.fusion}，可选：{'、'.join(fusion.METHODS)}")
    params = fusion.FusionParams(
        method=config.fusion,
        rrf_k=config.rrf_k,
        weights=(config.dense_weight, config.keyword_weight),
        # z-scores over a fixed number of candidates: a passage's score does not depend on k.
        depth=config.candidates,
    )
    unscored = None if without_vector is None or not len(without_vector) else [set(without_vector.tolist()), set()]
    return fusion.fuse([(ids.tolist(), scores.tolist()) for ids, scores in (dense, keyword)], params, unscored)


def rank(indexes: Indexes, query: PreparedQuery, k: int, allowed: np.ndarray | None, retriever: str,
         config: SearchConfig) -> list[tuple[int, float]]:
    """(chunk id, score) best first, from the chosen retriever(s), among `allowed` ids (None: all)."""
    check_retriever(retriever)
    depth = max(k, config.candidates)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.float32))
    dense = keyword = empty
    if retriever in ("hybrid", "dense"):
        if query.vector is None:
            raise ValueError("a dense search needs the query's vector (see prepare)")
        dense = indexes.dense.search(query.vector, depth, allowed=allowed)
    if retriever in ("hybrid", "keyword"):
        keyword = indexes.keyword.search_terms(query.terms, depth, allowed=allowed)
    if retriever == "dense":
        return list(zip(dense[0].tolist(), dense[1].tolist(), strict=True))
    if retriever == "keyword":
        return list(zip(keyword[0].tolist(), keyword[1].tolist(), strict=True))
    # Passages committed before their vectors (kb.backfill) are in the keyword index only.
    without_vector = keyword[0][~indexes.dense.has(keyword[0])] if len(indexes.dense) < len(indexes.keyword) else None
    return fuse(dense, keyword, config, without_vector)


def weak_matches(indexes: Indexes, query: PreparedQuery, ids: Sequence[int], line: float | None) -> set[int]:
    """The ids among `ids` whose cosine to the query is below the model's measured line
    (kb.calibration); none without a line or a query vector (a keyword-only search)."""
    if line is None or query.vector is None or not ids:
        return set()
    found, cosines = indexes.dense.search(query.vector, len(ids), allowed=np.asarray(ids, dtype=np.int64))
    strong = {int(i) for i, c in zip(found.tolist(), cosines.tolist(), strict=True) if c >= line}
    return {i for i in ids if i not in strong}


def make_hits(
    ranked: Sequence[tuple[int, float]],
    chunks: dict[int, ChunkRecord],
    docs: dict[str, DocumentRecord],
    terms: Sequence[str],
    snippet_chars: int,
    weak: set[int] | frozenset[int] = frozenset(),
) -> list[Hit]:
    hits = []
    for chunk_id, score in ranked:
        chunk = chunks.get(chunk_id)
        doc = docs.get(chunk.doc_id) if chunk else None
        if chunk is None or doc is None:  # deleted by another process since the index was read
            continue
        snippet, spans = make_snippet(chunk.text, terms, snippet_chars)
        hits.append(
            Hit(
                chunk_id=chunk.id,
                doc_id=doc.id,
                title=doc.title,
                date=doc.date,
                kind=doc.kind,
                path=doc.path,
                tags=doc.tags,
                page_start=chunk.page_start,
                page_end=chunk.page_end,
                section=chunk.section,
                score=float(score),
                text=chunk.text,
                snippet=snippet,
                highlights=spans,
                start=chunk.start,
                end=chunk.end,
                gongwen=doc.gongwen,
                marks=doc.marks,
                weak=chunk.id in weak,
            )
        )
    return hits


def best_per_document(ranked: Sequence[tuple[int, float]], doc_of: dict[int, str]) -> list[tuple[int, float]]:
    """Keep each document's best-ranked chunk only."""
    return cap_per_document(ranked, doc_of, 1)


def cap_per_document(ranked: Sequence[tuple[int, float]], doc_of: dict[int, str],
                     limit: int) -> list[tuple[int, float]]:
    """Keep each document's `limit` best-ranked chunks (0: no limit), so one long document does
    not fill a page of results."""
    if limit <= 0:
        return [(c, s) for c, s in ranked if c in doc_of]
    taken: dict[str, int] = {}
    out = []
    for chunk_id, score in ranked:
        doc = doc_of.get(chunk_id)
        if doc is not None and taken.get(doc, 0) < limit:
            taken[doc] = taken.get(doc, 0) + 1
            out.append((chunk_id, score))
    return out


def rank_documents(ranked: Sequence[tuple[int, float]], doc_of: dict[int, str],
                   damping: float) -> list[tuple[int, float]]:
    """Each document once, at its best chunk, scored by that chunk's score plus a damped share of how
    far its next chunks stand above the mean of the ranked candidates:
    s1 + damping * (s2 - mean)+ + damping**2 * (s3 - mean)+ + ...

    A reading that treats the topic in several passages then edges out one that mentions it once with
    a slightly better passage; a document with one matching passage keeps that passage's score, and
    damping 0 is plain best-chunk ranking. Measuring from the mean makes the share mean the same for
    BM25 scores, cosines and fused z-scores (docs/relevance.md, "Document scores").
    """
    if damping <= 0 or len(ranked) < 2:
        return best_per_document(ranked, doc_of)
    mean = float(np.mean([score for _, score in ranked]))
    best: dict[str, tuple[int, float]] = {}  # document -> (its best chunk, its score so far)
    share: dict[str, float] = {}  # document -> the share its next chunk adds
    order: dict[str, int] = {}
    for chunk_id, score in ranked:
        doc = doc_of.get(chunk_id)
        if doc is None:
            continue
        if doc not in best:
            best[doc] = (chunk_id, score)
            share[doc] = damping
            order[doc] = len(order)
        elif score > mean:
            first, total = best[doc]
            best[doc] = (first, total + share[doc] * (score - mean))
            share[doc] *= damping
    return sorted(best.values(), key=lambda item: (-item[1], order[doc_of[item[0]]]))
