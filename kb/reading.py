"""An import's reading in a child process, so that searches do not share the interpreter with it.

Reading a file (parsing, normalising), cutting it into passages, its near-duplicate signature and the
keyword tokens of its passages are pure-Python work: run in the app process, they hold the interpreter
lock every search thread needs, and a search's p95 during an import doubled (docs/benchmarks.md). One
child process (concurrent.futures with one worker, started with "spawn": the same on Windows as on
Linux, and no copy of the parent's threads and locks) does that work and sends the prepared document
back; the parent keeps everything else — the look-ups, one transaction per document, the indexes.

The limits of ingest.limits apply in the child as before. A child that dies on a file (a parser
crashing the interpreter, the system ending it for its memory) makes that file a skipped file with its
reason, and the next file starts a new child. The child ignores Ctrl-C: the parent stops the import at
its next file (kb.imports); the child ends with the process (concurrent.futures' own exit hook).

One child per process (`child_reader()`), shared by the knowledge bases open in it: starting one costs
a second or two (a new interpreter, the readers, jieba's dictionary), paid once, not per knowledge
base; it reads one file at a time for all of them, which is what one CPU-bound reader can do anyway.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from index.tokenize import tokenize
from ingest.chunker import ChunkerConfig, chunk_document
from ingest.errors import UnreadableFile
from ingest.options import ReadOptions
from ingest.pipeline import read_document
from ingest.types import Chunk, Document, Skipped
from kb.metatexts import METADATA_KEY, fields_named
from kb.representation import embed_key, embedding_input, keyword_input

log = logging.getLogger(__name__)

CHILD_NICENESS = 10  # as the import worker thread's (kb.imports): searches come first
CRASHED = "读取该文件时读取程序意外退出，文件可能已损坏或是恶意构造的"
CRASHED_FIX = "请用原软件打开确认文件完好，另存为新文件后重新导入"


@dataclass(frozen=True)
class Prepared:
    """A file read and cut into passages, with what the commit needs for each passage."""

    doc: Document  # its near-duplicate signature already computed
    chunks: list[Chunk]
    inputs: list[str]  # what the model encodes
    search_texts: list[str]  # what the keyword index holds
    keys: list[str]  # the vectors' keys
    tokens: list[list[str]]  # search_texts split by the keyword index's tokenizer (index.tokenize)


Prepare = Callable[[Path, str | None, ReadOptions, ChunkerConfig], "Prepared | Skipped"]


def prepare(path: Path, kind: str | None, options: ReadOptions, chunker: ChunkerConfig) -> Prepared | Skipped:
    """Read and prepare one file (in whichever process calls it); a file that cannot be read is Skipped."""
    try:
        doc = read_document(path, kind=kind, options=options)
    except UnreadableFile as e:
        return e.skipped
    # A text about the topic list itself is down-weighted in search (kb.metatexts).
    doc = replace(doc, metadata={**doc.metadata, METADATA_KEY: str(fields_named(doc.text))})
    doc.signature  # noqa: B018 - computed here: a cached property travels with the pickled document
    chunks = chunk_document(doc, chunker)
    inputs = [embedding_input(doc.title, c.section, c.text) for c in chunks]
    search_texts = [keyword_input(doc.title, c.section, c.text) for c in chunks]
    return Prepared(doc, chunks, inputs, search_texts, [embed_key(t) for t in inputs],
                    [tokenize(t) for t in search_texts])


def _child_started() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_parent, args=(os.getppid(),), name="kb-reader-watch", daemon=True).start()
    try:
        os.nice(CHILD_NICENESS)
    except (AttributeError, OSError):
        pass
    tokenize("预热")  # jieba's dictionary is loaded now, while the parent is still looking the file up


def _end_with_parent(parent: int) -> None:
    """A parent killed outright (SIGKILL, power off of a VM) leaves no one to end the child: it would wait
    for work forever. It notices that it was handed to another parent, and ends."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


class ChildReader:
    """A child process for imports (started with the first file): `prepare` as above, done there."""

    def __init__(self, work: Prepare = prepare) -> None:
        self._work = work  # what the child runs (a test makes it die on a file)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def prepare(self, path: Path, kind: str | None, options: ReadOptions, chunker: ChunkerConfig) -> Prepared | Skipped:
        pool = self._started()
        try:
            return pool.submit(self._work, path, kind, options, chunker).result()
        except BrokenProcessPool:
            log.warning("the reading process ended while reading %s; the file is skipped", path)
            self._discard(pool)
            return Skipped(str(path), CRASHED, CRASHED_FIX)

    def close(self) -> None:
        """End the child (it is started again by the next file)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_child_started)
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


_shared_reader = ChildReader()


def child_reader() -> ChildReader:
    """This process's child reader."""
    return _shared_reader
