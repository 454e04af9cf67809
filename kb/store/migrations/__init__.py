"""Schema migrations per dialect, under the same names and version numbers in every dialect."""

from __future__ import annotations

import importlib


def migrations_for(dialect: str) -> list[tuple[str, str]]:
    """The (name, script) list of a dialect: kb/store/migrations/<dialect>.py's MIGRATIONS."""
    return importlib.import_module(f"kb.store.migrations.{dialect}").MIGRATIONS
