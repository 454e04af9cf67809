"""Shared test fixtures: a deterministic fake encoder and small knowledge bases."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from index.hashing import HashingEncoder

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


class FakeEncoder(HashingEncoder):
    """The product's "hash-<dim>" encoder (index.hashing), counting its calls so tests can assert
    no re-encoding. A knowledge base built with it records "hash-64", which any process opens by name."""

    def __init__(self, dim: int = 64, name: str | None = None):
        super().__init__(dim, name)
        self.calls = 0
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False):
        self.calls += 1
        self.texts_encoded += len(texts)
        return super().encode(texts)


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
