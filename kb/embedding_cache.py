"""A persistent embedding cache shared across knowledge bases, keyed by model and input text.

Throw-away knowledge bases (`kb eval`, `kb bench`) use it so a rerun on the same corpus does not
encode again; a knowledge base's own vectors live in its store.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kb.store import read_vectors, write_vectors


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
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS vectors(model TEXT NOT NULL, key TEXT NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY(model, key))"
        )

    def get(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return read_vectors(self.db, "vectors", model, keys)

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        self.db.execute("BEGIN")
        write_vectors(self.db, "vectors", model, vectors)
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()
