"""Hybrid search: dense and keyword rankings fused, filtered, and turned into hits for people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index import fusion
from ingest.normalize import for_search
from kb.config import SearchConfig
from kb.errors import InvalidInput
from kb.snippets import make_snippet, mark
from kb.store import ChunkRecord, DocumentRecord

RETRIEVERS = ("hybrid", "dense", "keyword")


def page_range(start: int | None, end: int | None) -> str:
    """"第3页" / "第3–4页" / "" for unpaged documents."""
    if start is None:
        return ""
    return f"第{start}页" if end in (None, start) else f"第{start}–{end}页"


@dataclass(frozen=True)
class Hit:
    """One search result: a passage with its document's citation and why it matched."""

    chunk_id: int
    doc_id: str
    title: str
    date: str | None
    kind: str
    path: str
    tags: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    section: tuple[str, ...]
    score: float
    text: str
    snippet: str
    highlights: tuple[tuple[int, int], ...]  # spans of matched terms within `snippet`
    start: int  # character offsets of the passage in its document
    end: int

    @property
    def pages(self) -> str:
        return page_range(self.page_start, self.page_end)

    def marked_snippet(self, before: str = "【", after: str = "】") -> str:
        return mark(self.snippet, self.highlights, before, after)

    def to_dict(self) -> dict:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "kind": self.kind,
            "path": self.path,
            "tags": list(self.tags),
            "page_start": self.page_start,
            "page_end": self.page_end,
            "section": list(self.section),
            "score": round(self.score, 6),
            "snippet": self.snippet,
            "marked_snippet": self.marked_snippet(),
            "start": self.start,
            "end": self.end,
        }


def normalise_query(query: str) -> str:
    return " ".join(for_search(query).split())


def fuse(
    dense: tuple[np.ndarray, np.ndarray],
    keyword: tuple[np.ndarray, np.ndarray],
    config: SearchConfig,
) -> list[tuple[int, float]]:
    """Combine the two rankings with the configured fusion method (see index.fusion, docs/relevance.md)."""
    if config.fusion not in fusion.METHODS:
        raise InvalidInput(f"未知的融合方法 {config.fusion}，可选：{'、'.join(fusion.METHODS)}")
    params = fusion.FusionParams(
        method=config.fusion,
        rrf_k=config.rrf_k,
        weights=(config.dense_weight, config.keyword_weight),
        # z-scores over a fixed number of candidates: a passage's score does not depend on k.
        depth=config.candidates,
    )
    return fusion.fuse([(ids.tolist(), scores.tolist()) for ids, scores in (dense, keyword)], params)


def rank_chunks(
    kb, query: str, k: int, allowed: np.ndarray | None, retriever: str, vector: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """(chunk id, score) best first, from the chosen retriever(s)."""
    if retriever not in RETRIEVERS:
        raise InvalidInput(f"未知的检索方式 {retriever}，可选：{'、'.join(RETRIEVERS)}")
    config: SearchConfig = kb.config.search
    depth = max(k, config.candidates)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.float32))
    dense = keyword = empty
    if retriever in ("hybrid", "dense"):
        if vector is None:
            vector = kb.encode([query])[0]
        dense = kb.indexes.dense.search(vector, depth, allowed=allowed)
    if retriever in ("hybrid", "keyword"):
        keyword = kb.indexes.keyword.search(normalise_query(query), depth, allowed=allowed)
    if retriever == "dense":
        return list(zip(dense[0].tolist(), dense[1].tolist(), strict=True))
    if retriever == "keyword":
        return list(zip(keyword[0].tolist(), keyword[1].tolist(), strict=True))
    return fuse(dense, keyword, config)


def make_hits(
    ranked: Sequence[tuple[int, float]],
    chunks: dict[int, ChunkRecord],
    docs: dict[str, DocumentRecord],
    terms: Sequence[str],
    snippet_chars: int,
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
            )
        )
    return hits


def best_per_document(ranked: Sequence[tuple[int, float]], doc_of: dict[int, str]) -> list[tuple[int, float]]:
    """Keep each document's best-ranked chunk only."""
    seen: set[str] = set()
    out = []
    for chunk_id, score in ranked:
        doc = doc_of.get(chunk_id)
        if doc is not None and doc not in seen:
            seen.add(doc)
            out.append((chunk_id, score))
    return out
