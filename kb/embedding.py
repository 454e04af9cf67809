"""The one embedding helper: look stored vectors up by key, encode only the missing ones, keep them.

Chunk vectors (ingest and index catch-up), the archive's theme vectors and the tuning script's query
vectors all go through `Embeddings.vectors`, so "look up, encode the rest, store" is written once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kb.errors import KBError
from kb.records import ChunkRecord
from kb.representation import embed_key, embedding_input, query_key

if TYPE_CHECKING:
    from index.embedder import Encoder
    from kb.store import Store
    from kb.store.cache import EmbeddingCache


def load_encoder(name: str) -> Encoder:
    """Load a model by name or path; imported late so commands that need no model start fast."""
    from index.embedder import EncoderUnavailable
    from index.embedder import load_encoder as load

    try:
        return load(name)
    except EncoderUnavailable as e:
        raise KBError(str(e)) from e


@dataclass(frozen=True)
class Looked:
    """Vectors by key, and how many of them had to be encoded (the rest were stored or cached)."""

    vectors: dict[str, np.ndarray]
    encoded: int


class Embeddings:
    """A knowledge base's model and its stored vectors (plus, optionally, a cache shared with others)."""

    def __init__(self, store: Store, model_name: str, *, encoder: Encoder | None = None,
                 loader: Callable[[str], Encoder] | None = None, batch_size: int = 64,
                 cache: EmbeddingCache | None = None, show_progress: bool = False):
        self.store = store
        self.model_name = model_name
        self.batch_size = batch_size
        self.cache = cache
        self.show_progress = show_progress
        self._encoder = encoder
        self._loader = loader
        self._lock = threading.Lock()  # the UI loads the model in a background thread

    # ---- the model ------------------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            with self._lock:  # two threads asking at once load the model once
                if self._encoder is None:
                    self._encoder = (self._loader or load_encoder)(self.model_name)
        return self._encoder

    @property
    def dim(self) -> int:
        _, stored = self.store.meta.model()
        return stored or self.encoder.dim

    def switch(self, model_name: str, encoder: Encoder) -> None:
        """Use another model from now on (see KnowledgeBase.reindex)."""
        with self._lock:
            self.model_name, self._encoder = model_name, encoder

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Encode without looking anything up (a query is encoded once and not kept)."""
        return self.encoder.encode(list(texts), batch_size=self.batch_size, show_progress=show_progress)

    def encode_query(self, texts: Sequence[str], cached: bool = False) -> np.ndarray:
        """Encode search queries: models trained with prompts (e5: "query: ") encode them unlike passages.

        With `cached`, vectors are looked up in (and added to) the shared cache under keys of their own:
        `kb eval` runs the same few thousand queries again and again; a search never caches.
        """
        if cached and self.cache is not None and texts:
            keys = [query_key(t) for t in texts]
            found = self.cache.get(self.model_name, list(dict.fromkeys(keys)))
            missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
            if missing:
                encoded = dict(zip((query_key(t) for t in missing), self.encode_query(missing), strict=True))
                self.cache.put(self.model_name, encoded)
                found.update(encoded)
            return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
        encode_query = getattr(self.encoder, "encode_query", None)  # encoders written before prompts lack it
        return encode_query(list(texts)) if encode_query else self.encode(texts)

    # ---- vectors by key -------------------------------------------------------------------------
    def lookup(self, keys: Sequence[str], inputs: Callable[[list[str]], list[str]], *, persist: bool = True,
               on_encode: Callable[[int], None] | None = None, encode: bool = True) -> Looked:
        """The vectors of these embedding keys: from the store, then the shared cache; the keys still
        missing are encoded from `inputs(missing keys)` (in first-seen order) and put in the cache.

        With `persist`, vectors the store lacked are written to it at once; without, the caller
        stores them itself (ingest writes a document's vectors in the document's own transaction).
        Without `encode`, missing keys are left out of the answer (ingest commits a document first
        and lets the backfill encode its new passages).
        """
        keys = list(dict.fromkeys(keys))
        found = self.store.embeddings.get(self.model_name, keys)
        missing = [k for k in keys if k not in found]
        fresh: dict[str, np.ndarray] = {}
        if missing and self.cache is not None:
            fresh.update(self.cache.get(self.model_name, missing))
            missing = [k for k in missing if k not in fresh]
        if missing and encode:
            if on_encode:
                on_encode(len(missing))
            encoded = dict(zip(missing, self.encode(inputs(missing), show_progress=self.show_progress), strict=True))
            if self.cache is not None:
                self.cache.put(self.model_name, encoded)
            fresh.update(encoded)
        if persist and fresh:
            with self.store.transaction():
                self.store.embeddings.put(self.model_name, fresh)
        return Looked({**found, **fresh}, len(missing) if encode else 0)

    def vectors(self, keys: Sequence[str], inputs: Callable[[list[str]], list[str]]) -> np.ndarray:
        """One row per key (repeats allowed), looked up or encoded as `lookup` does, and stored."""
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        found = self.lookup(keys, inputs).vectors
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def of_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of short texts (theme lines, queries), kept in the store like chunk vectors."""
        text_of = {embed_key(t): t for t in texts}
        return self.vectors([embed_key(t) for t in texts], lambda missing: [text_of[k] for k in missing])

    def stored_of_chunks(self, records: list[ChunkRecord]) -> tuple[np.ndarray, np.ndarray]:
        """The vectors the store (or the shared cache) already has for these chunks, never encoding:
        (a mask of the chunks that have one, their vectors in order). What catching the indexes up
        uses, so a search never waits for the model."""
        found = self.lookup([r.embed_key for r in records], lambda missing: [], persist=False, encode=False).vectors
        have = np.array([r.embed_key in found for r in records], dtype=bool)
        if not have.any():
            return have, np.zeros((0, self.dim), dtype=np.float32)
        return have, np.stack([found[r.embed_key] for r, h in zip(records, have, strict=True) if h]).astype(
            np.float32, copy=False)

    def of_chunks(self, records: list[ChunkRecord]) -> np.ndarray:
        """Stored vectors for these chunks; encodes (and stores) any the store lacks for this model."""
        by_key = {r.embed_key: r for r in records}

        def inputs(missing: list[str]) -> list[str]:
            chunks = [by_key[k] for k in missing]
            titles = self.store.documents.titles({c.doc_id for c in chunks})
            return [embedding_input(titles.get(c.doc_id, ""), c.section, c.text) for c in chunks]

        return self.vectors([r.embed_key for r in records], inputs)
