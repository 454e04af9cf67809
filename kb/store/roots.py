"""Import roots: the folders whose files people other than the local administrator may import."""

from __future__ import annotations

from kb.store.backend import Backend


class ImportRoots:
    """The import_roots table (real paths, symlinks resolved when added)."""

    TABLES = ("import_roots",)  # what `kb migrate` copies

    def __init__(self, backend: Backend):
        self.db = backend

    def all(self) -> list[str]:
        return self.db.fetch_column("SELECT path FROM import_roots ORDER BY path")

    def add(self, path: str, stamp: str, by: str) -> bool:
        """Add a root; False if it was already there."""
        return self.db.execute("INSERT INTO import_roots(path, added_at, added_by) VALUES (?, ?, ?) "
                               "ON CONFLICT(path) DO NOTHING", (path, stamp, by)) > 0

    def remove(self, path: str) -> bool:
        return self.db.execute("DELETE FROM import_roots WHERE path = ?", (path,)) > 0
