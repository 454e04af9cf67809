"""Search at scale: one new process per collection size builds the product's indexes over synthetic
chunks, times every retriever and each part of a hybrid search, and reports its memory.

measure_size runs `python -m bench.worker SPEC.json`, which calls main here and prints one JSON object.
"""

from __future__ import annotations

import cProfile
import gc
import hashlib
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from bench.encoding import latency, make_encoder, timed
from bench.machine import peak_rss_mb, rss_mb
from bench.synthetic import DOC_CHUNKS, SyntheticDocument, TextPool, synthetic_documents, unit_vectors

BATCH = 10_000  # chunks added per call, like Indexes.sync's batches (a multiple of DOC_CHUNKS)
K = 10
WARMUP = 5  # queries run (in every mode) before the timed ones


@dataclass(frozen=True)
class SizeSpec:
    """What one worker process measures."""

    size: int
    pool: str  # path of a TextPool saved as JSON
    queries: list[str]
    model: str
    workdir: str
    store: bool  # build a real SQLite knowledge base (else the indexes alone, in memory)
    approximate: bool  # also compare exact and approximate FAISS layouts
    profile: bool
    seed: int = 0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _batches(pool: TextPool, size: int, seed: int) -> Iterator[list[SyntheticDocument]]:
    """Synthetic documents grouped so that batch i holds chunks [i*BATCH, (i+1)*BATCH)."""
    batch: list[SyntheticDocument] = []
    held = 0
    for doc in synthetic_documents(pool, size, seed):
        batch.append(doc)
        held += len(doc.chunk_texts)
        if held >= BATCH:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _batch_vectors(number: int, count: int, dim: int, seed: int) -> np.ndarray:
    return unit_vectors(count, dim, seed * 1_000_003 + number)


def all_vectors(size: int, dim: int, seed: int) -> np.ndarray:
    """The vectors the worker indexed, in id order (regenerated from the seeds)."""
    parts = [_batch_vectors(i, min(BATCH, size - start), dim, seed) for i, start in enumerate(range(0, size, BATCH))]
    return np.concatenate(parts)


def _store_document(store, doc: SyntheticDocument, number: int, seed: int) -> list[int]:
    """Insert a synthetic document as ingest would (text = its chunks one per line); returns chunk ids."""
    from ingest.types import Chunk, Document
    from kb.representation import embed_key, embedding_input, keyword_input

    offsets, at = [], 0
    for text in doc.chunk_texts:
        offsets.append((at, at + len(text)))
        at += len(text) + 1
    digest = hashlib.sha256(f"bench-{seed}-{number}".encode()).hexdigest()
    document = Document(path=f"/bench/{number:07d}.txt", title=doc.title, text="\n".join(doc.chunk_texts),
                        kind="theory", date=f"{2000 + number % 25}-{1 + number % 12:02d}", content_hash=digest,
                        format="txt")
    chunks = [Chunk(i, text, start, end, None, None) for i, (text, (start, end)) in
              enumerate(zip(doc.chunk_texts, offsets, strict=True))]
    search_texts = [keyword_input(doc.title, (), text) for text in doc.chunk_texts]
    keys = [embed_key(embedding_input(doc.title, (), text)) for text in doc.chunk_texts]
    return store.commit_document(document, chunks, search_texts, keys, (), ("", {})).added


