"""The steps inside a real call, timed: named functions are wrapped with a timer for the length of a
`with` block while the real KnowledgeBase.search or .ingest runs.

This replaces timing a hand-written copy of the operation's steps, which drifts from the product
unnoticed. Here a step the operation no longer calls shows up with no calls, and a function that no
longer exists fails at once (the benchmark then names it). Written by hand because profilers give
cumulative times per function over a run, not per-call durations of a chosen few at ~1 µs overhead.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from functools import wraps
from typing import Any

# (label, owner, attribute): owner is a module or a class (wrapping a class's function reaches every
# instance, including those the operation creates while it runs).
Target = tuple[str, object, str]


class Probes:
    """Durations of the target functions' calls while the block runs, summed per round (one round per
    operation timed); for the `keep` labels, each call's duration and return value (None when it
    raised) are kept too."""

    def __init__(self, targets: Sequence[Target], keep: Collection[str] = ()) -> None:
        self.targets = list(targets)
        self.keep = set(keep)
        self.rounds: list[dict[str, float]] = [{}]
        self.calls: dict[str, int] = defaultdict(int)
        self.results: dict[str, list[Any]] = defaultdict(list)
        self.durations: dict[str, list[float]] = defaultdict(list)
        self._saved: list[tuple[object, str, object, bool]] = []

    def __enter__(self) -> Probes:
        for label, owner, name in self.targets:
            original = getattr(owner, name)  # AttributeError: the product no longer has this step
            self._saved.append((owner, name, original, name in vars(owner)))
            setattr(owner, name, self._timed(label, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original, own in reversed(self._saved):
            if own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)
        self._saved.clear()

    def _timed(self, label: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            result = None
            start = time.perf_counter()
            try:
                result = original(*args, **kwargs)
                return result
            finally:
                elapsed = time.perf_counter() - start
                round_ = self.rounds[-1]
                round_[label] = round_.get(label, 0.0) + elapsed
                self.calls[label] += 1
                if label in self.keep:
                    self.durations[label].append(elapsed)
                    self.results[label].append(result)

        return timed

    def new_round(self) -> None:
        """Start timing the next operation."""
        self.rounds.append({})

    def seconds(self, label: str) -> float:
        """Time spent in `label` over every round."""
        return sum(r.get(label, 0.0) for r in self.rounds)

    def per_round(self, label: str) -> list[float]:
        """Time spent in `label` in each round that called it."""
        return [r[label] for r in self.rounds if label in r]

    def forget(self) -> None:
        """Drop what was measured so far (e.g. the warm-up)."""
        self.rounds = [{}]
        self.calls.clear()
        self.results.clear()
        self.durations.clear()
