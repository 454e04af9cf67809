"""Stored vectors by (model, key): a knowledge base's embeddings, and the shared embedding cache."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kb.store.backend import Backend


class Vectors:
    """A (model, key, vector) table: float32 vectors stored as bytes."""

    def __init__(self, backend: Backend, table: str = "embeddings"):
        self.db = backend
        self.table = table
        self.TABLES = (table,)  # what `kb migrate` copies (the table varies: the shared cache has its own)

    def get(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by key; missing keys are absent."""
        out: dict[str, np.ndarray] = {}
        for part, marks in self.db.in_slices(list(keys)):
            for r in self.db.fetch_all(f"SELECT key, vector FROM {self.table} WHERE model = ? AND key IN ({marks})",
                                       [model, *part]):
                out[r["key"]] = np.frombuffer(bytes(r["vector"]), dtype=np.float32)
        return out

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Insert or replace vectors by key (inside the caller's transaction)."""
        self.db.executemany(
            f"INSERT INTO {self.table}(model, key, vector) VALUES (?, ?, ?) "
            "ON CONFLICT(model, key) DO UPDATE SET vector = excluded.vector",
            [(model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()],
        )

    def drop_unused_keys(self, keys: Sequence[str]) -> int:
        """Forget the vectors (of any model) of these keys that no chunk uses any more; returns how many."""
        dropped = 0
        for part, marks in self.db.in_slices(list(dict.fromkeys(keys))):
            dropped += self.db.execute(
                f"DELETE FROM {self.table} WHERE key IN ({marks}) "
                f"AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.embed_key = {self.table}.key)", part)
        return dropped

    def drop_unused(self, keep_model: str) -> int:
        """Forget vectors no chunk uses or that belong to another model; returns how many."""
        return self.db.execute(
            f"DELETE FROM {self.table} WHERE model != ? OR key NOT IN (SELECT embed_key FROM chunks)", (keep_model,))
