"""The log of imports: when each ran and what it did (for `kb stats` and the status page)."""

from __future__ import annotations

import json

from kb.clock import now
from kb.store.backend import Backend


class IngestRuns:
    """The ingest_runs table."""

    TABLES = ("ingest_runs",)  # what `kb migrate` copies, parents first

    def __init__(self, backend: Backend):
        self.db = backend

    def log(self, started_at: str, summary: dict) -> None:
        self.db.execute("INSERT INTO ingest_runs(started_at, finished_at, summary) VALUES (?, ?, ?)",
                        (started_at, now(), json.dumps(summary, ensure_ascii=False)))

    def last(self) -> dict | None:
        row = self.db.fetch_one("SELECT started_at, finished_at, summary FROM ingest_runs ORDER BY id DESC LIMIT 1")
        if row is None:
            return None
        return {"started_at": row["started_at"], "finished_at": row["finished_at"], **json.loads(row["summary"])}
