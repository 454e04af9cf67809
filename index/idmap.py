"""Growable arrays and a sorted id -> row map, the bookkeeping shared by the indexes."""

from __future__ import annotations

import numpy as np


class GrowableArray:
    """A 1-D numpy array with amortised O(1) append (capacity doubles)."""

    def __init__(self, dtype: np.dtype | type, data: np.ndarray | None = None) -> None:
        """Start empty, or from `data` (adopted without a copy when it already has the dtype)."""
        initial = np.ascontiguousarray(data if data is not None else [], dtype=dtype)
        if initial.ndim != 1:
            raise ValueError("GrowableArray 只接受一维数组。")
        if len(initial) >= 16:
            self._buffer = initial
        else:
            self._buffer = np.empty(16, dtype=dtype)
            self._buffer[: len(initial)] = initial
        self._size = len(initial)

    def __len__(self) -> int:
        return self._size

    @property
    def view(self) -> np.ndarray:
        """The filled part (a view: copy it before the next append if you keep it)."""
        return self._buffer[: self._size]

    def extend(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=self._buffer.dtype)
        needed = self._size + len(values)
        if needed > len(self._buffer):
            grown = np.empty(max(needed, 2 * len(self._buffer)), dtype=self._buffer.dtype)
            grown[: self._size] = self._buffer[: self._size]
            self._buffer = grown
        self._buffer[self._size : needed] = values
        self._size = needed


class IdMap:
    """Live ids -> row numbers, kept as two sorted arrays so lookups of many ids stay vectorised."""

    def __init__(self) -> None:
        self._ids = np.empty(0, dtype=np.int64)
        self._rows = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self) -> np.ndarray:
        """The live ids, ascending."""
        return self._ids.copy()

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id, -1 where the id is absent."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if len(self._ids) == 0 or len(ids) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self._ids, ids), len(self._ids) - 1)
        return np.where(self._ids[pos] == ids, self._rows[pos], -1)

    def insert(self, ids: np.ndarray, rows: np.ndarray) -> None:
        """Add ids that are not present yet."""
        order = np.argsort(ids, kind="stable")
        # Two sorted runs: the stable sort (timsort) merges them in linear time.
        all_ids = np.concatenate([self._ids, np.asarray(ids, dtype=np.int64)[order]])
        all_rows = np.concatenate([self._rows, np.asarray(rows, dtype=np.int64)[order]])
        merged = np.argsort(all_ids, kind="stable")
        self._ids, self._rows = all_ids[merged], all_rows[merged]

    def delete(self, ids: np.ndarray) -> np.ndarray:
        """Drop the ids that are present; returns their rows."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if len(self._ids) == 0 or len(ids) == 0:
            return np.empty(0, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self._ids, ids), len(self._ids) - 1)
        pos = np.unique(pos[self._ids[pos] == ids])
        rows = self._rows[pos]
        self._ids = np.delete(self._ids, pos)
        self._rows = np.delete(self._rows, pos)
        return rows

    def renumber(self, new_row_of_old: np.ndarray) -> None:
        """Map every row through `new_row_of_old` (after compaction)."""
        self._rows = new_row_of_old[self._rows]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Values as a sorted int64 array without repeats; an already strictly increasing one is kept as is."""
    values = np.asarray(values, dtype=np.int64).ravel()
    if len(values) < 2 or bool(np.all(values[1:] > values[:-1])):
        return values  # callers filtering many queries can sort once and skip this cost
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def check_ids(ids: np.ndarray) -> np.ndarray:
    """Ids as a 1-D int64 array; duplicates in one batch are refused."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError("ids 必须是一维整数数组。")
    ids = ids.astype(np.int64, copy=False)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("同一批 ids 中有重复的编号。")
    return ids
