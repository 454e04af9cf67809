"""Search at scale: one new process per collection size builds a real knowledge base of synthetic
chunks, times KnowledgeBase.search with every retriever and the steps inside it, and reports its memory.

measure_size runs `python -m bench.worker SPEC.json`, which calls main here and prints one JSON object.
The knowledge base is loaded through the store's and the indexes' public methods with precomputed
vectors and tokens (bulk_load); every timed search is a KnowledgeBase.search that encodes its query.
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
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench.encoding import latency, make_encoder, timed
from bench.machine import peak_rss_mb, rss_mb
from bench.probes import Probes, Target
from bench.synthetic import DOC_CHUNKS, SyntheticDocument, TextPool, synthetic_documents, unit_vectors
from ingest.types import Chunk, Document
from kb.config import KBConfig
from kb.library import KnowledgeBase
from kb.representation import embed_key, embedding_input, keyword_input

if TYPE_CHECKING:
    from index.embedder import Encoder

BATCH = 10_000  # chunks committed and indexed per call (a multiple of DOC_CHUNKS)
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


def _synthetic_document(doc: SyntheticDocument, number: int, seed: int) -> tuple[Document, list[Chunk]]:
    """A synthetic document as the readers and the chunker would make it (text = its chunks one per line)."""
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
    return document, chunks


def bulk_load(kb: KnowledgeBase, batch: list[SyntheticDocument], first_number: int, vectors: np.ndarray,
              seed: int) -> np.ndarray:
    """Commit synthetic documents with precomputed vectors, as an import commits each document (the
    store's commit_document), and add them to the indexes with their known keyword tokens (what
    Indexes.apply does after tokenizing); returns the chunk ids, in order. Reading, chunking,
    encoding and tokenizing are what the synthetic data stands in for."""
    model = kb.model_name
    ids: list[int] = []
    tokens: list[list[str]] = []
    with kb.store.transaction():
        kb.store.meta.record_model(model, int(vectors.shape[1]), kb.config.to_dict())
        for j, doc in enumerate(batch):
            document, chunks = _synthetic_document(doc, first_number + j, seed)
            search_texts = [keyword_input(doc.title, (), text) for text in doc.chunk_texts]
            keys = [embed_key(embedding_input(doc.title, (), text)) for text in doc.chunk_texts]
            rows = vectors[len(ids) : len(ids) + len(keys)]
            committed = kb.store.commit_document(document, chunks, search_texts, keys, (),
                                                 (model, dict(zip(keys, rows, strict=True))))
            ids += committed.added
            tokens += doc.chunk_tokens
    added = np.array(ids, dtype=np.int64)
    kb.indexes.add_tokenized(added, vectors, tokens)
    return added


def build(spec: SizeSpec, pool: TextPool, encoder: Encoder, config: KBConfig) -> tuple[Path, dict]:
    """A knowledge base of `spec.size` synthetic chunks in spec.workdir, committed to its store and
    indexed, its indexes saved as an import leaves them; returns (its data folder, build facts)."""
    directory = Path(spec.workdir) / "kb"
    seconds = {"synthesise": 0.0, "store_and_index": 0.0}
    postings = documents = 0
    clock = time.perf_counter()
    with KnowledgeBase(directory, config=config, encoder=encoder) as kb:
        for number, batch in enumerate(_batches(pool, spec.size, spec.seed)):
            count = sum(len(d.chunk_texts) for d in batch)
            postings += sum(len(set(t)) for d in batch for t in d.chunk_tokens)
            vectors = _batch_vectors(number, count, encoder.dim, spec.seed)
            now = time.perf_counter()
            seconds["synthesise"] += now - clock
            bulk_load(kb, batch, documents, vectors, spec.seed)
            documents += len(batch)
            clock = time.perf_counter()
            seconds["store_and_index"] += clock - now
            if number % 10 == 9:
                _log(f"  {spec.size:,} 片段：已建 {kb.count_chunks():,}")
        start = time.perf_counter()
        kb.refresh_indexes()  # records the store's generation in the indexes and saves them
        save_seconds = time.perf_counter() - start
        dense = kb.indexes.dense
        facts = {
            "chunks": kb.count_chunks(),
            "documents": documents,
            "postings": postings,
            "build_seconds": {key: round(value, 1) for key, value in seconds.items()},
            "save_seconds": round(save_seconds, 1),
            "dense_layout": dense.layout,
            "dense_nprobe": dense.nprobe,
            "dense_measured_recall": dense.measured_recall,
        }
    facts["disk_mb"] = {"knowledge_base": _megabytes(directory), "dense": _megabytes(directory / "index" / "dense"),
                        "keyword": _megabytes(directory / "index" / "keyword")}
    return directory, facts


def _megabytes(directory: Path) -> int:
    return round(sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) / 2**20)


def _time_each(queries: list[str], run: Callable[[int, str], object]) -> dict:
    for i, query in enumerate(queries[:WARMUP]):
        run(i, query)
    samples = []
    for i, query in enumerate(queries):
        start = time.perf_counter()
        run(i, query)
        samples.append(time.perf_counter() - start)
    return latency(samples)


def search_steps() -> list[Target]:
    """What KnowledgeBase.search calls, in order; names in parentheses run inside the step above them."""
    import kb.library
    import kb.search
    from index.dense import DenseIndex
    from index.keyword import KeywordIndex
    from kb.embedding import Embeddings
    from kb.store.chunks import Chunks
    from kb.store.documents import Documents
    from kb.store.meta import Meta

    return [
        ("store.meta.model", Meta, "model"),
        ("refresh_indexes", KnowledgeBase, "refresh_indexes"),
        ("prepare", kb.library, "prepare"),
        ("(encode_query, in prepare)", Embeddings, "encode_query"),
        ("(keyword.tokenize_query, in prepare)", KeywordIndex, "tokenize_query"),
        ("rank", kb.library, "rank"),
        ("(dense.search, in rank)", DenseIndex, "search"),
        ("(keyword.search_terms, in rank)", KeywordIndex, "search_terms"),
        ("(fuse, in rank)", kb.search, "fuse"),
        ("store.chunks.get", Chunks, "get"),
        ("store.documents.many", Documents, "many"),
        ("keyword.known_terms", KeywordIndex, "known_terms"),
        ("make_hits", kb.library, "make_hits"),
    ]


def search_latencies(kb: KnowledgeBase, queries: list[str], vectors: np.ndarray) -> tuple[dict, dict]:
    """p50/p95 per query of KnowledgeBase.search (k=10) with each retriever, of the query's encoding
    alone, of a hybrid search given the query's vector (the search API's `vector`, for callers that
    encode in batches), and of each step inside a hybrid search (see search_steps).

    Every mode runs once per query, in an order rotating from query to query, so that load from
    other processes, which comes and goes, falls on all of them alike.
    """
    probes = Probes(search_steps(), keep=("rank",))

    def steps(_i: int, query: str) -> None:
        with probes:
            kb.search(query, k=K)
        probes.new_round()

    modes: dict[str, Callable[[int, str], object]] = {
        "encode": lambda i, q: kb.encode_query([q]),
        "dense": lambda i, q: kb.search(q, k=K, retriever="dense"),
        "keyword": lambda i, q: kb.search(q, k=K, retriever="keyword"),
        "hybrid_given_vector": lambda i, q: kb.search(q, k=K, vector=vectors[i]),
        "hybrid": lambda i, q: kb.search(q, k=K),
        "steps": steps,
    }
    names = list(modes)
    for i, query in enumerate(queries[:WARMUP]):
        for name in names:
            modes[name](i, query)
    probes.forget()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i, query in enumerate(queries):
        for j in range(len(names)):
            name = names[(i + j) % len(names)]
            start = time.perf_counter()
            modes[name](i, query)
            samples[name].append(time.perf_counter() - start)
    del samples["steps"]
    breakdown: dict = {label: latency(probes.per_round(label)) for label, _, _ in probes.targets
                       if probes.per_round(label)}
    breakdown["fused_candidates_mean"] = round(float(np.mean([len(r) for r in probes.results["rank"]])), 1)
    out = {name: latency(values) for name, values in samples.items()}
    slowest = np.argsort(samples["keyword"])[::-1][:3]
    out["keyword"]["slowest"] = [[queries[i], round(samples["keyword"][i] * 1000, 1)] for i in slowest]
    return out, breakdown


def profile_hybrid(kb: KnowledgeBase, queries: list[str], top: int = 15) -> list[dict]:
    """cProfile of hybrid KnowledgeBase.search calls: the costliest functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        kb.search(query, k=K)
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


def search_after_add(kb: KnowledgeBase, pool: TextPool, query: str, workdir: Path, seed: int, profile: bool,
                     rounds: int = 3) -> dict:
    """Importing one document (a synthetic text file, through KnowledgeBase.ingest) changes the
    average chunk length, so the keyword index recomputes its cached weights at the next search: the
    import (and the index save inside it), the first hybrid search after it and the one after that
    (medians over `rounds`), and with `profile` the costliest functions of the last first-search."""
    from kb.indexes import Indexes

    folder = workdir / "added"
    folder.mkdir(parents=True, exist_ok=True)
    times: dict[str, list[float]] = {"add": [], "index_save": [], "first_search": [], "next_search": []}
    chunks: list[int] = []
    profiler = cProfile.Profile()
    docs = synthetic_documents(pool, rounds * DOC_CHUNKS, seed + 1)
    for number, doc in zip(range(rounds), docs, strict=False):
        path = folder / f"added-{number}.txt"
        path.write_text(doc.title + "\n\n" + "\n".join(doc.chunk_texts), encoding="utf-8")
        with Probes([("save", Indexes, "save")]) as probes:
            start = time.perf_counter()
            report = kb.ingest([path])
            times["add"].append(time.perf_counter() - start)
        times["index_save"].append(probes.seconds("save"))
        chunks += [entry.chunks for entry in report.added]
        if number == rounds - 1 and profile:
            profiler.enable()
        times["first_search"].append(timed(lambda: kb.search(query, k=K)))
        profiler.disable()
        times["next_search"].append(timed(lambda: kb.search(query, k=K)))
    medians = {f"{key}_ms": round(float(np.median(v)) * 1000, 1) for key, v in times.items()}
    out: dict = {"chunks_added": round(float(np.median(chunks))) if chunks else 0, **medians}
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
    memory = {"start_mb": round(rss_mb())}
    encoder = make_encoder(spec.model)
    encoder.encode(["预热"])
    memory["with_model_mb"] = round(rss_mb())
    config = KBConfig()
    pool = TextPool.load(Path(spec.pool))
    _log(f"  {spec.size:,} 片段：合成并建立知识库…")
    directory, facts = build(spec, pool, encoder, config)
    gc.collect()
    result, vectors = _search_measurements(spec, directory, encoder, config, pool, memory)
    result = {"size": spec.size, **facts, **result}
    del pool
    if spec.approximate:
        gc.collect()
        _log(f"  {spec.size:,} 片段：比较精确与近似向量索引…")
        result["dense_layouts"] = compare_layouts(spec.size, encoder.dim, spec.seed, vectors)
    return result


def _search_measurements(spec: SizeSpec, directory: Path, encoder: Encoder, config: KBConfig, pool: TextPool,
                         memory: dict) -> tuple[dict, np.ndarray]:
    """The knowledge base in `directory` opened again, as a user's process would (the first refresh
    reads the saved indexes), and searched; returns the measurements and the queries' vectors."""
    with KnowledgeBase(directory, config=config, encoder=encoder) as kb:
        result: dict = {"load_seconds": round(timed(kb.refresh_indexes), 1)}
        memory["after_build_mb"] = round(rss_mb())
        vectors = np.asarray(kb.encode_query(spec.queries))
        _log(f"  {spec.size:,} 片段：测量检索延迟（{len(spec.queries)} 个问题）…")
        # The first search loads jieba's dictionary and builds the keyword index's posting blocks.
        result["first_keyword_search_seconds"] = round(
            timed(lambda: kb.search(spec.queries[0], k=K, retriever="keyword")), 2)
        memory["after_first_search_mb"] = round(rss_mb())
        result["latency"], result["hybrid_breakdown"] = search_latencies(kb, spec.queries, vectors)
        if spec.profile:
            result["profile"] = profile_hybrid(kb, spec.queries)
        memory["steady_mb"] = round(rss_mb())
        memory["peak_mb"] = round(peak_rss_mb())
        result["memory"] = memory
        result["after_add"] = search_after_add(kb, pool, spec.queries[0], Path(spec.workdir), spec.seed,
                                               spec.profile)
    return result, vectors


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
