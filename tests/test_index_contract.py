"""One contract, run over every index kind: add, remove, search, save, load behave alike."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from index.dense import DenseIndex
from index.keyword import KeywordIndex

DIM = 24
N = 1500  # enough for the "ivf" kind to train


_ALL_IDS = np.arange(1000, 1000 + N, dtype=np.int64) * 7919
_rng = np.random.default_rng(0)
_TABLE = _rng.standard_normal((N, DIM))
_TABLE = (_TABLE / np.linalg.norm(_TABLE, axis=1, keepdims=True)).astype(np.float32)


def _vectors(ids: np.ndarray) -> np.ndarray:
    """The vector that belongs to each id (fixed, so a query can be built from an id)."""
    return _TABLE[np.asarray(ids) // 7919 - 1000]


def _texts(ids: np.ndarray) -> list[str]:
    return [f"学习笔记 doc{i} 第一议题 中心组" for i in ids]


@dataclass(frozen=True)
class Kind:
    name: str
    make: Callable[[], Any]
    load: Callable[[Any], Any]
    items: Callable[[np.ndarray], Any]  # what add takes for these ids
    query: Callable[[int], Any]  # a query whose best hit is this id


KINDS = [
    Kind(
        f"dense-{kind}",
        lambda kind=kind: DenseIndex(DIM, kind, auto_threshold=1000),
        DenseIndex.load,
        _vectors,
        lambda i: _vectors(np.array([i]))[0],
    )
    for kind in ("flat", "flat16", "ivf", "auto")
] + [Kind("keyword", KeywordIndex, KeywordIndex.load, _texts, lambda i: f"doc{i}")]


@pytest.fixture(params=KINDS, ids=lambda kind: kind.name)
def kind(request) -> Kind:
    return request.param


def _filled(kind: Kind) -> tuple[Any, np.ndarray]:
    ids = _ALL_IDS
    index = kind.make()
    index.add(ids[: N // 2], kind.items(ids[: N // 2]))
    index.add(ids[N // 2 :], kind.items(ids[N // 2 :]))
    return index, ids


def test_add_then_search_finds_each_item(kind):
    index, ids = _filled(kind)
    assert len(index) == N
    assert sorted(index.ids().tolist()) == sorted(ids.tolist())
    for i in ids[::97]:
        found, scores = index.search(kind.query(int(i)), 5)
        assert found[0] == i
        assert found.dtype == np.int64 and len(found) == len(scores) <= 5
        assert list(scores) == sorted(scores, reverse=True)


def test_allowed_is_honoured(kind):
    index, ids = _filled(kind)
    allowed = ids[::3]
    messy = np.concatenate([allowed[::-1], allowed[:5], [123456789]])  # unsorted, repeats, unknown id
    for i in ids[:30]:
        found, scores = index.search(kind.query(int(i)), 5, allowed=allowed)
        assert np.isin(found, allowed).all()
        assert (i in found) == (i in allowed)
        again = index.search(kind.query(int(i)), 5, allowed=messy)
        assert np.array_equal(found, again[0]) and np.array_equal(scores, again[1])
    assert len(index.search(kind.query(int(ids[0])), 5, allowed=np.array([], dtype=np.int64))[0]) == 0
    assert len(index.search(kind.query(int(ids[0])), 0)[0]) == 0


def test_remove_is_real_and_survives_save_load(kind, tmp_path):
    index, ids = _filled(kind)
    gone = ids[:200]
    index.remove(gone)
    assert len(index) == N - 200
    for i in gone[::20]:
        assert i not in index.search(kind.query(int(i)), 50)[0]
    index.save(tmp_path)
    loaded = kind.load(tmp_path)
    assert len(loaded) == N - 200
    assert not np.isin(loaded.ids(), gone).any()
    for i in ids[::50]:
        a, b = index.search(kind.query(int(i)), 10), loaded.search(kind.query(int(i)), 10)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
        if i in gone:
            assert i not in b[0]


def test_re_adding_replaces(kind):
    index, ids = _filled(kind)
    index.add(ids[:1], kind.items(ids[1:2]))  # id 0 now carries item 1's content
    assert len(index) == N
    found = index.search(kind.query(int(ids[1])), 2)[0]
    assert set(found.tolist()) == {ids[0], ids[1]}


def test_save_overwrites_and_leaves_one_generation(kind, tmp_path):
    index, ids = _filled(kind)
    index.save(tmp_path)
    first = {p.name for p in tmp_path.iterdir()}
    index.remove(ids[:10])
    index.save(tmp_path)
    second = {p.name for p in tmp_path.iterdir()}
    assert len(first) == len(second) and first != second  # old generation files are gone
    assert len(kind.load(tmp_path)) == N - 10
