"""FAISS dense index against a numpy brute-force oracle on seeded synthetic vectors."""

import numpy as np
import pytest

import index.dense as dense
from index.dense import DenseIndex


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def random_vectors(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ids = rng.choice(10**15, size=n, replace=False).astype(np.int64)
    return ids, unit(rng.standard_normal((n, dim)))


def clustered_vectors(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points near a low-dimensional cluster structure, as text embeddings are."""
    rng = np.random.default_rng(seed)
    basis = unit(rng.standard_normal((16, dim)))
    centers = rng.standard_normal((200, 16))
    latent = centers[rng.integers(0, 200, n)] + 0.6 * rng.standard_normal((n, 16))
    ids = rng.choice(10**15, size=n, replace=False).astype(np.int64)
    return ids, unit(latent @ basis + 0.1 * rng.standard_normal((n, dim)))


def oracle(ids, vectors, queries, k, allowed=None):
    """Exact top-k (ids, scores) per query by numpy brute force; one query or a batch."""
    single = queries.ndim == 1
    scores = np.atleast_2d(queries) @ vectors.T
    if allowed is not None:
        keep = np.isin(ids, allowed)
        ids, scores = ids[keep], scores[:, keep]
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    results = [(ids[row], s[row]) for row, s in zip(top, scores, strict=True)]
    return results[0] if single else results


def recall(found, expected) -> float:
    return len(set(found.tolist()) & set(expected.tolist())) / max(1, len(expected))


def test_flat_equals_oracle_with_and_without_filters():
    ids, vectors = random_vectors(2000, 32, seed=1)
    index = DenseIndex(32, "flat")
    index.add(ids, vectors)
    queries = unit(np.random.default_rng(2).standard_normal((5, 32)))
    allowed = ids[::3]
    for query in queries:
        for subset in (None, allowed, ids[:5]):
            got_ids, got_scores = index.search(query, 10, allowed=subset)
            want_ids, want_scores = oracle(ids, vectors, query, 10, subset)
            assert got_ids.tolist() == want_ids.tolist()
            np.testing.assert_allclose(got_scores, want_scores, rtol=1e-5, atol=1e-6)


def test_fewer_hits_than_k_give_shorter_arrays():
    ids, vectors = random_vectors(5, 16, seed=3)
    index = DenseIndex(16, "flat")
    index.add(ids, vectors)
    got_ids, got_scores = index.search(vectors[0], 10)
    assert len(got_ids) == len(got_scores) == 5 and got_ids[0] == ids[0]
    assert len(index.search(vectors[0], 10, allowed=ids[:2])[0]) == 2
    assert len(index.search(vectors[0], 10, allowed=np.array([123], dtype=np.int64))[0]) == 0
    assert len(DenseIndex(16).search(vectors[0], 10)[0]) == 0


def test_batch_queries_give_one_result_per_query():
    ids, vectors = random_vectors(50, 16, seed=4)
    index = DenseIndex(16, "flat")
    index.add(ids, vectors)
    batch_ids, batch_scores = index.search(vectors[:3], 4)
    assert len(batch_ids) == len(batch_scores) == 3
    for row, (found, scores) in enumerate(zip(batch_ids, batch_scores, strict=True)):
        single = index.search(vectors[row], 4)
        assert found.tolist() == single[0].tolist() and scores.tolist() == single[1].tolist()


def test_ivf_recall_against_oracle():
    ids, vectors = clustered_vectors(20000, 48, seed=5)
    index = DenseIndex(48, "ivf")
    index.add(ids, vectors)
    assert index.layout == "ivf" and index.measured_recall >= dense.TARGET_RECALL
    rng = np.random.default_rng(6)
    queries = unit(vectors[rng.integers(0, len(ids), 100)] + 0.05 * rng.standard_normal((100, 48)))
    half = ids[rng.random(len(ids)) < 0.5]  # above EXACT_SUBSET: searched through an IDSelector
    small = ids[:300]  # scored exactly from the stored vectors
    for subset, floor in ((None, 0.98), (half, 0.98), (small, 1.0)):
        found = index.search(queries, 10, allowed=subset)[0]
        expected = [e for e, _ in oracle(ids, vectors, queries, 10, subset)]
        assert np.mean([recall(f, e) for f, e in zip(found, expected, strict=True)]) >= floor


def test_ivf_selector_path_for_large_allowed_sets(monkeypatch):
    monkeypatch.setattr(dense, "EXACT_SUBSET", 10)
    ids, vectors = clustered_vectors(8000, 32, seed=7)
    index = DenseIndex(32, "ivf")
    index.add(ids, vectors)
    rng = np.random.default_rng(8)
    queries = unit(vectors[rng.integers(0, len(ids), 60)] + 0.05 * rng.standard_normal((60, 32)))
    for subset in (ids[rng.random(len(ids)) < 0.2], ids[rng.random(len(ids)) < 0.9]):
        found = index.search(queries, 10, allowed=subset)[0]
        expected = [e for e, _ in oracle(ids, vectors, queries, 10, subset)]
        assert all(np.isin(f, subset).all() for f in found)
        assert np.mean([recall(f, e) for f, e in zip(found, expected, strict=True)]) >= 0.98


def test_flat16_is_near_exact():
    ids, vectors = random_vectors(3000, 64, seed=14)
    index = DenseIndex(64, "flat16")
    index.add(ids, vectors)
    queries = unit(np.random.default_rng(15).standard_normal((50, 64)))
    for subset in (None, ids[::4]):
        found, scores = index.search(queries, 10, allowed=subset)
        expected = oracle(ids, vectors, queries, 10, subset)
        assert np.mean([recall(f, e) for f, (e, _) in zip(found, expected, strict=True)]) >= 0.98
        for got, (_, want) in zip(scores, expected, strict=True):
            np.testing.assert_allclose(got, want, atol=2e-3)


def test_auto_switches_to_ivf_only_when_measurement_says_it_pays(monkeypatch):
    ids, vectors = clustered_vectors(6000, 32, seed=9)
    structured = DenseIndex(32, "auto", auto_threshold=5000)
    structured.add(ids[:4000], vectors[:4000])
    assert structured.layout == "flat"
    structured.add(ids[4000:], vectors[4000:])
    assert structured.layout == "ivf" and structured.measured_recall >= dense.TARGET_RECALL

    ids, vectors = random_vectors(6000, 64, seed=10)
    unstructured = DenseIndex(64, "auto", auto_threshold=5000)
    unstructured.add(ids, vectors)
    assert unstructured.layout == "flat"  # random vectors: IVF would need most lists for 0.99 recall
    assert unstructured.measured_recall == 1.0

    monkeypatch.setattr(dense, "FLAT16_THRESHOLD", 5000)
    big = DenseIndex(64, "auto", auto_threshold=5000)
    big.add(ids, vectors)
    assert big.layout == "flat16" and big.measured_recall >= dense.TARGET_RECALL
    assert big.search(vectors[7], 1)[0].tolist() == [ids[7]]


@pytest.mark.parametrize("kind", ["flat", "flat16", "ivf"])
def test_removed_ids_never_come_back(kind, tmp_path):
    ids, vectors = clustered_vectors(3000, 32, seed=11)
    index = DenseIndex(32, kind)
    index.add(ids, vectors)
    gone = ids[:1000]
    index.remove(gone)
    index.remove(gone)  # removing again is a no-op
    assert len(index) == 2000
    assert not np.isin(index.ids(), gone).any()
    for query in vectors[:20]:  # the removed vectors themselves as queries
        assert not np.isin(index.search(query, 2000)[0], gone).any()
        assert len(index.search(query, 10, allowed=gone)[0]) == 0
    index.save(tmp_path)
    loaded = DenseIndex.load(tmp_path)
    assert len(loaded) == 2000
    for query in vectors[:20]:
        assert not np.isin(loaded.search(query, 2000)[0], gone).any()


@pytest.mark.parametrize("kind", ["flat", "flat16", "ivf", "auto"])
def test_save_load_round_trip_is_identical(kind, tmp_path):
    ids, vectors = clustered_vectors(4000, 32, seed=12)
    index = DenseIndex(32, kind, auto_threshold=2000)
    index.add(ids, vectors)
    index.save(tmp_path / "dense")
    loaded = DenseIndex.load(tmp_path / "dense")
    assert (loaded.kind, loaded.layout, loaded.nprobe, len(loaded)) == (index.kind, index.layout, index.nprobe, 4000)
    queries = vectors[:10] + 0.01
    for subset in (None, ids[::2], ids[:50]):
        a_ids, a_scores = index.search(queries, 10, allowed=subset)
        b_ids, b_scores = loaded.search(queries, 10, allowed=subset)
        for x, y in zip(a_ids + a_scores, b_ids + b_scores, strict=True):
            assert np.array_equal(x, y)


def test_adding_an_existing_id_replaces_its_vector():
    ids, vectors = random_vectors(100, 16, seed=13)
    index = DenseIndex(16, "flat")
    index.add(ids, vectors)
    index.add(ids[:1], vectors[1:2])
    assert len(index) == 100
    found, scores = index.search(vectors[1], 2)
    assert set(found.tolist()) == {ids[0], ids[1]}
    np.testing.assert_allclose(scores, [1.0, 1.0], rtol=1e-5)


def test_bad_input_is_refused():
    index = DenseIndex(8)
    with pytest.raises(ValueError):
        index.add(np.array([1, 2]), np.zeros((2, 9), dtype=np.float32))
    with pytest.raises(ValueError):
        index.add(np.array([1, 1]), np.zeros((2, 8), dtype=np.float32))
    with pytest.raises(ValueError):
        index.search(np.zeros(9, dtype=np.float32), 3)
    with pytest.raises(ValueError):
        DenseIndex(8, "hnsw")
