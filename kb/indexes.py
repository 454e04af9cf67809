"""The derived search indexes (FAISS + BM25) on disk, brought up to date with the store explicitly.

Nothing here runs as a side effect of reading an attribute: the facade calls `refresh()` before a
search (a cheap generation check when nothing changed) and `apply()` after its own commits. Reads
and updates hold the indexes' own lock briefly; the process's write lock is never needed to search.

The keyword index holds every stored chunk; the dense index holds the chunks whose vectors are
stored. A document is committed before its vectors are computed (they follow in the background,
kb.backfill), so for a while the dense index lags: catching up never encodes, it takes only the
vectors the store has, and a chunk whose vector lands later is added when the vector's commit moves
the generation.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock

from index.dense import DenseIndex
from index.keyword import BM25Params, KeywordIndex
from kb.records import ChunkRecord

if TYPE_CHECKING:
    from kb.store import Store

log = logging.getLogger(__name__)

INDEX_FORMAT = 1
CATCH_UP_BATCH = 5000

# The stored vectors of some chunks: (which of them have one, those vectors in order). Never encodes.
StoredVectors = Callable[[list[ChunkRecord]], tuple[np.ndarray, np.ndarray]]


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
    """A dense and a keyword index over the same chunk ids, persisted under one directory.

    `generation` is the store generation the indexes are known to hold in full (-1: unknown).
    """

    def __init__(self, directory: Path, model: str, dim: int | None, bm25: BM25Params):
        self.directory = Path(directory)
        self.model = model
        self.dim = dim  # None until the first vectors arrive: a new knowledge base learns it from its model
        self.bm25 = bm25
        self.dense = DenseIndex(dim or 1)
        self.keyword = KeywordIndex(bm25)
        self.generation = -1
        self.loaded = False  # the saved files were read (or found unusable) by the first refresh
        self.lock = threading.RLock()
        # Called between passages an apply() tokenizes (the facade: let running searches finish first).
        self.pause: Callable[[], None] | None = None
        self._own_commits = 0  # commits of this process between their transaction and their apply()
        self._own_commits_lock = threading.Lock()
        # Other processes on this machine may keep the same folder (two app servers of one database, or
        # the CLI beside the UI): the files are read and written under a lock file, so a process never
        # loads one index of one save and the other of another.
        self.files_lock = FileLock(str(self.directory) + ".lock")

    def __len__(self) -> int:
        """How many chunks are searchable (by keywords at least: every stored chunk is)."""
        return max(len(self.keyword), len(self.dense))

    def fit_dim(self, dim: int) -> None:
        """Learn the model's dimension before any vector arrives (a new knowledge base's first commit
        may carry none), so the indexes can be saved."""
        with self.lock:
            if self.dim is None and len(self.dense) == 0:
                self.dim = int(dim)
                self.dense = DenseIndex(self.dim)

    # ---- keeping up with the store --------------------------------------------------------------
    @contextmanager
    def own_commit(self) -> Iterator[None]:
        """Around a commit of this process and its apply(): meanwhile a search does not catch up the
        change itself (tokenizing a whole document in the searcher's thread), it uses the indexes as
        they are; the apply adds the document a moment later."""
        with self._own_commits_lock:
            self._own_commits += 1
        try:
            yield
        finally:
            with self._own_commits_lock:
                self._own_commits -= 1

    def refresh(self, store: Store, vectors_for: StoredVectors) -> bool:
        """Bring both indexes up to the store's current generation; returns whether anything changed.

        The generation is read FIRST, then the chunks are caught up, then that generation is recorded:
        a commit landing during the catch-up is then not marked as included, and the next refresh
        fetches it. On the first call the saved indexes are read from disk (damaged or outdated files
        are rebuilt from the store), and saved again if the store had moved on since.
        """
        if self.loaded and (self.generation == store.generation() or self._own_commits):
            return False  # the common case, answered without waiting for a writer that holds the lock
        with self.lock:
            generation = store.generation()  # read again: a commit of this process may have been applied
            first = not self.loaded
            if first:
                if self._load_saved() and self.generation > generation:
                    # Saved from a later state than the store's (a database restored from a backup):
                    # the same chunk ids may now hold other text, so start from nothing.
                    self.dense, self.keyword, self.generation = DenseIndex(self.dim or 1), KeywordIndex(self.bm25), -1
                self.loaded = True
            if self.generation == generation:
                return False
            self._catch_up(store, vectors_for)
            self.generation = generation
            if first:
                self.save()
            return True

    def apply(self, removed: np.ndarray, added: np.ndarray, search_texts: list[str], generation: int,
              dense: tuple[np.ndarray, np.ndarray] | None = None, tokens: list[list[str]] | None = None) -> None:
        """A commit of this process (which moved the store to `generation`): drop `removed`, add the
        `added` chunks to the keyword index and `dense` = (ids, vectors) — those of them whose vectors
        are already known, or vectors arriving for chunks committed earlier — to the dense index.

        If a refresh already caught up past it, there is nothing to do: a chunk is indexed once. If a
        commit of another process came in between and has not been caught up, this one's chunks are
        still added (so they are searchable at once) but the generation stays, for refresh to finish.
        `tokens`: the search texts already split by index.tokenize.tokenize, the keyword index's
        tokenizer (an import's child process does it: kb.reading).
        """
        if tokens is None:
            tokens = self._tokens(search_texts)  # the slow part, done before the lock searches wait for
        with self.lock:
            if self.generation >= generation:
                return
            self.remove(removed)
            if len(added):
                self.keyword.add_tokenized(added, tokens)
            if dense is not None and len(dense[0]):
                self._fit(dense[1])
                self.dense.add(dense[0], dense[1])
            if self.generation == generation - 1:
                self.generation = generation

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        """The texts split for the keyword index, pausing between them (jieba is pure Python: a
        search in another thread would otherwise share the interpreter with it)."""
        out = []
        for text in texts:
            if self.pause:
                self.pause()
            out.extend(self.keyword.tokens([text]))
        return out

    def _catch_up(self, store: Store, vectors_for: StoredVectors) -> None:
        """Make both indexes hold exactly the store's chunks (a set difference of ids).

        Ids are unique on both sides, so the differences skip numpy's de-duplication (most of the
        time of a catch-up after a small change at 100,000 chunks): this runs on every change another
        app server makes."""
        wanted = store.chunks.ids()
        for index in (self.dense, self.keyword):
            extra = np.setdiff1d(index.ids(), wanted, assume_unique=True)
            if len(extra):
                index.remove(extra)
        missing_dense = np.setdiff1d(wanted, self.dense.ids(), assume_unique=True)
        missing_keyword = np.setdiff1d(wanted, self.keyword.ids(), assume_unique=True)
        missing = missing_dense if np.array_equal(missing_dense, missing_keyword) \
            else np.union1d(missing_dense, missing_keyword)
        for start in range(0, len(missing), CATCH_UP_BATCH):
            part = missing[start : start + CATCH_UP_BATCH]
            records = list(store.chunks.get(part.tolist()).values())
            ids = np.array([r.id for r in records], dtype=np.int64)
            in_dense = np.isin(ids, missing_dense)
            in_keyword = np.isin(ids, missing_keyword)
            if in_dense.any():
                dense_records = [r for r, m in zip(records, in_dense, strict=True) if m]
                have, vectors = vectors_for(dense_records)  # stored vectors only: a search never encodes
                if have.any():
                    self._fit(vectors)
                    self.dense.add(ids[in_dense][have], vectors)
            if in_keyword.any():
                texts = [r.search_text for r, m in zip(records, in_keyword, strict=True) if m]
                self.keyword.add(ids[in_keyword], texts)

    def rebuild(self, store: Store, vectors_for: StoredVectors, model: str, dim: int) -> None:
        """Drop both indexes and build them again from the store (for `model`, vectors of `dim`);
        chunks without a stored vector yet are searchable by keywords until the backfill reaches them."""
        with self.lock:
            generation = store.generation()
            with self.files_lock:
                shutil.rmtree(self.directory, ignore_errors=True)
            self.model, self.dim = model, dim
            self.dense, self.keyword = DenseIndex(dim), KeywordIndex(self.bm25)
            for records in store.chunks.batches():
                ids = np.array([r.id for r in records], dtype=np.int64)
                self.keyword.add(ids, [r.search_text for r in records])
                have, vectors = vectors_for(records)
                if have.any():
                    self.dense.add(ids[have], vectors)
            self.generation, self.loaded = generation, True
            self.save()

    # ---- changes --------------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray, search_texts: list[str]) -> None:
        if len(ids):
            with self.lock:
                self._fit(vectors)
                self.dense.add(ids, vectors)
                self.keyword.add(ids, search_texts)

    def add_tokenized(self, ids: np.ndarray, vectors: np.ndarray, token_lists: Sequence[Sequence[str]]) -> None:
        """add() for chunks whose keyword tokens the caller already holds: a bulk load of prepared
        chunks (kb bench's synthetic millions) skips tokenizing each text again. The caller commits
        the chunks to the store first; a refresh then records the generation."""
        if len(ids):
            with self.lock:
                self._fit(vectors)
                self.dense.add(ids, vectors)
                self.keyword.add_tokenized(ids, token_lists)

    def _fit(self, vectors: np.ndarray) -> None:
        """The first vectors of a new knowledge base tell the dense index its dimension."""
        if self.dim is None and len(self.dense) == 0:
            self.dim = int(vectors.shape[1])
            self.dense = DenseIndex(self.dim)

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            with self.lock:
                self.dense.remove(ids)
                self.keyword.remove(ids)

    # ---- persistence ----------------------------------------------------------------------------
    def _manifest(self) -> IndexManifest:
        return IndexManifest(INDEX_FORMAT, self.generation, self.model, self.dim or 0, asdict(self.bm25), len(self))

    def save(self) -> bool:
        """Write both indexes, then the manifest that vouches for them (each step atomic); whether it
        worked. A failure (a full disk) is logged, not raised: the files are derived, the store holds
        everything, and the old manifest still vouches only for what the old files hold."""
        if self.dim is None:  # nothing was ever added: nothing to keep
            return True
        with self.lock:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                with self.files_lock:
                    self.dense.save(self.directory / "dense")
                    self.keyword.save(self.directory / "keyword")
                    _write_json_atomic(self.directory / "manifest.json", asdict(self._manifest()))
            except OSError:
                log.warning("could not save the search indexes in %s; they are rebuilt from the database "
                            "when next opened", self.directory, exc_info=True)
                return False
        return True

    def read_saved(self) -> bool:
        """Whether the saved files are there and usable (kb check); the first refresh reads them again."""
        with self.lock:
            return self._load_saved()

    def reset(self) -> None:
        """Forget everything, in memory and on disk (the store was replaced by a backup): the next
        refresh builds both indexes from the store."""
        with self.lock:
            with self.files_lock:
                shutil.rmtree(self.directory, ignore_errors=True)
            self.dense, self.keyword = DenseIndex(self.dim or 1), KeywordIndex(self.bm25)
            self.generation, self.loaded = -1, True

    def _load_saved(self) -> bool:
        """Load the saved indexes if they were built the way we would build them now."""
        if self.dim is None or not self.directory.is_dir():  # no vectors yet, or nothing saved
            return False
        with self.files_lock:
            return self._load_files()

    def _load_files(self) -> bool:
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
        except (OSError, ValueError, RuntimeError, KeyError, TypeError, EOFError):
            return False  # missing or damaged (EOFError: an empty .npy file): the store can rebuild it
        self.dense, self.keyword, self.generation = dense, keyword, int(saved["generation"])
        return True
