"""The one error ingestion raises for a bad file: what is wrong and what to do, in Chinese."""

from __future__ import annotations

from pathlib import Path

from ingest.types import Skipped


class UnreadableFile(Exception):
    """A file that cannot be read; `problem` says what is wrong and `fix` what to do (both Chinese)."""

    def __init__(self, path: str | Path, problem: str, fix: str):
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(self.skipped.reason)

    @property
    def skipped(self) -> Skipped:
        return Skipped(self.path, self.problem, self.fix)
