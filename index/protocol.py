"""The verbs every index shares (DenseIndex, KeywordIndex), written once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

Items = TypeVar("Items", contravariant=True)  # what add takes: float32 vectors or texts
Query = TypeVar("Query", contravariant=True)  # what search takes: a vector or a query string


class SearchIndex(Protocol[Items, Query]):
    """An index addressed by stable int64 ids.

    - add(ids, items): an id already present is replaced; ids in one batch must be distinct.
    - remove(ids): really deletes (also from what save writes); absent ids are ignored.
    - search(query, k, allowed): (ids int64, scores float32), score descending, at most k long
      (shorter when fewer match, never padded); `allowed` limits the ids considered.
    - save(directory): crash-safe, JSON / .npy / faiss files only; `Cls.load(directory)` reads it.
    """

    def add(self, ids: np.ndarray, items: Items) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(self, query: Query, k: int, allowed: np.ndarray | None = None) -> tuple[Any, Any]: ...

    def ids(self) -> np.ndarray: ...

    def __len__(self) -> int: ...

    def save(self, directory: Path) -> None: ...
