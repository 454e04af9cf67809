"""Dense vector index over FAISS: exact inner product while small, a measured faster layout past that.

Vectors are L2-normalised float32, so inner product is cosine. Layouts:
- "flat": IndexIDMap2(IndexFlatIP), exact.
- "flat16": IndexIDMap2(IndexScalarQuantizer fp16): the same full scan over half the bytes; scores
  differ from exact by ~1e-3 (recall@10 0.999 on random vectors at 1M).
- "ivf": IndexIVFFlat with a hashtable direct map, so removes are real and vectors can be read back.
  nlist is about 4 sqrt(n); nprobe is not guessed but measured after each training: the smallest
  nprobe whose recall@10 against exact search on probe queries (see _Probe) reaches TARGET_RECALL.
Kinds "flat", "flat16" and "ivf" fix the layout; "auto" is exact until AUTO_THRESHOLD vectors, then
trains IVF and keeps it only if the measurement shows it pays (nprobe at most a quarter of nlist);
otherwise it uses "flat16" from FLAT16_THRESHOLD vectors on and stays "flat" below. The measurement
is repeated each time the collection quadruples. Random vectors never keep IVF (recall@10 0.78 with
half the lists probed at 1M); sentence embeddings of the eval corpora did not either at 17k
(real questions needed 30-50% of the lists for 0.98).

HNSW was measured too and dropped: on 2 cores it built 100k vectors in 137 s (IVF trained in 12 s),
needed efSearch > 512 for recall 0.57 on random vectors, and faiss cannot remove from it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.idmap import IdMap, check_ids, sorted_unique
from index.postings import empty_result, top_k
from index.storage import (
    IndexFormatError,
    array_writer,
    bundle_path,
    load_array,
    read_manifest,
    save_bundle,
)

KIND = "dense"
FLAT, FLAT16, IVF, AUTO = "flat", "flat16", "ivf", "auto"
KINDS = (FLAT, FLAT16, IVF, AUTO)

# Measured single-query latency at 512 dims on this 2-core machine (one OpenMP thread):
# flat 12.7 ms at 100k and ~85 ms at 1M; flat16 9 ms and ~55 ms; IVF 0.6-1.6 ms on clustered data.
AUTO_THRESHOLD = 50_000  # below this flat costs under ~7 ms: exactness is worth keeping
FLAT16_THRESHOLD = 200_000  # an unclustered collection this big scans fp16 codes instead
TARGET_RECALL = 0.99  # recall@10 a faster layout must reach (the requirement is 0.98)
MIN_IVF_SIZE = 1_000  # an explicit "ivf" index stays exact below this: too few points to cluster
RETRAIN_GROWTH = 4  # measure and re-cluster each time the collection is this many times bigger
EXACT_SUBSET = 20_000  # IVF scores `allowed` sets up to this size exactly, from stored vectors
OVERSAMPLE_SHARE = 6  # an `allowed` set of 1/6 of the ids or more is applied after the search (measured crossover)
SMALL_BATCH = 8  # query batches up to this size run on one OpenMP thread (see _one_thread)
_TUNE_QUERIES = 200
_TUNE_K = 10
_KMEANS_ITERATIONS = 10
_TRAIN_POINTS_PER_LIST = 40


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run faiss on one OpenMP thread: on 2 shared cores a second thread made one query 3-5x slower.

    (flat, 100k x 512: 12.7 ms with one thread, 40 ms with two; 1M: 85 ms vs 450 ms.) The setting
    is per calling thread in libgomp, so it is restored afterwards.
    """
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


# faiss-cpu ships an incomplete __init__.pyi (no keyword arguments for SearchParameters, no DirectMap):
# the few calls it does not describe go through these helpers.
def _ivf_params(nprobe: int, selector: Any = None) -> Any:
    if selector is None:
        return faiss.SearchParametersIVF(nprobe=nprobe)  # type: ignore[call-arg]
    return faiss.SearchParametersIVF(nprobe=nprobe, sel=selector)  # type: ignore[call-arg]


def _filter_only(selector: Any) -> Any:
    return faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]