def build(spec: SizeSpec, pool: TextPool, encoder, config) -> tuple[object, dict]:
    """The product's Indexes over `spec.size` synthetic chunks, under a real knowledge base when
    spec.store (saved, then loaded back as opening it would); returns (knowledge base, build facts).

    Without a store the knowledge base is a stand-in holding what _rank uses.
    """
    from kb.indexes import Indexes
    from kb.library import KnowledgeBase

    kb = None
    directory = Path(spec.workdir) / "kb"
    if spec.store:
        kb = KnowledgeBase(directory, config=config, encoder=encoder)
        with kb.store.transaction():
            kb.store.meta.record_model(encoder.name, encoder.dim, config.to_dict())
    indexes = Indexes(directory / "index", encoder.name, encoder.dim, config.bm25)
    seconds = {"synthesise": 0.0, "store": 0.0, "dense": 0.0, "keyword": 0.0}
    postings = documents = 0
    next_id = 1
    clock = time.perf_counter()
    for number, batch in enumerate(_batches(pool, spec.size, spec.seed)):
        count = sum(len(d.chunk_texts) for d in batch)
        tokens = [t for d in batch for t in d.chunk_tokens]
        postings += sum(len(set(t)) for t in tokens)
        now = time.perf_counter()
        seconds["synthesise"] += now - clock
        if kb is not None:
            with kb.store.transaction():
                stored = [_store_document(kb.store, d, documents + j, spec.seed) for j, d in enumerate(batch)]
            ids = np.array([i for chunk_ids in stored for i in chunk_ids], dtype=np.int64)
        else:
            ids = np.arange(next_id, next_id + count, dtype=np.int64)
        next_id += count
        documents += len(batch)
        seconds["store"] += time.perf_counter() - now
        vectors = _batch_vectors(number, count, encoder.dim, spec.seed)
        now = time.perf_counter()
        indexes.dense.add(ids, vectors)
        seconds["dense"] += time.perf_counter() - now
        now = time.perf_counter()
        indexes.keyword.add_tokenized(ids, tokens)
        seconds["keyword"] += time.perf_counter() - now
        clock = time.perf_counter()
        if number % 10 == 9:
            _log(f"  {spec.size:,} 片段：已建 {next_id - 1:,}")
    facts = {
        "chunks": len(indexes.dense),
        "documents": documents,
        "postings": postings,
        "build_seconds": {key: round(value, 1) for key, value in seconds.items()},
        "dense_layout": indexes.dense.layout,
        "dense_nprobe": indexes.dense.nprobe,
        "dense_measured_recall": indexes.dense.measured_recall,
    }
    if kb is None:
        return SimpleNamespace(config=config, indexes=indexes, encode=_encode_like_kb(encoder, config)), facts
    start = time.perf_counter()
    indexes.generation = kb.store.generation()
    indexes.save()
    facts["save_seconds"] = round(time.perf_counter() - start, 1)
    del indexes
    gc.collect()
    start = time.perf_counter()
    kb.refresh_indexes()  # loads them from disk, as the first search after opening would
    facts["load_seconds"] = round(time.perf_counter() - start, 1)
    facts["disk_mb"] = {"knowledge_base": _megabytes(directory), "dense": _megabytes(directory / "index" / "dense"),
                        "keyword": _megabytes(directory / "index" / "keyword")}
    return kb, facts


def _megabytes(directory: Path) -> int:
    return round(sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) / 2**20)


def _encode_like_kb(encoder, config) -> Callable:
    def encode(texts):
        return encoder.encode(list(texts), batch_size=config.embedder.batch_size)

    return encode


def _time_each(queries: list[str], run: Callable[[int, str], object]) -> dict:
    for i, query in enumerate(queries[:WARMUP]):
        run(i, query)
    samples = []
    for i, query in enumerate(queries):
        start = time.perf_counter()
        run(i, query)
        samples.append(time.perf_counter() - start)
    return latency(samples)


class _Steps:
    """Durations of named steps, collected across queries."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}

    def __call__(self, name: str, fn: Callable[[], object]) -> object:
        start = time.perf_counter()
        value = fn()
        self.samples.setdefault(name, []).append(time.perf_counter() - start)
        return value


def _rank(kb, query: str, retriever: str, vector: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The k=10 ranking kb.search makes (kb.search.prepare + rank), without the store's part."""
    from kb.search import prepare, rank

    prepared = prepare(query, kb.indexes.keyword.tokenize_query, lambda text: kb.encode([text])[0], retriever,
                       vector)
    return rank(kb.indexes, prepared, K, None, retriever, kb.config.search)


def hybrid_steps(kb, query: str, step: _Steps) -> int:
    """One hybrid KnowledgeBase.search taken apart: each step timed on its own, in the order search
    runs them (the store steps only with a store); returns the number of fused candidates.

    This mirrors KnowledgeBase.search (kb/library.py) by hand: the report sets the sum of the steps
    beside the measured whole, so a search that has changed since shows up as a gap.
    """
    from index.tokenize import tokenize
    from kb.search import fuse, make_hits, normalise_query

    config = kb.config.search
    depth = max(K, config.candidates)
    has_store = hasattr(kb, "store")
    if has_store:  # "is anything imported?": the store's recorded dimension, then the index's size
        step("store.meta + len(indexes)", lambda: (kb.store.meta.model(), len(kb.indexes)))
    vector = step("encode", lambda: kb.encode([query])[0])
    dense = step("dense.search", lambda: kb.indexes.dense.search(vector, depth))
    text = normalise_query(query)
    step("(keyword.tokenize, part of keyword.search)", lambda: tokenize(text))
    keyword = step("keyword.search", lambda: kb.indexes.keyword.search(text, depth))
    ranked = step("fuse", lambda: fuse(dense, keyword, config))
    if has_store:
        top = ranked[:K]
        chunks = step("store.chunks", lambda: kb.store.chunks.get([cid for cid, _ in top]))
        docs = step("store.document", lambda: kb.store.documents.many(
            [chunks[cid].doc_id for cid, _ in top if cid in chunks]))
        terms = step("keyword.query_terms", lambda: kb.indexes.keyword.query_terms(text))
        step("make_hits", lambda: make_hits(top, chunks, docs, terms, config.snippet_chars))
    return len(ranked)


