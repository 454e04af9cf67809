"""Following other processes' changes: a background thread that keeps an app server's indexes caught up,
so the search after another server's import does not pay for catching up.

With a feed of change notices (PostgreSQL LISTEN/NOTIFY) the thread wakes as soon as another process
commits; it also refreshes when `interval` passes without a notice, a safety net for notices lost
while its connection was down. Without a feed it polls: one generation check every `interval`. A
refresh is cheap when nothing changed (one query), so the safety net costs next to nothing.
docs/deploy.md has the measurements that chose notices over polling.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kb.store.backend import ChangeFeed

log = logging.getLogger(__name__)

NOTICE_FALLBACK = 5.0  # seconds between refreshes when no notice comes (the safety net)
POLL_INTERVAL = 0.5  # seconds between generation checks when the backend sends no notices
STOP_SLICE = 1.0  # the longest single wait on the notice connection


class ChangeFollower:
    """Calls `refresh` once at start, then after every change notice (or every `interval` seconds)."""

    def __init__(self, refresh: Callable[[], object], feed: Callable[[], ChangeFeed | None],
                 interval: float | None = None):
        self._refresh = refresh
        self._open_feed = feed
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kb-follow-changes", daemon=True)
        self.refreshes = 0  # refreshes done (for tests and the benchmark)
        self.mode = "starting"

    def start(self) -> ChangeFollower:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            feed = self._open_feed()
        except Exception:  # noqa: BLE001 - fall back to polling; the reason goes to the log
            log.exception("change notices unavailable; polling instead")
            feed = None
        self.mode = "notices" if feed is not None else "polling"
        interval = self._interval or (NOTICE_FALLBACK if feed is not None else POLL_INTERVAL)
        try:
            while not self._stop.is_set():
                self._safe_refresh(interval)
                if feed is not None:
                    self._wait_for_notice(feed, interval)
                else:
                    self._stop.wait(interval)
        finally:
            if feed is not None:
                feed.close()

    def _wait_for_notice(self, feed: ChangeFeed, interval: float) -> None:
        """Until a notice comes or `interval` passes, in slices of at most a second, so that stop()
        (which cannot interrupt a wait on the connection) returns within about a second."""
        deadline = time.monotonic() + interval
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or feed.wait(min(left, STOP_SLICE)):
                return

    def _safe_refresh(self, pause: float) -> None:
        try:
            self._refresh()
            self.refreshes += 1
        except Exception:  # noqa: BLE001 - a server's background thread must not die; searches still refresh
            log.exception("catching the indexes up failed")
            self._stop.wait(pause)
