"""BM25 keyword index over jieba tokens, with cheap incremental add and remove.

Documents are rows of a doc -> term count matrix kept as append-only CSR arrays (the source of
truth). Searching uses the transposed (term -> doc) CSC form of a large "main" block plus a small
"tail" block of rows added since, so an add rebuilds only the tail. Removes set a tombstone and
update the document frequencies and total length at once (so idf and avgdl always describe the live
documents); rows are physically dropped when tombstones reach a quarter of the rows. The per-posting
tf weights are cached per block and recomputed after any change, so scores always equal those of a
freshly built index. Top-k selection is exact, with MaxScore pruning of common terms (index/postings.py).

bm25s was considered: it precomputes weights for a fixed corpus and cannot add or remove documents.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from index.idmap import GrowableArray, IdMap, check_ids
from index.postings import TermPostings, empty_result, score, top_k
from index.storage import (
    IndexFormatError,
    array_writer,
    json_writer,
    load_array,
    load_json,
    read_manifest,
    save_bundle,
)
from index.tokenize import Tokenizer, tokenize

KIND = "bm25"
_MIN_TAIL_NNZ = 1 << 20  # a tail block smaller than this never forces a main rebuild
_TAIL_FRACTION = 8  # ... nor one below 1/8 of the main block
_COMPACT_FRACTION = 0.25  # drop tombstoned rows once they are this share of all rows
_WEIGH_SLICE = 1 << 22


@dataclass(frozen=True)
class BM25Params:
    """Okapi BM25 parameters; idf is Lucene's log(1 + (N - df + 0.5) / (df + 0.5))."""

    k1: float = 1.2
    b: float = 0.75


