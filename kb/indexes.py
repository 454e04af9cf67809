"""The derived search indexes (FAISS + BM25) on disk, kept in step with the store."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from index.dense import DenseIndex
from index.keyword import BM25Params, KeywordIndex
from kb.store import ChunkRecord, Store

INDEX_FORMAT = 1

VectorsFor = Callable[[list[ChunkRecord]], np.ndarray]


@dataclass(frozen=True)
class IndexManifest:
    format: int
    generation: int
    model: str
    dim: int
    bm25: dict
    chunks: int


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


class Indexes:
    """A dense and a keyword index over the same chunk ids, persisted under one directory."""

    def __init__(self, directory: Path, model: str, dim: int, bm25: BM25Params):
        self.directory = Path(directory)
        self.model = model
        self.dim = dim
        self.bm25 = bm25
        self.dense = DenseIndex(dim)
        self.keyword = KeywordIndex(bm25)
        self.generation = -1

    def __len__(self) -> int:
        return len(self.dense)

    # ---- changes ----------------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray, search_texts: list[str]) -> None:
        if len(ids):
            self.dense.add(ids, vectors)
            self.keyword.add(ids, search_texts)

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self.dense.remove(ids)
            self.keyword.remove(ids)

    # ---- persistence ------------------------------------------------------------------------------
    def _manifest(self) -> IndexManifest:
        return IndexManifest(INDEX_FORMAT, self.generation, self.model, self.dim, asdict(self.bm25), len(self))

    def save(self, generation: int) -> None:
        """Write both indexes, then the manifest that vouches for them (each step atomic)."""
        self.generation = generation
        self.directory.mkdir(parents=True, exist_ok=True)
        self.dense.save(self.directory / "dense")
        self.keyword.save(self.directory / "keyword")
        _write_json_atomic(self.directory / "manifest.json", asdict(self._manifest()))

    def _load_saved(self) -> bool:
        """Load the saved indexes if they were built the way we would build them now."""
        try:
            saved = json.loads((self.directory / "manifest.json").read_text(encoding="utf-8"))
            if (saved.get("format"), saved.get("model"), saved.get("dim"), saved.get("bm25")) != (
                INDEX_FORMAT,
                self.model,
                self.dim,
                asdict(self.bm25),
            ):
                return False
            dense = DenseIndex.load(self.directory / "dense")
            keyword = KeywordIndex.load(self.directory / "keyword")
        except (OSError, ValueError, RuntimeError, KeyError):
            return False  # missing or damaged: the store can rebuild it
        self.dense, self.keyword, self.generation = dense, keyword, int(saved["generation"])
        return True

    def load_or_sync(self, store: Store, vectors_for: VectorsFor) -> None:
        """Load from disk and apply whatever the store changed since (e.g. after a kill mid-ingest)."""
        if not self._load_saved():
            self.dense, self.keyword, self.generation = DenseIndex(self.dim), KeywordIndex(self.bm25), -1
        if self.generation != store.generation:
            self.sync(store, vectors_for)
            self.save(store.generation)

    def sync(self, store: Store, vectors_for: VectorsFor) -> None:
        """Make both indexes hold exactly the store's chunks."""
        wanted = store.chunk_ids()
        for index in (self.dense, self.keyword):
            held = index.ids()
            extra = np.setdiff1d(held, wanted)
            if len(extra):
                index.remove(extra)
        missing_dense = np.setdiff1d(wanted, self.dense.ids())
        missing_keyword = np.setdiff1d(wanted, self.keyword.ids())
        missing = np.union1d(missing_dense, missing_keyword)
        for start in range(0, len(missing), 5000):
            part = missing[start : start + 5000]
            records = list(store.chunks(part.tolist()).values())
            ids = np.array([r.id for r in records], dtype=np.int64)
            in_dense = np.isin(ids, missing_dense)
            in_keyword = np.isin(ids, missing_keyword)
            if in_dense.any():
                dense_records = [r for r, m in zip(records, in_dense, strict=True) if m]
                self.dense.add(ids[in_dense], vectors_for(dense_records))
            if in_keyword.any():
                texts = [r.search_text for r, m in zip(records, in_keyword, strict=True) if m]
                self.keyword.add(ids[in_keyword], texts)

    def rebuild(self, store: Store, vectors_for: VectorsFor) -> None:
        """Drop both indexes and build them again from the store."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self.dense, self.keyword, self.generation = DenseIndex(self.dim), KeywordIndex(self.bm25), -1
        for records in store.iter_chunks():
            ids = np.array([r.id for r in records], dtype=np.int64)
            self.add(ids, vectors_for(records), [r.search_text for r in records])
        self.save(store.generation)
