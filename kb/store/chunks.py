"""Chunks: the passages search ranks, each with its place in its document and its embedding key."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import numpy as np

from ingest.types import Chunk
from kb.records import ChunkRecord, Filters
from kb.store.backend import Backend, Row
from kb.store.documents import filter_sql

_COLUMNS = """c.id, c.doc_id, c.ordinal, c.text, c.search_text, c.char_start, c.char_end,
              c.page_start, c.page_end, c.section, c.embed_key"""


def _record(r: Row) -> ChunkRecord:
    return ChunkRecord(
        id=r["id"],
        doc_id=r["doc_id"],
        ordinal=r["ordinal"],
        text=r["text"],
        search_text=r["search_text"],
        start=r["char_start"],
        end=r["char_end"],
        page_start=r["page_start"],
        page_end=r["page_end"],
        section=tuple(json.loads(r["section"])),
        embed_key=r["embed_key"],
    )


class Chunks:
    """The chunks table."""

    TABLES = ("chunks",)  # what `kb migrate` copies, parents first

    def __init__(self, backend: Backend):
        self.db = backend

    def get(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """Chunks by id (missing ids are absent from the result)."""
        out: dict[int, ChunkRecord] = {}
        for part, marks in self.db.in_slices([int(i) for i in ids]):
            for r in self.db.fetch_all(f"SELECT {_COLUMNS} FROM chunks c WHERE c.id IN ({marks})", part):
                out[r["id"]] = _record(r)
        return out

    def documents_of(self, ids: Sequence[int]) -> dict[int, str]:
        """The document id of each chunk (missing ids are absent), without reading the chunks' text."""
        out: dict[int, str] = {}
        for part, marks in self.db.in_slices([int(i) for i in ids]):
            out.update((r["id"], r["doc_id"])
                       for r in self.db.fetch_all(f"SELECT id, doc_id FROM chunks WHERE id IN ({marks})", part))
        return out

    def of(self, doc_id: str) -> list[ChunkRecord]:
        """A document's chunks in reading order."""
        rows = self.db.fetch_all(f"SELECT {_COLUMNS} FROM chunks c WHERE c.doc_id = ? ORDER BY c.ordinal", (doc_id,))
        return [_record(r) for r in rows]

    def ids_of(self, doc_id: str) -> list[int]:
        return [int(i) for i in self.db.fetch_column("SELECT id FROM chunks WHERE doc_id = ? ORDER BY id", (doc_id,))]

    def batches(self, batch: int = 5000) -> Iterator[list[ChunkRecord]]:
        """All chunks in id order, in batches (for rebuilding indexes)."""
        last = -1
        while True:
            rows = self.db.fetch_all(
                f"SELECT {_COLUMNS} FROM chunks c WHERE c.id > ? ORDER BY c.id LIMIT ?", (last, batch))
            if not rows:
                return
            yield [_record(r) for r in rows]
            last = rows[-1]["id"]

    def ids(self, filters: Filters = Filters()) -> np.ndarray:
        """Sorted ids of the chunks that pass the filters (both indexes filter fastest on sorted ids).

        Sorted here, not by the database: without ORDER BY it may read the ids from a narrow index
        instead of walking the whole table, text included (twice as fast at 100,000 chunks; every
        catch-up of the indexes lists them)."""
        if filters.is_empty():
            ids = self.db.fetch_column("SELECT id FROM chunks")
        else:
            where, params = filter_sql(filters)
            ids = self.db.fetch_column(
                f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE {where}", params)
        return np.sort(np.fromiter(ids, dtype=np.int64, count=len(ids)))

    def count(self) -> int:
        return int(self.db.fetch_value("SELECT count(*) AS n FROM chunks"))

    # A chunk whose vector for the model is not stored yet (committed before it was encoded).
    _NO_VECTOR = "NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.model = ? AND e.key = c.embed_key)"

    def without_vectors(self, model: str, limit: int, after: int = -1) -> list[ChunkRecord]:
        """Up to `limit` chunks, in id order past `after`, with no stored vector for `model`: what the
        backfill encodes next."""
        rows = self.db.fetch_all(f"SELECT {_COLUMNS} FROM chunks c WHERE c.id > ? AND {self._NO_VECTOR} "
                                 "ORDER BY c.id LIMIT ?", (after, model, limit))
        return [_record(r) for r in rows]

    def count_without_vectors(self, model: str) -> int:
        """How many chunks still wait for their vector for `model`."""
        return int(self.db.fetch_value(f"SELECT count(*) AS n FROM chunks c WHERE {self._NO_VECTOR}", (model,)))

    # ---- writing (inside the caller's transaction) ----------------------------------------------
    def insert(self, doc_id: str, chunks: Sequence[Chunk], search_texts: Sequence[str],
               embed_keys: Sequence[str]) -> list[int]:
        """Store a document's chunks; returns their ids, in order."""
        ids = []
        for chunk, search_text, key in zip(chunks, search_texts, embed_keys, strict=True):
            ids.append(int(self.db.fetch_value(
                """INSERT INTO chunks(doc_id, ordinal, char_start, char_end, page_start, page_end,
                                      section, text, search_text, embed_key)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                (doc_id, chunk.ordinal, chunk.start, chunk.end, chunk.page_start, chunk.page_end,
                 json.dumps(list(chunk.section), ensure_ascii=False), chunk.text, search_text, key),
            )))
        return ids

    def delete_of(self, doc_id: str) -> None:
        self.db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
