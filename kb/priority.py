"""Searches first: background work of this process (the import worker) gives way while a search runs.

An import shares the process — its cores, its interpreter lock, the model — with the people searching.
Locks keep searches from waiting for a whole import; this keeps them from sharing the CPU with it as
well: before each step (a file read, a passage tokenized, a batch of passages encoded) the worker waits until
no search is running, for at most a moment, so steady searching slows an import but cannot stop it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

LONGEST_WAIT = 0.5  # seconds a background step waits for searches to pause: imports still move under load
SMALL_STEP_WAIT = 0.05  # for the smallest steps (one passage tokenized): a search's duration, roughly


class Foreground:
    """Counts the searches running in this process; background steps wait for none to be."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = threading.Condition()

    @contextmanager
    def search(self) -> Iterator[None]:
        with self._idle:
            self._running += 1
        try:
            yield
        finally:
            with self._idle:
                self._running -= 1
                if not self._running:
                    self._idle.notify_all()

    def give_way(self, longest: float = LONGEST_WAIT) -> None:
        """Wait (at most `longest` seconds) until no search is running."""
        with self._idle:
            self._idle.wait_for(lambda: self._running == 0, timeout=longest)

    def give_way_briefly(self) -> None:
        """give_way for a small step (one passage): wait at most about one search's time."""
        self.give_way(SMALL_STEP_WAIT)