def nlist_for(n: int) -> int:
    """IVF list count for n vectors: ~4 sqrt(n), with enough points per list to train on."""
    return max(1, min(int(4 * math.sqrt(n)), n // _TRAIN_POINTS_PER_LIST))


def _new_index(layout: str, dim: int) -> faiss.Index:
    if layout == FLAT16:
        quantizer = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        return faiss.IndexIDMap2(quantizer)
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


@dataclass(frozen=True)
class _Probe:
    """Probe queries with their exact top-10 ids, to measure a layout's recall before trusting it.

    Real queries are harder than the stored vectors themselves: on USE-m3 embeddings of the eval
    corpora (17k chunks, IVF nlist 432), question queries reached recall@10 0.954 at nprobe 64
    where stored vectors as queries reached 0.995. Half of the probes are therefore stored vectors
    pushed away from themselves (cosine 0.5 to their origin), half random directions (the hardest
    case); their mean recall tracked the real queries' recall within ~0.02, erring low.
    """

    queries: np.ndarray
    truth: np.ndarray  # ids of the exact top _TUNE_K per query

    @classmethod
    def sample(cls, ids: np.ndarray, vectors: np.ndarray, rng: np.random.Generator) -> _Probe:
        n, dim = vectors.shape
        half = _TUNE_QUERIES // 2
        origins = vectors[rng.choice(n, size=half, replace=True)]
        noise = rng.standard_normal((half, dim)).astype(np.float32)
        noise *= np.float32(math.sqrt(3.0)) / np.linalg.norm(noise, axis=1, keepdims=True)  # cos 0.5
        directions = rng.standard_normal((_TUNE_QUERIES - half, dim)).astype(np.float32)
        queries = np.concatenate([origins + noise, directions])
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        _, rows = faiss.knn(queries, vectors, min(n, _TUNE_K), metric=faiss.METRIC_INNER_PRODUCT)
        return cls(np.ascontiguousarray(queries), ids[rows])

    def recall(self, index: faiss.Index, params: Any = None) -> float:
        """Mean recall@10 of `index` against exact search over the probe queries."""
        _, found = index.search(self.queries, _TUNE_K, params=params)
        hits = sum(len(np.intersect1d(a, b)) for a, b in zip(found, self.truth, strict=True))
        return hits / self.truth.size


def train_ivf(
    ids: np.ndarray, vectors: np.ndarray, probe: _Probe, seed: int = 0
) -> tuple[faiss.IndexIVFFlat, int, float]:
    """Cluster the vectors into an IVF index holding them; returns (index, tuned nprobe, its recall)."""
    n, dim = vectors.shape
    nlist = nlist_for(n)
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.niter = _KMEANS_ITERATIONS
    ivf.cp.seed = seed
    sample = np.random.default_rng(seed).choice(n, size=min(n, nlist * _TRAIN_POINTS_PER_LIST), replace=False)
    ivf.train(np.ascontiguousarray(vectors[np.sort(sample)]))
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
    ivf.add_with_ids(vectors, ids)
    nprobe = 1
    while True:
        recall = probe.recall(ivf, _ivf_params(nprobe))
        if recall >= TARGET_RECALL or nprobe >= nlist:
            return ivf, nprobe, recall
        nprobe = min(2 * nprobe, nlist)


class DenseIndex:
    """Nearest neighbours by inner product over int64 ids."""

    def __init__(self, dim: int, kind: str = AUTO, *, auto_threshold: int = AUTO_THRESHOLD, seed: int = 0) -> None:
        if kind not in KINDS:
            raise ValueError(f"未知的向量索引类型 {kind!r}，可选：{', '.join(KINDS)}。")
        if dim <= 0:
            raise ValueError(f"向量维度必须为正数，收到 {dim}。")
        self.dim = dim
        self.kind = kind
        self.auto_threshold = auto_threshold
        self.seed = seed
        self.layout = FLAT16 if kind == FLAT16 else FLAT  # the layout in use now
        self.nprobe = 0  # IVF only
        self.measured_recall: float | None = None  # of the layout chosen at the last measurement
        self._next_training = {IVF: MIN_IVF_SIZE, AUTO: auto_threshold}.get(kind, -1)
        self._lock = threading.RLock()
        self._index: Any = _new_index(self.layout, dim)  # Any: see _ivf_params
        self._ids = IdMap()

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self) -> np.ndarray:
        """The ids held, ascending."""
        return self._ids.ids()

    def has(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` are held (a boolean mask)."""
        with self._lock:
            return self._ids.rows(np.asarray(ids, dtype=np.int64).ravel()) >= 0

    # -- writing -------------------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Store vectors under ids; an id already present is replaced."""
        ids = check_ids(ids)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape != (len(ids), self.dim):
            raise ValueError(f"向量形状应为 ({len(ids)}, {self.dim})，收到 {vectors.shape}。")
        if len(ids) == 0:
            return
        with self._lock:
            self.remove(ids)
            self._index.add_with_ids(vectors, ids)
            self._ids.insert(ids, np.zeros(len(ids), dtype=np.int64))
            if 0 <= self._next_training <= len(self._ids):
                self._relayout()

    def remove(self, ids: np.ndarray) -> None:
        """Delete the given ids for good (absent ids are ignored)."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        with self._lock:
            present = np.unique(ids[self._ids.rows(ids) >= 0])
            if len(present) == 0:
                return
            # The IVF hashtable direct map only accepts an IDSelectorArray (looked up id by id); the
            # IDMap2 layouts test every stored id against the selector, so they need a hashed one.
            selector = faiss.IDSelectorArray(present) if self.layout == IVF else faiss.IDSelectorBatch(present)
            removed = self._index.remove_ids(selector)
            if removed != len(present):
                raise RuntimeError(f"向量索引删除异常：应删 {len(present)} 条，实删 {removed} 条。")
            self._ids.delete(present)

    def _relayout(self) -> None:
        """Train IVF and measure it; keep it if it pays (or was asked for), else the best full scan."""
        ids = self._ids.ids()
        vectors = self._index.reconstruct_batch(ids)
        probe = _Probe.sample(ids, vectors, np.random.default_rng(self.seed))
        ivf, nprobe, recall = train_ivf(ids, vectors, probe, self.seed)
        self._next_training = RETRAIN_GROWTH * len(ids)
        if self.kind == IVF or nprobe <= ivf.nlist // 4:
            self._index, self.layout, self.nprobe, self.measured_recall = ivf, IVF, nprobe, recall
            return
        del ivf
        layout = FLAT16 if len(ids) >= FLAT16_THRESHOLD else FLAT
        if layout != self.layout:
            index = _new_index(layout, self.dim)
            index.add_with_ids(vectors, ids)
            self._index, self.layout, self.nprobe = index, layout, 0
        self.measured_recall = probe.recall(self._index)

    # -- searching -----------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[Any, Any]:
        """Top-k (ids, scores) by inner product, score descending; `allowed` limits the ids considered.

        A (dim,) query gives two arrays; an (n, dim) query gives two lists of n arrays. Fewer than k
        hits give shorter arrays.
        """
        single = np.ndim(query) == 1
        queries = np.ascontiguousarray(np.atleast_2d(query), dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.dim:
            raise ValueError(f"查询向量维度应为 {self.dim}，收到形状 {np.shape(query)}。")
        with self._lock:
            if len(queries) <= SMALL_BATCH:
                with _one_thread():
                    results = self._search(queries, k, allowed)
            else:
                results = self._search(queries, k, allowed)
        if single:
            return results[0]
        return [ids for ids, _ in results], [scores for _, scores in results]

    def _search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[np.ndarray, np.ndarray]]:
        n = len(self._ids)
        if k <= 0 or n == 0:
            return [empty_result() for _ in queries]
        if allowed is None:
            return self._plain_search(queries, min(k, n))
        wanted = sorted_unique(allowed)  # ids not in the index may stay: they can never be hit
        if len(wanted) == 0:
            return [empty_result() for _ in queries]
        if self.layout == IVF and len(wanted) <= EXACT_SUBSET:
            wanted = wanted[self._ids.rows(wanted) >= 0]
            return self._exact_subset(queries, k, wanted) if len(wanted) else [empty_result() for _ in queries]
        results: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(queries)
        if len(wanted) * OVERSAMPLE_SHARE >= n:
            results = self._oversampled(queries, k, wanted)
        missing = [i for i, result in enumerate(results) if result is None]
        if missing:
            params = self._filter_params(wanted)
            scores, ids = self._index.search(queries[missing], min(k, len(wanted)), params=params)
            for i, row_ids, row_scores in zip(missing, ids, scores, strict=True):
                results[i] = (row_ids[row_ids >= 0], row_scores[row_ids >= 0])
        return [result if result is not None else empty_result() for result in results]

    def _plain_search(self, queries: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        params = _ivf_params(self.nprobe) if self.layout == IVF else None
        scores, ids = self._index.search(queries, k, params=params)
        found = ids >= 0  # faiss pads missing hits with -1
        return [(i[f], s[f]) for i, s, f in zip(ids, scores, found, strict=True)]

    def _oversampled(
        self, queries: np.ndarray, k: int, wanted: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """Unfiltered search for enough extra hits, then the filter; None where too few passed.

        For a large allowed share this beats a filtered faiss search (which checks a hash set
        per vector and loses the blocked kernels): 100k flat, half allowed: ~14 ms against ~37 ms.
        The top k among the allowed hits of an exact top k' are the exact allowed top k.
        """
        n = len(self._ids)
        wide = min(n, math.ceil(2 * k * n / len(wanted)) + 16)
        results: list[tuple[np.ndarray, np.ndarray] | None] = []
        for ids, scores in self._plain_search(queries, wide):
            at = np.minimum(np.searchsorted(wanted, ids), len(wanted) - 1)
            keep = wanted[at] == ids
            complete = keep.sum() >= k or len(ids) == n
            results.append((ids[keep][:k], scores[keep][:k]) if complete else None)
        return results

    def _filter_params(self, wanted: np.ndarray) -> Any:
        n = len(self._ids)
        if len(wanted) * 2 > n:  # a big allowed set is cheaper to pass as the ids it leaves out
            everything = self._ids.ids()
            excluded = everything[~np.isin(everything, wanted, assume_unique=True)]
            selector: faiss.IDSelector = faiss.IDSelectorNot(faiss.IDSelectorBatch(excluded))
        else:
            selector = faiss.IDSelectorBatch(wanted)
        if self.layout != IVF:
            return _filter_only(selector)
        # Scan proportionally more lists, so about as many allowed vectors are seen as without a filter.
        nprobe = min(self._index.nlist, math.ceil(self.nprobe * n / len(wanted)))
        return _ivf_params(nprobe, selector)

    def _exact_subset(self, queries: np.ndarray, k: int, wanted: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        vectors = self._index.reconstruct_batch(wanted)
        return [top_k(wanted, scores, k) for scores in queries @ vectors.T]

    # -- persistence ---------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index to `directory` (crash-safe; faiss.write_index and .npy only)."""
        with self._lock:
            index = self._index

            def write_index(path: Path) -> None:
                faiss.write_index(index, str(path))

            meta = {
                "dim": self.dim,
                "index_kind": self.kind,
                "layout": self.layout,
                "nprobe": self.nprobe,
                "auto_threshold": self.auto_threshold,
                "next_training": self._next_training,
                "measured_recall": self.measured_recall,
                "seed": self.seed,
                "vectors": len(self),
            }
            files = {"vectors.faiss": write_index, "ids.npy": array_writer(self._ids.ids())}
            save_bundle(Path(directory), KIND, meta, files)

    @classmethod
    def load(cls, directory: Path) -> DenseIndex:
        """Read an index written by save."""
        directory = Path(directory)
        manifest = read_manifest(directory, KIND)
        try:
            index = cls(
                int(manifest["dim"]),
                manifest["index_kind"],
                auto_threshold=int(manifest["auto_threshold"]),
                seed=int(manifest["seed"]),
            )
            index.layout = manifest["layout"]
            index.nprobe = int(manifest["nprobe"])
            index._next_training = int(manifest["next_training"])
            index.measured_recall = manifest["measured_recall"]
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexFormatError(f"向量索引清单 {directory} 不完整（{exc}），请重新建立索引。") from exc
        path = bundle_path(directory, manifest, "vectors.faiss")
        try:
            index._index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexFormatError(f"向量索引文件 {path} 无法读取，请重新建立索引。") from exc
        ids = load_array(directory, manifest, "ids.npy").astype(np.int64)
        if index._index.d != index.dim or index._index.ntotal != len(ids):
            raise IndexFormatError(f"向量索引 {directory} 的文件互相不一致，请重新建立索引。")
        if index.layout not in (FLAT, FLAT16, IVF) or (index.layout == IVF) != (index.nprobe > 0):
            raise IndexFormatError(f"向量索引 {directory} 的布局信息无效，请重新建立索引。")
        index._ids.insert(ids, np.zeros(len(ids), dtype=np.int64))
        return index
