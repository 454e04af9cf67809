"""The audit log (操作日志): rows are appended and read, never changed or removed.

There is deliberately no update or delete method here, and the database refuses both itself
(SQLite: triggers; PostgreSQL: a trigger as well), so nothing in the program can rewrite history.
"""

from __future__ import annotations

from kb.records import AuditEntry, AuditQuery
from kb.store.backend import Backend, Row

_COLUMNS = "id, at, actor, role, action, target, outcome, detail"


def _entry(r: Row) -> AuditEntry:
    return AuditEntry(at=r["at"], actor=r["actor"], role=r["role"], action=r["action"], target=r["target"],
                      outcome=r["outcome"], detail=r["detail"], id=r["id"])


class AuditLog:
    """The audit_log table."""

    TABLES = ("audit_log",)  # what `kb migrate` copies (appended into an empty log)

    def __init__(self, backend: Backend):
        self.db = backend

    def append(self, entry: AuditEntry) -> None:
        self.db.execute(
            "INSERT INTO audit_log(at, actor, role, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry.at, entry.actor, entry.role, entry.action, entry.target, entry.outcome, entry.detail))

    def query(self, query: AuditQuery = AuditQuery(), limit: int | None = None) -> list[AuditEntry]:
        """Matching rows, the newest first (at most `limit`)."""
        where, params = ["1 = 1"], []
        for column in ("actor", "action", "outcome"):
            value = getattr(query, column)
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if query.since:
            where.append("at >= ?")
            params.append(query.since)
        if query.until:  # inclusive: "2025-03" keeps every row of March
            where.append("substr(at, 1, ?) <= ?")
            params += [len(query.until), query.until]
        sql = f"SELECT {_COLUMNS} FROM audit_log WHERE {' AND '.join(where)} ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [_entry(r) for r in self.db.fetch_all(sql, params)]

    def actors(self) -> list[str]:
        """Every name that appears in the log."""
        return self.db.fetch_column("SELECT DISTINCT actor FROM audit_log ORDER BY actor")

    def count(self) -> int:
        return int(self.db.fetch_value("SELECT count(*) FROM audit_log", (), 0))
