"""Facts about the knowledge base itself (model, settings, format) and its change counter."""

from __future__ import annotations

import json
import uuid

from kb.store.backend import Backend

GENERATION = "generation"


class Meta:
    """The meta key/value table and the counters table."""

    TABLES = ("meta", "counters")  # what `kb migrate` copies, parents first

    def __init__(self, backend: Backend):
        self.db = backend

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.db.fetch_value("SELECT value FROM meta WHERE key = ?", (key,), default)

    def set(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # ---- the change counter ---------------------------------------------------------------------
    def generation(self) -> int:
        """Bumped by every change to the set of chunks; indexes record the generation they reflect."""
        return int(self.db.fetch_value("SELECT value FROM counters WHERE name = ?", (GENERATION,), 0))

    def bump_generation(self) -> int:
        """Count one change (inside the caller's transaction); returns the new generation.

        One UPDATE … RETURNING: the row lock it takes makes concurrent writers count one after the other.
        A backend that can notify other processes (PostgreSQL) tells them when the transaction commits.
        """
        generation = int(self.db.fetch_value(
            "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value", (GENERATION,)))
        self.db.notify_change(generation)
        return generation

    # ---- identity -------------------------------------------------------------------------------
    def instance(self) -> str:
        """A random id given to the knowledge base the first time it is asked (kept; never copied by
        `kb migrate`): a database dropped and created again under the same name is not mistaken for
        the old one by the indexes an app server keeps of it."""
        self.db.execute("INSERT INTO meta(key, value) VALUES ('instance', ?) ON CONFLICT(key) DO NOTHING",
                        (uuid.uuid4().hex,))
        return str(self.get("instance"))

    # ---- what built the knowledge base ----------------------------------------------------------
    def model(self) -> tuple[str | None, int | None]:
        """(model name, vector dimension) recorded at the first import, or (None, None)."""
        dim = self.get("dim")
        return self.get("model"), int(dim) if dim else None

    def record_model(self, name: str, dim: int, settings: dict) -> None:
        """Record the model and the settings of a knowledge base's first import (kept if already there)."""
        for key, value in (("model", name), ("dim", str(dim)), ("config", json.dumps(settings, ensure_ascii=False))):
            self.db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (key, value))

    def switch_model(self, name: str, dim: int) -> None:
        self.set("model", name)
        self.set("dim", str(dim))

    def settings(self) -> dict | None:
        """The configuration recorded when the knowledge base was built (None before the first import)."""
        raw = self.get("config")
        return json.loads(raw) if raw else None

    def set_settings(self, settings: dict) -> None:
        self.set("config", json.dumps(settings, ensure_ascii=False))
