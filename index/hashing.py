"""`hash-<dim>`: a lexical encoder that hashes character unigrams and bigrams into `dim` signed buckets.

No model files, no torch, identical vectors in every process and on every machine. It is not a
semantic model: texts sharing characters land close, synonyms do not. It exists so that a knowledge
base built by the tests (or a benchmark of the machinery around the model) records a model name that
any other process (the browser UI, `kb bench`'s workers, a CLI subprocess) can open by that name,
with no test code and no environment switch. Written by hand because feature hashing this small
(blake2b of each gram, sign from one hash bit) is shorter than adapting a library's vectoriser,
and its output must never change between library versions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

PREFIX = "hash-"
MIN_DIM, MAX_DIM = 8, 4096
_NAME = re.compile(rf"{PREFIX}(\d+)")


def hashing_dim(name: str) -> int | None:
    """The dimension named by "hash-<dim>", or None when `name` is not a hashing model's name."""
    found = _NAME.fullmatch(name)
    if not found:
        return None
    dim = int(found.group(1))
    return dim if MIN_DIM <= dim <= MAX_DIM else None


class HashingEncoder:
    """An Encoder (index.embedder.Encoder) whose vector of a text is its character uni- and bigrams
    hashed into signed buckets, L2-normalised; a text with no visible character maps to e_0."""

    def __init__(self, dim: int = 64, name: str | None = None) -> None:
        self.dim = dim
        self.name = name or f"{PREFIX}{dim}"

    def vector(self, text: str) -> np.ndarray:
        """The unit vector of one text."""
        v = np.zeros(self.dim, dtype=np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for gram in grams:
            if gram.strip():
                h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
                v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = np.linalg.norm(v)
        if norm == 0:
            v[0] = 1.0
            return v
        return v / norm

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        """float32 (len(texts), dim), rows L2-normalised; batch_size and show_progress change nothing."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.vector(t) for t in texts])

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        """Queries hash like any text."""
        return self.encode(texts)