class _Block:
    """Term -> doc postings (CSC) for rows [start, end), with each posting's BM25 tf weight cached.

    The weight tf (k1 + 1) / (tf + k1 (1 - b + b len / avgdl)) depends on avgdl, so every add or
    remove drops it and the next search recomputes it (a vectorised pass over the postings), while
    a query only slices and sums it: several times faster than weighing raw counts per query.
    """

    __slots__ = ("start", "end", "indptr", "rows", "counts", "weights", "max_weights")

    def __init__(self, start: int, matrix: sparse.csc_matrix) -> None:
        self.start = start
        self.end = start + matrix.shape[0]
        self.indptr = matrix.indptr.astype(np.int64, copy=False)
        self.rows = matrix.indices.astype(np.int32, copy=False)
        if start:
            self.rows = self.rows + np.int32(start)  # absolute row numbers
        self.counts = matrix.data.astype(np.float32, copy=False)
        self.weights: np.ndarray | None = None
        self.max_weights: np.ndarray | None = None  # per term, for MaxScore bounds

    @property
    def n_terms(self) -> int:
        return len(self.indptr) - 1

    def weigh(self, norm: np.ndarray, k1: float) -> np.ndarray:
        """The cached per-posting tf weights, recomputed (in slices, to bound memory) if dropped."""
        if self.weights is None:
            weights = np.empty(len(self.counts), dtype=np.float32)
            for lo in range(0, len(weights), _WEIGH_SLICE):
                hi = lo + _WEIGH_SLICE
                tf = self.counts[lo:hi]
                weights[lo:hi] = tf * np.float32(k1 + 1.0) / (tf + norm[self.rows[lo:hi]])
            max_weights = np.zeros(self.n_terms, dtype=np.float32)
            filled = np.flatnonzero(np.diff(self.indptr) > 0)
            if len(filled):
                max_weights[filled] = np.maximum.reduceat(weights, self.indptr[filled])
            self.weights, self.max_weights = weights, max_weights
        return self.weights


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenation of arange(start, end) over the pairs, without a Python loop."""
    sizes = ends - starts
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
    return offsets + np.arange(int(sizes.sum()))


class KeywordIndex:
    """BM25 over tokenized texts, addressed by int64 ids."""

    def __init__(self, params: BM25Params = BM25Params(), tokenizer: Tokenizer = tokenize) -> None:
        self.params = params
        self._tokenize = tokenizer
        self._lock = threading.RLock()
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        self._df = GrowableArray(np.int64)  # live documents holding each term
        self._indptr = GrowableArray(np.int64, np.zeros(1))
        self._term_ids = GrowableArray(np.int32)
        self._counts = GrowableArray(np.float32)
        self._row_ids = GrowableArray(np.int64)
        self._lengths = GrowableArray(np.float32)  # tokens per row
        self._alive = GrowableArray(np.bool_)
        self._idmap = IdMap()
        self._total_length = 0.0  # tokens in live rows
        self._main: _Block | None = None
        self._tail: _Block | None = None
        self._norm: np.ndarray | None = None  # per-row k1 * (1 - b + b * len / avgdl), cached

    def __len__(self) -> int:
        return len(self._idmap)

    def ids(self) -> np.ndarray:
        """The ids held, ascending."""
        return self._idmap.ids()

    # -- writing -------------------------------------------------------------------------------

    def add(self, ids: np.ndarray, texts: Sequence[str]) -> None:
        """Index texts under ids; an id already present is replaced."""
        if len(ids) != len(texts):
            raise ValueError(f"ids 与 texts 数量不一致（{len(ids)} 对 {len(texts)}）。")
        self.add_tokenized(ids, self.tokens(texts))

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """The texts split as add() splits them (a caller may do it before taking a lock of its own)."""
        return [self._tokenize(text) for text in texts]

    def add_tokenized(self, ids: np.ndarray, token_lists: Sequence[Sequence[str]]) -> None:
        """Like add, for texts already split by this index's tokenizer (e.g. in worker processes)."""
        ids = check_ids(ids)
        if len(ids) != len(token_lists):
            raise ValueError(f"ids 与分词结果数量不一致（{len(ids)} 对 {len(token_lists)}）。")
        with self._lock:
            self.remove(ids)
            first_row = len(self._row_ids)
            base = int(self._indptr.view[-1])
            ends, term_ids, counts, lengths = [], [], [], []
            for tokens in token_lists:
                for term, count in Counter(tokens).items():
                    term_ids.append(self._term_id(term))
                    counts.append(count)
                ends.append(base + len(term_ids))
                lengths.append(len(tokens))
            term_array = np.asarray(term_ids, dtype=np.int32)
            self._df.extend(np.zeros(len(self._terms) - len(self._df), dtype=np.int64))  # new terms
            self._indptr.extend(np.asarray(ends, dtype=np.int64))
            self._term_ids.extend(term_array)
            self._counts.extend(np.asarray(counts, dtype=np.float32))
            self._row_ids.extend(ids)
            self._lengths.extend(np.asarray(lengths, dtype=np.float32))
            self._alive.extend(np.ones(len(ids), dtype=bool))
            self._df.view[:] += np.bincount(term_array, minlength=len(self._df))
            self._total_length += float(sum(lengths))
            self._idmap.insert(ids, np.arange(first_row, first_row + len(ids)))
            self._lengths_changed()

    def _term_id(self, term: str) -> int:
        term_id = self._vocab.get(term)
        if term_id is None:
            term_id = self._vocab[term] = len(self._terms)
            self._terms.append(term)
        return term_id

    def remove(self, ids: np.ndarray) -> None:
        """Forget the given ids (absent ids are ignored)."""
        with self._lock:
            rows = self._idmap.delete(np.asarray(ids, dtype=np.int64))
            if len(rows) == 0:
                return
            indptr = self._indptr.view
            terms = self._term_ids.view[_ranges(indptr[rows], indptr[rows + 1])]
            self._df.view[:] -= np.bincount(terms, minlength=len(self._df))
            self._alive.view[rows] = False
            self._total_length -= float(self._lengths.view[rows].sum(dtype=np.float64))
            self._lengths_changed()
            if len(self._idmap) == 0:
                self._total_length = 0.0  # no float drift once empty
            dead = len(self._row_ids) - len(self._idmap)
            if dead > _COMPACT_FRACTION * len(self._row_ids):
                self._compact()

    def _compact(self) -> None:
        """Physically drop tombstoned rows and terms no live row holds."""
        alive = self._alive.view.copy()
        indptr = self._indptr.view
        live_rows = np.flatnonzero(alive)
        lengths_nnz = np.diff(indptr)[live_rows]
        keep = np.repeat(alive, np.diff(indptr))
        old_terms = self._term_ids.view[keep]
        live_terms = np.flatnonzero(self._df.view > 0)
        new_term_of_old = np.full(len(self._terms), -1, dtype=np.int32)
        new_term_of_old[live_terms] = np.arange(len(live_terms), dtype=np.int32)
        self._terms = [self._terms[t] for t in live_terms]
        self._vocab = {term: i for i, term in enumerate(self._terms)}
        self._df = GrowableArray(np.int64, self._df.view[live_terms])
        self._term_ids = GrowableArray(np.int32, new_term_of_old[old_terms])
        self._counts = GrowableArray(np.float32, self._counts.view[keep])
        self._indptr = GrowableArray(np.int64, np.concatenate([[0], np.cumsum(lengths_nnz)]))
        self._row_ids = GrowableArray(np.int64, self._row_ids.view[live_rows])
        self._lengths = GrowableArray(np.float32, self._lengths.view[live_rows])
        self._alive = GrowableArray(np.bool_, np.ones(len(live_rows), dtype=bool))
        new_row_of_old = np.full(len(alive), -1, dtype=np.int64)
        new_row_of_old[live_rows] = np.arange(len(live_rows))
        self._idmap.renumber(new_row_of_old)
        self._main = self._tail = None
        self._norm = None

    # -- searching -----------------------------------------------------------------------------

    def tokenize_query(self, text: str) -> list[str]:
        """`text` split as this index splits what it holds (to tokenize a query once, for search_terms)."""
        return self._tokenize(text)

    def query_terms(self, query: str) -> list[str]:
        """The distinct query tokens present in the index, in query order (for highlighting)."""
        return self.known_terms(self._tokenize(query))

    def known_terms(self, tokens: Sequence[str]) -> list[str]:
        """The distinct tokens present in the index, in the given order."""
        with self._lock:
            return self._known_terms(tokens)

    def _known_terms(self, tokens: Sequence[str]) -> list[str]:
        seen: dict[str, None] = {}
        for token in tokens:
            term_id = self._vocab.get(token)
            if term_id is not None and self._df.view[term_id] > 0:
                seen.setdefault(token)
        return list(seen)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k best (ids, BM25 scores), score descending; `allowed` limits the ids considered."""
        return self.search_terms(self._tokenize(query), k, allowed)

    def search_terms(self, tokens: Sequence[str], k: int,
                     allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Like search, for a query already split by `tokenize_query`."""
        with self._lock:
            known = self._known_terms(tokens)
            if k <= 0 or not known:
                return empty_result()
            term_ids = np.asarray([self._vocab[t] for t in known], dtype=np.int64)
            df = self._df.view[term_ids].astype(np.float64)
            n = float(len(self._idmap))
            idf = np.log1p((n - df + 0.5) / (df + 0.5))
            postings = self._postings(term_ids, idf)
            mask = self._alive.view
            if allowed is not None:
                allowed_rows = self._idmap.rows(np.asarray(allowed, dtype=np.int64))
                allowed_mask = np.zeros(len(mask), dtype=bool)
                allowed_mask[allowed_rows[allowed_rows >= 0]] = True
                mask = mask & allowed_mask
            rows, scores = score(postings, mask, k)
            return top_k(self._row_ids.view[rows], scores, k)

    def _postings(self, term_ids: np.ndarray, idf: np.ndarray) -> list[TermPostings]:
        """Each query term's postings over all blocks, with their current weights."""
        norm = self._row_norm()
        blocks = [(block, block.weigh(norm, self.params.k1)) for block in self._blocks()]
        terms = []
        for term_id, term_idf in zip(term_ids, idf, strict=True):
            rows, weights, max_weight = [], [], 0.0
            for block, block_weights in blocks:
                if term_id < block.n_terms:
                    start, end = block.indptr[term_id], block.indptr[term_id + 1]
                    rows.append(block.rows[start:end])
                    weights.append(block_weights[start:end])
                    assert block.max_weights is not None  # set by weigh
                    max_weight = max(max_weight, float(block.max_weights[term_id]))
            terms.append(TermPostings(tuple(rows), tuple(weights), float(term_idf), max_weight))
        return terms

    def _lengths_changed(self) -> None:
        """avgdl moved: the length norms and every cached posting weight are stale."""
        self._norm = None
        for block in (self._main, self._tail):
            if block is not None:
                block.weights = None

    def _row_norm(self) -> np.ndarray:
        if self._norm is None:
            k1, b = self.params.k1, self.params.b
            live = len(self._idmap)
            avgdl = self._total_length / live if live and self._total_length > 0 else 1.0
            self._norm = (k1 * (1.0 - b + b * self._lengths.view.astype(np.float64) / avgdl)).astype(np.float32)
        return self._norm

    def _blocks(self) -> list[_Block]:
        """Bring the CSC blocks up to date with the rows (rebuilding the tail, or all when it grew big)."""
        n_rows = len(self._row_ids)
        covered = self._tail.end if self._tail else (self._main.end if self._main else 0)
        if covered < n_rows:
            indptr = self._indptr.view
            main_end = self._main.end if self._main else 0
            main_nnz = int(indptr[main_end])
            tail_nnz = int(indptr[n_rows]) - main_nnz
            if self._main is None or tail_nnz > max(_MIN_TAIL_NNZ, main_nnz // _TAIL_FRACTION):
                self._main, self._tail = self._build_block(0, n_rows), None
            else:
                self._tail = self._build_block(main_end, n_rows)
        return [block for block in (self._main, self._tail) if block is not None]

    def _build_block(self, start: int, end: int) -> _Block:
        indptr = self._indptr.view[start : end + 1]
        lo, hi = int(indptr[0]), int(indptr[-1])
        matrix = sparse.csr_matrix(
            (self._counts.view[lo:hi], self._term_ids.view[lo:hi], indptr - lo),
            shape=(end - start, len(self._terms)),
        )
        return _Block(start, matrix.tocsc())

    # -- persistence ---------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index to `directory` (crash-safe; JSON and .npy only)."""
        with self._lock:
            if len(self._idmap) < len(self._row_ids):
                self._compact()
            files = {
                "terms.json": json_writer(self._terms),
                "indptr.npy": array_writer(self._indptr.view),
                "term_ids.npy": array_writer(self._term_ids.view),
                "counts.npy": array_writer(self._counts.view),
                "row_ids.npy": array_writer(self._row_ids.view),
                "lengths.npy": array_writer(self._lengths.view),
            }
            meta = {"params": asdict(self.params), "documents": len(self), "terms": len(self._terms)}
            save_bundle(Path(directory), KIND, meta, files)

    @classmethod
    def load(cls, directory: Path, tokenizer: Tokenizer = tokenize) -> KeywordIndex:
        """Read an index written by save; `tokenizer` must be the one it was built with."""
        manifest = read_manifest(Path(directory), KIND)
        try:
            index = cls(BM25Params(**manifest["params"]), tokenizer)
        except (KeyError, TypeError) as exc:
            raise IndexFormatError(f"关键词索引清单 {directory} 不完整（{exc}），请重新建立索引。") from exc
        terms = load_json(directory, manifest, "terms.json")
        indptr = load_array(directory, manifest, "indptr.npy").astype(np.int64, copy=False)
        term_ids = load_array(directory, manifest, "term_ids.npy").astype(np.int32, copy=False)
        counts = load_array(directory, manifest, "counts.npy").astype(np.float32, copy=False)
        row_ids = load_array(directory, manifest, "row_ids.npy").astype(np.int64, copy=False)
        lengths = load_array(directory, manifest, "lengths.npy").astype(np.float32, copy=False)
        consistent = (
            isinstance(terms, list)
            and len(indptr) == len(row_ids) + 1 == len(lengths) + 1
            and indptr[0] == 0
            and indptr[-1] == len(term_ids) == len(counts)
            and (len(term_ids) == 0 or 0 <= term_ids.min() <= term_ids.max() < len(terms))
            and len(np.unique(row_ids)) == len(row_ids)
        )
        if not consistent:
            raise IndexFormatError(f"关键词索引 {directory} 的文件互相不一致，请重新建立索引。")
        index._terms = [str(term) for term in terms]
        index._vocab = {term: i for i, term in enumerate(index._terms)}
        index._indptr = GrowableArray(np.int64, indptr)
        index._term_ids = GrowableArray(np.int32, term_ids)
        index._counts = GrowableArray(np.float32, counts)
        index._row_ids = GrowableArray(np.int64, row_ids)
        index._lengths = GrowableArray(np.float32, lengths)
        index._alive = GrowableArray(np.bool_, np.ones(len(row_ids), dtype=bool))
        index._df = GrowableArray(np.int64, np.bincount(term_ids, minlength=len(index._terms)))
        index._total_length = float(lengths.sum(dtype=np.float64))
        index._idmap.insert(row_ids, np.arange(len(row_ids)))
        return index
