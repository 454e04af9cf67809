"""Who acts, and the one place every change passes through: the guard.

Every mutating method of the facade and of its services is declared with `@mutation(action)`, which
runs it inside `Guard.mutation(action, target)`. Today that takes the process's write lock (one
writer at a time inside a process; readers never wait for it). It is also where the acting user's
role is checked and the audit row written: one place to change, and tests/test_access.py checks
that every public mutating method really enters it.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

# The vocabulary of actions, for the permission check and the audit log.
ACTIONS = frozenset({
    "document.import",  # read files into the knowledge base
    "document.upload",  # files uploaded through the web UI (a kind of import)
    "document.delete",
    "list.create",
    "list.edit",  # rename, describe, add, annotate, reorder or remove items
    "list.delete",
    "plan.create",
    "plan.edit",  # the main line, a month's theme/format/note/list, drafting readings
    "plan.delete",
    "session.edit",  # corrections to a session extracted from minutes
    "settings",  # rebuild the indexes, change the model or the chunker settings
    "database.copy",  # fill a new, empty knowledge base with a copy of another (kb migrate)
})


@dataclass(frozen=True)
class Actor:
    """Who is acting: a name and a role (what the role may do is decided in Guard.mutation)."""

    name: str
    role: str


# The person at the keyboard of a local install: the CLI, and the UI in 本机模式.
LOCAL_ADMIN = Actor("本机管理员", "admin")


class Guard:
    """The choke point of every change made on behalf of one actor."""

    def __init__(self, actor: Actor, write_lock: threading.RLock):
        self.actor = actor
        self._write_lock = write_lock
        self._local = threading.local()

    @property
    def active(self) -> tuple[str, ...]:
        """The actions this thread is inside, outermost first (empty outside any mutation)."""
        return tuple(getattr(self._local, "stack", ()))

    @contextmanager
    def mutation(self, action: str, target: object = None) -> Iterator[None]:
        """Run one change: serialised with the other writers of this process (the lock is reentrant,
        so a change made of smaller changes, like drafting a plan, enters it once per step)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}: add it to kb.access.ACTIONS")
        with self._write_lock:
            stack = getattr(self._local, "stack", [])
            self._local.stack = [*stack, action]
            try:
                yield
            finally:
                self._local.stack = stack


F = TypeVar("F", bound=Callable[..., Any])


def mutation(action: str, target: str | None = None) -> Callable[[F], F]:
    """Declare a method as a change: calls run inside `self.guard.mutation(action, <target>)`, where
    <target> is the value of the method's parameter named `target` (e.g. the list's name)."""

    def decorate(method: F) -> F:
        signature = inspect.signature(method)

        @wraps(method)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            what = signature.bind(self, *args, **kwargs).arguments.get(target) if target else None
            with self.guard.mutation(action, what):
                return method(self, *args, **kwargs)

        guarded.action = action  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate
