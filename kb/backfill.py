"""Vectors after the fact: encode the passages committed without one, a batch per commit.

An import commits each document with the vectors already known (stored or cached) and leaves the
rest to this stage, so a document is searchable by keywords the moment it is committed and the
model's time is spent after the last file is read. Each batch's vectors are stored in one
transaction that moves the generation (other processes then add them to their dense index) and are
added to this process's dense index at once. A kill loses at most one batch of encoding; whatever is
left is found again by the next run (`Store.chunks.without_vectors`), by any process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from kb.embedding import Embeddings
from kb.indexes import Indexes
from kb.records import Progress, ProgressFn
from kb.representation import embedding_input

if TYPE_CHECKING:
    from kb.store import Store

# Passages encoded per commit: a fraction of a second of the model, so a search arriving meanwhile
# waits little for the CPU (see kb.priority), the dense index grows steadily and a kill loses little.
BATCH = 8


def _inputs(text_of: dict[str, str]) -> Callable[[list[str]], list[str]]:
    return lambda missing: [text_of[k] for k in missing]


def pending(store: Store, embeddings: Embeddings) -> int:
    """How many passages still wait for their vector."""
    return store.chunks.count_without_vectors(embeddings.model_name)


def backfill(store: Store, indexes: Indexes, embeddings: Embeddings, *, progress: ProgressFn | None = None,
             should_stop: Callable[[], bool] | None = None, pause: Callable[[], None] | None = None,
             batch: int | None = None) -> int:
    """Encode and store the vectors of every passage that lacks one (or until `should_stop()`);
    returns how many passages were encoded. `pause()` runs before each batch (giving way to searches)."""
    batch = batch or BATCH
    model = embeddings.model_name
    total = pending(store, embeddings)
    done, after = 0, -1
    if progress and total:
        progress(Progress(0, total, "", "vectors"))
    while total and not (should_stop and should_stop()):
        if pause:
            pause()
        records = store.chunks.without_vectors(model, batch, after)
        if not records:
            break
        after = records[-1].id
        titles = store.documents.titles({r.doc_id for r in records})
        text_of = {r.embed_key: embedding_input(titles.get(r.doc_id, ""), r.section, r.text) for r in records}
        vectors = embeddings.lookup(list(text_of), _inputs(text_of), persist=False).vectors
        with indexes.own_commit():  # a search meanwhile uses the indexes as they are (see Indexes.own_commit)
            with store.transaction():
                # Passages deleted meanwhile (another import replaced their document) are left out: their
                # vectors would only be dropped again.
                alive = store.chunks.documents_of([r.id for r in records])
                kept = [r for r in records if r.id in alive]
                store.embeddings.put(model, {r.embed_key: vectors[r.embed_key] for r in kept})
                generation = store.meta.bump_generation()
            ids = np.array([r.id for r in kept], dtype=np.int64)
            matrix = np.stack([vectors[r.embed_key] for r in kept]).astype(np.float32) if kept \
                else np.zeros((0, embeddings.dim), np.float32)
            indexes.apply(np.zeros(0, np.int64), np.zeros(0, np.int64), [], generation, dense=(ids, matrix))
        done += len(records)
        if progress:
            progress(Progress(min(done, total), total, "", "vectors"))
    if done:
        indexes.save()
    return done
