"""The audit log read back (kb.audit): filtered for the administrators' page, exported as CSV.

Rows are written by the guard (kb.access) only; this service reads them, and only for administrators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.access import ACTIONS, OUTCOME_LABELS, ROLE_LABELS, Guard, audited, restricted
from kb.export.csv import table
from kb.records import AuditEntry, AuditQuery

if TYPE_CHECKING:
    from kb.store import Store

CSV_COLUMNS = ("时间", "账号", "角色", "操作", "对象", "结果", "说明")


def action_label(action: str) -> str:
    return ACTIONS[action].label if action in ACTIONS else action


def csv_row(entry: AuditEntry) -> list[str | None]:
    return [entry.at.replace("T", " "), entry.actor, ROLE_LABELS.get(entry.role, entry.role),
            action_label(entry.action), entry.target, OUTCOME_LABELS.get(entry.outcome, entry.outcome),
            entry.detail]


class Audit:
    """Reading the audit log (kb.audit)."""

    def __init__(self, store: Store, guard: Guard):
        self.store = store
        self.guard = guard

    @restricted("audit.read")
    def entries(self, query: AuditQuery = AuditQuery(), limit: int | None = 500) -> list[AuditEntry]:
        """Matching rows, the newest first."""
        return self.store.audit.query(query, limit)

    @restricted("audit.read")
    def actors(self) -> list[str]:
        """Every name in the log (for the filter)."""
        return self.store.audit.actors()

    @audited("export")
    def export_csv(self, query: AuditQuery = AuditQuery()) -> bytes:
        """Every matching row as CSV (the export itself is audited)."""
        rows = self.entries(query, limit=None)
        self.guard.note(f"操作日志 {len(rows)} 条（CSV）")
        return table(CSV_COLUMNS, (csv_row(e) for e in rows))
