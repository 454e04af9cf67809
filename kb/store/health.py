"""What `kb check` asks the database beyond its own integrity check: counts, and ids that must agree."""

from __future__ import annotations

import numpy as np

from kb.store.backend import Backend


class Health:
    """Read-only questions across the record families (no table of its own)."""

    def __init__(self, backend: Backend):
        self.db = backend

    def counts(self, model: str) -> dict[str, int]:
        """Rows a person would recognise, and the vectors of the model in use."""
        one = self.db.fetch_value
        return {
            "documents": int(one("SELECT count(*) FROM documents")),
            "chunks": int(one("SELECT count(*) FROM chunks")),
            "vectors": int(one("SELECT count(*) FROM embeddings WHERE model = ?", (model,))),
            "reading_lists": int(one("SELECT count(*) FROM reading_lists")),
            "reading_list_items": int(one("SELECT count(*) FROM reading_list_items")),
            "plans": int(one("SELECT count(*) FROM plans")),
            "accounts": int(one("SELECT count(*) FROM accounts")),
            "audit_rows": int(one("SELECT count(*) FROM audit_log")),
        }

    def chunks_without_document(self) -> int:
        """Chunks whose document is gone (the foreign key should make this impossible)."""
        return int(self.db.fetch_value(
            "SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = c.doc_id)"))

    def documents_without_chunks(self) -> list[str]:
        """Documents committed without any passage (a commit is all or nothing: should be none)."""
        return [str(i) for i in self.db.fetch_column(
            "SELECT d.id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.id) "
            "ORDER BY d.id")]

    def duplicate_paths(self) -> int:
        """Files stored twice under one path (a unique index should make this impossible)."""
        return int(self.db.fetch_value(
            "SELECT count(*) FROM (SELECT path FROM documents GROUP BY path HAVING count(*) > 1) AS twice"))

    def chunk_ids_without_vectors(self, model: str) -> np.ndarray:
        """Sorted ids of the chunks whose vector for `model` is not stored yet."""
        ids = self.db.fetch_column(
            "SELECT c.id FROM chunks c WHERE NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.model = ? AND e.key = c.embed_key)", (model,))
        return np.sort(np.fromiter(ids, dtype=np.int64, count=len(ids)))
