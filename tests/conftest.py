"""Shared test fixtures: a deterministic fake encoder and small knowledge bases."""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from index.hashing import HashingEncoder

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see kb/cli.py
# Tests never touch a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# What kb keeps per user (the local folders of server knowledge bases, kb.library) goes to a throw-away
# folder, not the home directory of whoever runs the tests.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="kb-tests-data-")
atexit.register(shutil.rmtree, os.environ["XDG_DATA_HOME"], True)

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def load_script(name: str):
    """scripts/<name>.py imported as a module, so tests can call its functions."""
    spec = importlib.util.spec_from_file_location(f"kb_script_{name}", REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script runs
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
STORE_BACKENDS = ["sqlite", "postgresql"]

# The PostgreSQL server the tests use (every session's machine and CI start one: trust authentication,
# database `test`). Each knowledge base gets a schema of its own, dropped after the test.
POSTGRES_URL = os.environ.get("KB_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")


@cache
def postgres_unavailable() -> str | None:
    """Why the tests cannot use the PostgreSQL server (None when it answers)."""
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error as e:
        return f"no PostgreSQL server answers at {POSTGRES_URL} ({' '.join(str(e).split())[:120]})"
    return None


def postgres_schema_url(schema: str) -> str:
    """The test server's URL with `schema` first on the search path (where the knowledge base lives)."""
    return f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"


def postgres_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(statement)


class StoreLocations:
    """Fresh, empty knowledge-base locations on one backend, removed again by cleanup()."""

    def __init__(self, backend: str, base: Path):
        self.backend = backend
        self.base = base
        self.made: list[str | Path] = []
        self.schemas: list[str] = []

    def new(self, name: str = "kb") -> str | Path:
        """A location no other test uses: a folder for SQLite, a new schema's URL for PostgreSQL
        (what `kb --data` takes)."""
        if self.backend == "sqlite":
            location: str | Path = self.base / f"{name}-{len(self.made)}"
        elif self.backend == "postgresql":
            if reason := postgres_unavailable():
                pytest.skip(reason)
            schema = f"kbtest_{name}_{uuid.uuid4().hex[:12]}".lower()
            postgres_admin(f"CREATE SCHEMA {schema}")
            self.schemas.append(schema)
            location = postgres_schema_url(schema)
        else:
            raise NotImplementedError(f"no test locations for store backend {self.backend}")
        self.made.append(location)
        return location

    def cleanup(self) -> None:
        """Folders go with pytest's tmp_path; a schema is dropped, with the local folders kb made for it."""
        for schema in self.schemas:
            postgres_admin(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            servers = Path(os.environ["XDG_DATA_HOME"]) / "kb-servers"
            for folder in servers.glob(f"*{schema}*"):
                shutil.rmtree(folder, ignore_errors=True)
        self.schemas.clear()
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
