"""Ingest throughput: one real KnowledgeBase.ingest of the corpus, with the time of each of its stages
(read, chunk, embed, store, index) measured inside it (bench.probes)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bench.corpus import Corpus
from bench.probes import Probes, Target
from ingest.pipeline import discover
from ingest.types import Document
from kb.config import KBConfig
from kb.library import KnowledgeBase
from kb.reading import prepare as reading_prepare

if TYPE_CHECKING:
    from index.embedder import Encoder


def _rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("inf")


def ingest_steps() -> list[Target]:
    """What an import calls for each file and each batch of chunks (kb/ingesting.py)."""
    import kb.reading
    from index.dense import DenseIndex
    from index.keyword import KeywordIndex
    from kb.embedding import Embeddings
    from kb.indexes import Indexes
    from kb.store import Store

    return [
        ("read", kb.reading, "read_document"),
        ("chunk", kb.reading, "chunk_document"),
        ("tokenize", kb.reading, "tokenize"),  # jieba, when the file is prepared (kb.reading)
        ("embed", Embeddings, "encode"),
        ("store", Store, "commit_document"),
        ("index", Indexes, "apply"),
        ("dense", DenseIndex, "add"),  # inside apply
        ("keyword", KeywordIndex, "add_tokenized"),  # inside apply: BM25
        ("save", Indexes, "save"),
    ]


class _ReadingHere:
    """The stages are timed in this process: an import here reads its files here, not in a child."""

    prepare = staticmethod(reading_prepare)


@contextmanager
def _reading_here() -> Iterator[None]:
    import kb.library

    child_reader = kb.library.child_reader
    kb.library.child_reader = _ReadingHere  # type: ignore[assignment]
    try:
        yield
    finally:
        kb.library.child_reader = child_reader


def ingest_throughput(corpus: Corpus, encoder: Encoder, config: KBConfig, workdir: Path) -> tuple[dict,
                                                                                                   list[Document]]:
    """Import the corpus into a new knowledge base, timing the whole and each stage inside it; returns
    the measurements and the documents read (the later sections reuse them instead of reading again).

    Every text is encoded (a new knowledge base, no shared cache). What the stages leave out —
    hashing files, looking vectors up, logging the run — is the gap between their sum and the whole.
    """
    files = discover(corpus.paths)
    with _reading_here(), KnowledgeBase(workdir, config=config, encoder=encoder) as kb, \
            Probes(ingest_steps(), keep=("read",)) as probes:
        start = time.perf_counter()
        report = kb.ingest(list(corpus.paths))
        seconds = time.perf_counter() - start
        n_chunks = kb.count_chunks()
    documents: list[Document] = []
    by_format: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])  # files, seconds, chars
    for doc, took in zip(probes.results["read"], probes.durations["read"], strict=True):
        if doc is None:  # unreadable: skipped, and listed in the report
            continue
        documents.append(doc)
        entry = by_format[doc.format]
        entry[0] += 1
        entry[1] += took
        entry[2] += len(doc.text)
    chars = sum(len(d.text) for d in documents)
    read, chunk, embed, store = (probes.seconds(s) for s in ("read", "chunk", "embed", "store"))
    dense, keyword, save = (probes.seconds(s) for s in ("dense", "keyword", "save"))
    keyword += probes.seconds("tokenize")  # jieba, now done before apply
    index = probes.seconds("index") + probes.seconds("tokenize") + save  # jieba as before, now before apply
    # Four decimals: chunking a small corpus takes milliseconds, which two decimals would show as 0.
    stages = {
        "read": {"seconds": round(read, 4), "files_per_second": _rate(len(documents), read),
                 "chars_per_second": _rate(chars, read)},
        "chunk": {"seconds": round(chunk, 4), "chunks_per_second": _rate(n_chunks, chunk)},
        "embed": {"seconds": round(embed, 4), "chunks_per_second": _rate(n_chunks, embed),
                  "batch_size": config.embedder.batch_size},
        "index": {"seconds": round(index, 4), "chunks_per_second": _rate(n_chunks, index),
                  "dense_seconds": round(dense, 4), "keyword_seconds": round(keyword, 4),
                  "save_seconds": round(save, 4)},
        "store": {"seconds": round(store, 4), "chunks_per_second": _rate(n_chunks, store)},
    }
    result = {
        "corpus": corpus.label,
        "files": len(files),
        "documents": len(documents),
        "skipped": [s.reason for s in report.skipped],
        "chars": chars,
        "chunks": n_chunks,
        "by_format": {fmt: {"files": f, "seconds": round(s, 2), "chars": c} for fmt, (f, s, c) in by_format.items()},
        "stages": stages,
        "stages_seconds": round(sum(s["seconds"] for s in stages.values()), 4),
        "whole_ingest": {"seconds": round(seconds, 4), "documents": len(report.added), "chunks": n_chunks,
                         "chunks_per_second": _rate(n_chunks, seconds), "skipped": len(report.skipped)},
    }
    return result, documents
