"""Ingest throughput per stage (read, chunk, embed, index, store) with the functions kb's ingest calls."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.corpus import Corpus
from ingest.chunker import chunk_document
from ingest.errors import UnreadableFile
from ingest.pipeline import discover, read_document
from ingest.types import Document
from kb.config import KBConfig
from kb.indexes import Indexes
from kb.representation import embed_key, embedding_input, keyword_input
from kb.store import open_store


def _rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("inf")


def ingest_throughput(corpus: Corpus, encoder, config: KBConfig, workdir: Path) -> tuple[dict, list[Document]]:
    """Time each ingest stage on the corpus, then one whole KnowledgeBase.ingest of it; returns the
    measurements and the documents read (the later sections reuse them instead of reading again).

    The stages call what kb.ingesting calls, in the same order; the whole ingest (which encodes
    again, from scratch) checks that the stages add up to what a user waits for.
    """
    files = discover(corpus.paths)
    by_format: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])  # files, seconds, chars
    documents, skipped = [], []
    read_seconds = 0.0
    for path in files:
        start = time.perf_counter()
        try:
            doc = read_document(path)
        except UnreadableFile as e:
            skipped.append(e.skipped.reason)
            continue
        finally:
            read_seconds += time.perf_counter() - start
        documents.append(doc)
        entry = by_format[doc.format]
        entry[0] += 1
        entry[1] += time.perf_counter() - start
        entry[2] += len(doc.text)
    chars = sum(len(d.text) for d in documents)

    start = time.perf_counter()
    prepared = []
    for doc in documents:
        chunks = chunk_document(doc, config.chunker)
        inputs = [embedding_input(doc.title, c.section, c.text) for c in chunks]
        search_texts = [keyword_input(doc.title, c.section, c.text) for c in chunks]
        prepared.append((doc, chunks, inputs, search_texts))
    chunk_seconds = time.perf_counter() - start
    inputs = [text for _, _, texts, _ in prepared for text in texts]
    search_texts = [text for *_, texts in prepared for text in texts]

    start = time.perf_counter()
    vectors = encoder.encode(inputs, batch_size=config.embedder.batch_size)
    embed_seconds = time.perf_counter() - start

    indexes = Indexes(workdir / "index", encoder.name, encoder.dim, config.bm25)
    ids = np.arange(1, len(inputs) + 1, dtype=np.int64)
    start = time.perf_counter()
    indexes.dense.add(ids, vectors)
    dense_seconds = time.perf_counter() - start
    indexes.keyword.add(ids, search_texts)
    keyword_seconds = time.perf_counter() - start - dense_seconds
    indexes.generation = 0
    indexes.save()
    index_seconds = time.perf_counter() - start

    store = open_store(workdir / "store")
    start = time.perf_counter()
    row = 0
    for doc, chunks, texts, keyword_texts in prepared:
        keys = [embed_key(t) for t in texts]
        store.commit_document(doc, chunks, keyword_texts, keys, (),
                              (encoder.name, dict(zip(keys, vectors[row : row + len(keys)], strict=True))))
        row += len(keys)
    store_seconds = time.perf_counter() - start
    store.close()

    whole = _whole_ingest(corpus, encoder, config, workdir / "kb")
    n_chunks = len(inputs)
    stages = {
        "read": {"seconds": round(read_seconds, 2), "files_per_second": _rate(len(documents), read_seconds),
                 "chars_per_second": _rate(chars, read_seconds)},
        "chunk": {"seconds": round(chunk_seconds, 2), "chunks_per_second": _rate(n_chunks, chunk_seconds)},
        "embed": {"seconds": round(embed_seconds, 2), "chunks_per_second": _rate(n_chunks, embed_seconds),
                  "batch_size": config.embedder.batch_size},
        "index": {"seconds": round(index_seconds, 2), "chunks_per_second": _rate(n_chunks, index_seconds),
                  "dense_seconds": round(dense_seconds, 2), "keyword_seconds": round(keyword_seconds, 2)},
        "store": {"seconds": round(store_seconds, 2), "chunks_per_second": _rate(n_chunks, store_seconds)},
    }
    report = {
        "corpus": corpus.label,
        "files": len(files),
        "documents": len(documents),
        "skipped": skipped,
        "chars": chars,
        "chunks": n_chunks,
        "by_format": {fmt: {"files": f, "seconds": round(s, 2), "chars": c} for fmt, (f, s, c) in by_format.items()},
        "stages": stages,
        "stages_seconds": round(sum(s["seconds"] for s in stages.values()), 2),
        "whole_ingest": whole,
    }
    return report, documents


def _whole_ingest(corpus: Corpus, encoder, config: KBConfig, data_dir: Path) -> dict:
    from kb.library import KnowledgeBase

    start = time.perf_counter()
    with KnowledgeBase(data_dir, config=config, encoder=encoder) as kb:
        report = kb.ingest(list(corpus.paths))
        chunks = kb.count_chunks()
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "documents": len(report.added), "chunks": chunks,
            "chunks_per_second": _rate(chunks, seconds), "skipped": len(report.skipped)}