def search_latencies(kb, queries: list[str], vectors: np.ndarray) -> tuple[dict, dict]:
    """p50/p95 per query of rank_chunks for each retriever (k=10), with and without query encoding,
    of the whole KnowledgeBase.search when `kb` has a store, and of each step of a hybrid search.

    Every mode runs once per query, in an order rotating from query to query, so that load from
    other processes, which comes and goes, falls on all of them alike.
    """
    steps = _Steps()
    candidates: list[int] = []
    modes: dict[str, Callable[[int, str], object]] = {
        "encode": lambda i, q: kb.encode([q]),
        "dense": lambda i, q: _rank(kb, q, "dense", vectors[i]),
        "keyword": lambda i, q: _rank(kb, q, "keyword"),
        "hybrid": lambda i, q: _rank(kb, q, "hybrid", vectors[i]),
        "hybrid_with_encoding": lambda i, q: _rank(kb, q, "hybrid"),
        "steps": lambda i, q: candidates.append(hybrid_steps(kb, q, steps)),
    }
    if hasattr(kb, "search"):
        modes["kb_search"] = lambda i, q: kb.search(q, k=K)
    names = list(modes)
    for i, query in enumerate(queries[:WARMUP]):
        for name in names:
            modes[name](i, query)
    steps.samples.clear()
    candidates.clear()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i, query in enumerate(queries):
        for j in range(len(names)):
            name = names[(i + j) % len(names)]
            start = time.perf_counter()
            modes[name](i, query)
            samples[name].append(time.perf_counter() - start)
    del samples["steps"]
    breakdown = {name: latency(values) for name, values in steps.samples.items()}
    breakdown["fused_candidates_mean"] = round(float(np.mean(candidates)), 1)
    out = {name: latency(values) for name, values in samples.items()}
    slowest = np.argsort(samples["keyword"])[::-1][:3]
    out["keyword"]["slowest"] = [[queries[i], round(samples["keyword"][i] * 1000, 1)] for i in slowest]
    return out, breakdown


def profile_hybrid(kb, queries: list[str], top: int = 15) -> list[dict]:
    """cProfile of hybrid searches (KnowledgeBase.search when there is a store): the costliest functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        if hasattr(kb, "search"):
            kb.search(query, k=K)
        else:
            _rank(kb, query, "hybrid")
    profiler.disable()
    return _top_functions(profiler, len(queries), top)


def _top_functions(profiler: cProfile.Profile, runs: int, top: int) -> list[dict]:
    """The functions with the most own time, per run of what was profiled."""
    stats = pstats.Stats(profiler)
    per_query = 1 / runs
    rows = [
        {"function": f"{Path(filename).name}:{line}({name})", "calls_per_query": round(calls * per_query, 1),
         "self_ms": round(tottime * 1000 * per_query, 2), "cumulative_ms": round(cumtime * 1000 * per_query, 2)}
        for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items()  # type: ignore[attr-defined]
    ]
    return sorted(rows, key=lambda r: -r["self_ms"])[:top]


def search_after_add(kb, pool: TextPool, query: str, seed: int, profile: bool, rounds: int = 3) -> dict:
    """Adding one document (Indexes.add, as ingest does) drops the keyword index's cached weights:
    the add, the first hybrid search after it and the one after that (medians over `rounds`), and
    with `profile` the costliest functions of the last first-search."""
    from kb.representation import keyword_input

    indexes = kb.indexes
    next_id = int(indexes.dense.ids().max()) + 1
    times: dict[str, list[float]] = {"add": [], "first_search": [], "next_search": []}
    docs = synthetic_documents(pool, rounds * DOC_CHUNKS, seed + 1)
    def search() -> None:
        _rank(kb, query, "hybrid")

    profiler = cProfile.Profile()
    for number, doc in zip(range(rounds), docs, strict=False):
        ids = np.arange(next_id, next_id + len(doc.chunk_texts), dtype=np.int64)
        next_id += len(ids)
        vectors = unit_vectors(len(ids), indexes.dim, seed + 7919 + number)
        texts = [keyword_input(doc.title, (), text) for text in doc.chunk_texts]
        times["add"].append(timed(partial(indexes.add, ids, vectors, texts)))
        if number == rounds - 1 and profile:
            profiler.enable()
        times["first_search"].append(timed(search))
        profiler.disable()
        times["next_search"].append(timed(search))
    medians = {f"{key}_ms": round(float(np.median(v)) * 1000, 1) for key, v in times.items()}
    out: dict = {"chunks_added": DOC_CHUNKS, **medians}
    if profile:
        out["first_search_profile"] = _top_functions(profiler, 1, top=8)
    return out


def compare_layouts(size: int, dim: int, seed: int, queries: np.ndarray) -> dict:
    """Exact (flat) against the approximate layouts DenseIndex offers, on the same vectors:
    recall@10 against exact, p50/p95 of a single search, build time."""
    from index.dense import DenseIndex

    vectors = all_vectors(size, dim, seed)
    ids = np.arange(1, size + 1, dtype=np.int64)
    out: dict = {}
    truth: list[np.ndarray] = []
    for kind in ("flat", "flat16", "ivf"):
        index = DenseIndex(dim, kind)
        start = time.perf_counter()
        index.add(ids, vectors)
        built = time.perf_counter() - start
        found = []

        def search(i: int, _query: str, index=index, found=found) -> None:
            found.append(index.search(queries[i], K)[0])

        timing = _time_each([""] * len(queries), search)
        found = found[WARMUP:]
        if kind == "flat":
            truth = found
        hits = sum(len(np.intersect1d(a, b)) for a, b in zip(found, truth, strict=True))
        out[kind] = {**timing, "build_seconds": round(built, 1), "layout": index.layout, "nprobe": index.nprobe,
                     "recall@10": round(hits / sum(len(t) for t in truth), 4)}
        del index
        gc.collect()
    for kind in ("flat16", "ivf"):
        out[kind]["speedup_p50"] = round(out["flat"]["p50_ms"] / out[kind]["p50_ms"], 2)
    return out


def run(spec: SizeSpec) -> dict:
    """Everything measured at one size, in this process."""
    from kb.config import KBConfig

    memory = {"start_mb": round(rss_mb())}
    encoder = make_encoder(spec.model)
    encoder.encode(["预热"])
    memory["with_model_mb"] = round(rss_mb())
    config = KBConfig()
    pool = TextPool.load(Path(spec.pool))
    _log(f"  {spec.size:,} 片段：合成并建立索引…")
    kb, facts = build(spec, pool, encoder, config)
    gc.collect()
    memory["after_build_mb"] = round(rss_mb())
    vectors = np.asarray(kb.encode(spec.queries))
    _log(f"  {spec.size:,} 片段：测量检索延迟（{len(spec.queries)} 个问题）…")
    # The first search loads jieba's dictionary and builds the keyword index's posting blocks.
    facts["first_keyword_search_seconds"] = round(timed(lambda: _rank(kb, spec.queries[0], "keyword")), 2)
    memory["after_first_search_mb"] = round(rss_mb())
    result = {"size": spec.size, "store": spec.store, **facts}
    result["latency"], result["hybrid_breakdown"] = search_latencies(kb, spec.queries, vectors)
    if spec.profile:
        result["profile"] = profile_hybrid(kb, spec.queries)
    memory["steady_mb"] = round(rss_mb())
    memory["peak_mb"] = round(peak_rss_mb())
    result["memory"] = memory
    result["after_add"] = search_after_add(kb, pool, spec.queries[0], spec.seed, spec.profile)
    del pool
    if spec.approximate:
        if hasattr(kb, "close"):
            kb.close()
        del kb
        gc.collect()
        _log(f"  {spec.size:,} 片段：比较精确与近似向量索引…")
        result["dense_layouts"] = compare_layouts(spec.size, encoder.dim, spec.seed, vectors)
    return result


def measure_size(spec: SizeSpec) -> dict:
    """Run `spec` in a new Python process (so memory peaks do not carry over between sizes)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(asdict(spec), f, ensure_ascii=False)
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as kb/cli.py sets it
    try:
        done = subprocess.run([sys.executable, "-m", "bench.worker", f.name], stdout=subprocess.PIPE,
                              text=True, env=env)
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        return {"size": spec.size, "error": f"子进程退出码 {done.returncode}（内存不足时常见 -9）"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    """Measure the SizeSpec saved in the JSON file argv[0]; print the result as one line of JSON."""
    spec = SizeSpec(**json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    print(json.dumps(run(spec), ensure_ascii=False))
    return 0
