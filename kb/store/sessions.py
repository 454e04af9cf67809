"""Corrections organisers made to what was extracted from a minutes document (one row a document)."""

from __future__ import annotations

import json

from kb.clock import now
from kb.records import SESSION_FIELDS, SessionEdit
from kb.store.backend import Backend, Row

_LISTS = ("attendees", "speakers")  # stored as JSON arrays


def _edit(r: Row) -> SessionEdit:
    values = {name: r[name] for name in SESSION_FIELDS}
    for name in _LISTS:
        if values[name] is not None:
            values[name] = tuple(json.loads(values[name]))
    return SessionEdit(doc_id=r["doc_id"], **values)


class SessionEdits:
    """The session_edits table."""

    TABLES = ("session_edits",)  # what `kb migrate` copies, parents first

    def __init__(self, backend: Backend):
        self.db = backend

    def all(self) -> dict[str, SessionEdit]:
        return {r["doc_id"]: _edit(r) for r in self.db.fetch_all("SELECT * FROM session_edits ORDER BY doc_id")}

    def get(self, doc_id: str) -> SessionEdit | None:
        row = self.db.fetch_one("SELECT * FROM session_edits WHERE doc_id = ?", (doc_id,))
        return _edit(row) if row else None

    def put(self, edit: SessionEdit) -> None:
        """Store a document's corrections (all fields None: forget them)."""
        values = [edit.value(name) for name in SESSION_FIELDS]
        if all(value is None for value in values):
            self.db.execute("DELETE FROM session_edits WHERE doc_id = ?", (edit.doc_id,))
            return
        stored = [json.dumps(list(v), ensure_ascii=False) if name in _LISTS and v is not None else v
                  for name, v in zip(SESSION_FIELDS, values, strict=True)]
        columns = ", ".join(SESSION_FIELDS)
        self.db.execute(
            f"INSERT INTO session_edits(doc_id, {columns}, updated_at) VALUES (?, {', '.join('?' * len(stored))}, ?) "
            f"ON CONFLICT(doc_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in SESSION_FIELDS)}, "
            "updated_at = excluded.updated_at",
            [edit.doc_id, *stored, now()],
        )

    def carry(self, old_doc_id: str, new_doc_id: str) -> None:
        """A minutes file was replaced by a new version: its corrections follow it (inside the caller's
        transaction). Corrections stored for the new content (an earlier version come back) give way."""
        if old_doc_id == new_doc_id:
            return
        if self.db.fetch_value("SELECT 1 FROM session_edits WHERE doc_id = ?", (old_doc_id,)) is not None:
            self.db.execute("DELETE FROM session_edits WHERE doc_id = ?", (new_doc_id,))
            self.db.execute("UPDATE session_edits SET doc_id = ? WHERE doc_id = ?", (new_doc_id, old_doc_id))
