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
    from kb import embedding

    fake = FakeEncoder()
    monkeypatch.setattr(embedding, "load_encoder", lambda name: fake)
    return fake


# ---- store backends: the store and feature tests run once per backend ------------------------------
# A backend is added here with how to make (and drop) a fresh knowledge base on it; tests that take
# `kb_location` or `store_locations` then run on it too.
STORE_BACKENDS = ["sqlite"]


class StoreLocations:
    """Fresh, empty knowledge-base locations on one backend, removed again by cleanup()."""

    def __init__(self, backend: str, base: Path):
        self.backend = backend
        self.base = base
        self.made: list[str | Path] = []

    def new(self, name: str = "kb") -> str | Path:
        """A location no other test uses: a folder for SQLite (what `kb --data` takes)."""
        if self.backend == "sqlite":
            location: str | Path = self.base / f"{name}-{len(self.made)}"
        else:
            raise NotImplementedError(f"no test locations for store backend {self.backend}")
        self.made.append(location)
        return location

    def cleanup(self) -> None:
        """Folders go with pytest's tmp_path; a server backend drops what new() created."""
        self.made.clear()


@pytest.fixture(scope="session", params=STORE_BACKENDS)
def store_backend(request) -> str:
    """The store backend the test runs on (each store and feature test runs once per backend)."""
    return request.param


@pytest.fixture
def store_locations(store_backend, tmp_path):
    locations = StoreLocations(store_backend, tmp_path)
    yield locations
    locations.cleanup()


@pytest.fixture
def kb_location(store_locations) -> str | Path:
    """Where to open a fresh knowledge base on the backend under test (reopen it at the same place)."""
    return store_locations.new()


@pytest.fixture(scope="module")
def module_store_locations(store_backend, tmp_path_factory):
    """Like store_locations, for a knowledge base shared by a test module."""
    locations = StoreLocations(store_backend, tmp_path_factory.mktemp(f"kb-{store_backend}"))
    yield locations
    locations.cleanup()


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED
