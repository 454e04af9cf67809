"""Near-duplicates: each document's MinHash signature, and the links found at import between a document
and the stored document whose text is nearly the same (its twin)."""

from __future__ import annotations

from kb.store.backend import Backend


class TwinRows:
    """The document_signatures and document_twins tables (rows go with their documents: ON DELETE CASCADE)."""

    TABLES = ("document_signatures", "document_twins")  # what `kb migrate` copies, parents first

    def __init__(self, backend: Backend):
        self.db = backend

    def signatures(self, scheme: str) -> list[tuple[str, bytes]]:
        """(document id, signature blob) of every document signed with `scheme`."""
        rows = self.db.fetch_all("SELECT doc_id, signature FROM document_signatures WHERE scheme = ?", (scheme,))
        return [(r["doc_id"], bytes(r["signature"])) for r in rows]

    def unsigned(self, scheme: str) -> list[str]:
        """Documents without a signature in `scheme` (imported before signatures were kept, or signed otherwise)."""
        return self.db.fetch_column(
            "SELECT d.id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_signatures s "
            "WHERE s.doc_id = d.id AND s.scheme = ?) ORDER BY d.id", (scheme,))

    def links(self) -> list[tuple[str, str, float]]:
        """Every (document, its twin, similarity) link."""
        rows = self.db.fetch_all("SELECT doc_id, twin_id, similarity FROM document_twins ORDER BY doc_id, twin_id")
        return [(r["doc_id"], r["twin_id"], float(r["similarity"])) for r in rows]

    def count_links(self) -> int:
        return int(self.db.fetch_value("SELECT count(*) FROM document_twins", (), 0))

    # ---- writing (inside the caller's transaction) ----------------------------------------------
    def put_signature(self, doc_id: str, scheme: str, blob: bytes) -> None:
        self.db.execute(
            "INSERT INTO document_signatures(doc_id, scheme, signature) VALUES (?, ?, ?) "
            "ON CONFLICT(doc_id) DO UPDATE SET scheme = excluded.scheme, signature = excluded.signature",
            (doc_id, scheme, blob))

    def link(self, doc_id: str, twin_id: str, similarity: float, stamp: str) -> None:
        """Record that `doc_id` is a version of `twin_id` (a pair is kept once, whichever way round)."""
        if doc_id == twin_id or self.db.fetch_value(
                "SELECT 1 FROM document_twins WHERE doc_id = ? AND twin_id = ?", (twin_id, doc_id)):
            return
        self.db.execute(
            "INSERT INTO document_twins(doc_id, twin_id, similarity, found_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(doc_id, twin_id) DO UPDATE SET similarity = excluded.similarity",
            (doc_id, twin_id, float(similarity), stamp))

