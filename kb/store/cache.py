"""A persistent embedding cache shared across knowledge bases, keyed by model and input text.

Throw-away knowledge bases (`kb eval`, `kb bench`) use it so a rerun on the same corpus does not
encode again; a knowledge base's own vectors live in its store. It is always a local SQLite file,
whatever backend the knowledge base itself uses.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kb.store.embeddings import Vectors
from kb.store.sqlite import SqliteBackend


def default_cache_path() -> Path:
    """$KB_CACHE/embeddings.sqlite3, else $XDG_CACHE_HOME (or ~/.cache)/kb/embeddings.sqlite3."""
    if os.environ.get("KB_CACHE"):
        base = Path(os.environ["KB_CACHE"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kb"
    return base / "embeddings.sqlite3"


class EmbeddingCache:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.backend = SqliteBackend(self.path)
        self.backend.execute(
            "CREATE TABLE IF NOT EXISTS vectors(model TEXT NOT NULL, key TEXT NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY(model, key))"
        )
        self._vectors = Vectors(self.backend, "vectors")

    def get(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return self._vectors.get(model, keys)

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self.backend.transaction():
            self._vectors.put(model, vectors)

    def close(self) -> None:
        self.backend.close()
