"""The server-side log of the web UI: what went wrong, in full, for whoever runs the server.

People in the browser get a short message with a reference number; the traceback goes to
<data>/logs/kb-ui.log (or $KB_LOG_DIR), under the same number. Rotated at 5 MB, 5 files kept.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

ENV_LOG_DIR = "KB_LOG_DIR"
FILE_NAME = "kb-ui.log"
log = logging.getLogger("kb.ui")
_lock = threading.Lock()
_handlers: dict[Path, logging.Handler] = {}


def log_dir(data: str | Path) -> Path:
    """$KB_LOG_DIR, else <data>/logs for a data folder, else ~/.local/state/kb/logs (a database server)."""
    if os.environ.get(ENV_LOG_DIR):
        return Path(os.environ[ENV_LOG_DIR]).expanduser()
    if "://" not in str(data):
        return Path(data) / "logs"
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "kb" / "logs"


def setup(data: str | Path) -> Path | None:
    """Send the UI's log records to the log file of this data directory (once per process); returns
    the file, or None if it cannot be written (the records then go to the console only)."""
    path = log_dir(data) / FILE_NAME
    with _lock:
        if path in _handlers:
            return path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = RotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5,
                                                           encoding="utf-8")
        except OSError:
            return None
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logging.getLogger("kb").addHandler(handler)
        logging.getLogger("kb").setLevel(logging.INFO)
        _handlers[path] = handler
    return path


def reference() -> str:
    """A short number to tie a message on screen to its record in the log."""
    return secrets.token_hex(4).upper()


def record(error: BaseException, what: str) -> str:
    """Log `error` with its traceback under a new reference; returns the reference."""
    ref = reference()
    log.error("[%s] %s", ref, what, exc_info=(type(error), error, error.__traceback__))
    return ref
