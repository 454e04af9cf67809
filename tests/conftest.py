"""Shared test fixtures: a deterministic fake encoder and small knowledge bases."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see kb/cli.py
# Tests never touch a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def load_script(name: str):
    """scripts/<name>.py imported as a module, so tests can call its functions."""
    spec = importlib.util.spec_from_file_location(f"kb_script_{name}", REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeEncoder:
    """Hashes character unigrams and bigrams into buckets: deterministic, fast, and lexical enough
    that a text is closest to texts sharing its words. Counts calls so tests can assert no re-encoding."""

    def __init__(self, dim: int = 64, name: str | None = None):
        self.dim = dim
        self.name = name or f"fake-{dim}"
        self.calls = 0
        self.texts_encoded = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for g in grams:
            if g.strip():
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
                v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = np.linalg.norm(v)
        if norm == 0:
            v[0] = 1.0
            return v
        return v / norm

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False):
        self.calls += 1
        self.texts_encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def fake_model(monkeypatch) -> FakeEncoder:
    """Every model the knowledge base loads by name (CLI, eval) is this fake encoder."""
    from kb import library

    fake = FakeEncoder()
    monkeypatch.setattr(library, "load_encoder", lambda name: fake)
    return fake


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED
