"""Ingest workflow: files → documents → chunks → embeddings → store and indexes, one commit per document."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.chunker import chunk_document
from ingest.errors import UnreadableFile
from ingest.pipeline import ReadOptions, discover, read_document
from ingest.types import Document, Skipped
from kb.archive import carry_edits
from kb.reading_list import repoint_items
from kb.representation import embed_key, embedding_input, keyword_input
from kb.store import doc_id_for, now

# Documents are embedded together until this many chunks are pending: big batches keep the encoder
# busy, while a kill loses at most one batch of work (each document is still its own commit).
BATCH_CHUNKS = 512


@dataclass(frozen=True)
class Entry:
    """One file in the ingest report."""

    path: str
    title: str
    doc_id: str
    chunks: int = 0
    note: str = ""  # e.g. "与 X 内容相同", "文件已移动", warnings


@dataclass
class IngestReport:
    added: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    unchanged: list[Entry] = field(default_factory=list)
    duplicates: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoded: int = 0  # chunk texts that had to be encoded (the rest came from the cache)

    @property
    def read_count(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged) + len(self.duplicates)

    @property
    def nothing_read(self) -> bool:
        """True when files were given but none could be read (the CLI then exits 1)."""
        return self.read_count == 0 and bool(self.skipped)

    def summary(self) -> dict:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "duplicates": len(self.duplicates),
            "skipped": len(self.skipped),
            "encoded": self.encoded,
            "skipped_reasons": [s.reason for s in self.skipped],
        }


@dataclass(frozen=True)
class Progress:
    """Reported to a callback as files are processed."""

    done: int
    total: int
    path: str
    stage: str  # "read" | "embed" | "done"


ProgressFn = Callable[[Progress], None]


@dataclass
class _Pending:
    doc: Document
    replaces: str | None  # id of the old version at the same path
    chunks: list = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    search_texts: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _missing_paths(paths: Sequence[str | Path]) -> list[Skipped]:
    return [
        Skipped(str(p), "路径不存在", "请检查文件或文件夹路径是否拼写正确")
        for p in paths
        if not Path(p).exists()
    ]


class Ingestor:
    """Runs one ingest over a knowledge base (see KnowledgeBase.ingest)."""

    def __init__(self, kb, kind: str | None, tags: Sequence[str], options: ReadOptions,
                 progress: ProgressFn | None):
        self.kb = kb
        self.store = kb.store
        self.kind = kind
        self.tags = [t.strip() for t in tags if t.strip()]
        self.options = options
        self.progress = progress or (lambda p: None)
        self.report = IngestReport()
        self.pending: list[_Pending] = []
        self.seen_hashes: dict[str, str] = {}  # content hash -> path, for duplicates within this run

    def run(self, paths: Sequence[str | Path]) -> IngestReport:
        started = now()
        self.report.skipped.extend(_missing_paths(paths))
        files = discover([p for p in paths if Path(p).exists()])
        for done, path in enumerate(files):
            self.progress(Progress(done, len(files), str(path), "read"))
            self._visit(path.resolve())
            if sum(len(p.chunks) for p in self.pending) >= BATCH_CHUNKS:
                self._flush()
        self._flush()
        self.progress(Progress(len(files), len(files), "", "done"))
        self.kb._save_indexes()
        with self.store.transaction():
            self.store.log_ingest(started, self.report.summary())
        return self.report

    def _visit(self, path: Path) -> None:
        try:
            content_hash = _file_hash(path) if path.stat().st_size <= self.options.max_bytes else None
        except OSError as e:
            self.report.skipped.append(Skipped(str(path), f"无法读取文件（{e.strerror}）", "请检查文件权限"))
            return
        if content_hash and self._known(path, content_hash):
            return
        old = self.store.document_by_path(str(path))
        try:
            doc = read_document(path, kind=self.kind, options=self.options)
        except UnreadableFile as e:
            self.report.skipped.append(e.skipped)
            return
        if self._known(path, doc.content_hash):  # the file changed while we read it
            return
        self.seen_hashes[doc.content_hash] = str(path)
        self.report.warnings.extend(f"{path.name}：{w}" for w in doc.warnings)
        self.pending.append(self._prepare(doc, old.id if old else None))

    def _known(self, path: Path, content_hash: str) -> bool:
        """Handle a file whose content is already stored (or queued); returns True if nothing else to do."""
        if content_hash in self.seen_hashes:
            first = self.seen_hashes[content_hash]
            self.report.duplicates.append(Entry(str(path), Path(first).name, doc_id_for(content_hash),
                                                note=f"与本次导入的 {first} 内容完全相同，未重复保存"))
            return True
        record = self.store.document_by_hash(content_hash)
        if record is None:
            return False
        self.seen_hashes[content_hash] = record.path
        entry = Entry(str(path), record.title, record.id, record.chunk_count)
        if record.path != str(path) and Path(record.path).exists():
            self.report.duplicates.append(
                Entry(str(path), record.title, record.id, note=f"与已入库的 {record.path} 内容完全相同，未重复保存")
            )
            return True
        with self.store.transaction():
            changed = self.store.add_tags(record.id, self.tags)
            if record.path != str(path):  # moved or renamed: same content, new place
                self.store.set_path(record.id, str(path))
                entry = Entry(str(path), record.title, record.id, record.chunk_count,
                              note=f"文件已从 {record.path} 移动")
                changed = True
            if self.kind and self.kind != record.kind:
                self.store.set_kind(record.id, self.kind)
                changed = True
        (self.report.updated if changed else self.report.unchanged).append(entry)
        return True

    def _prepare(self, doc: Document, replaces: str | None) -> _Pending:
        item = _Pending(doc, replaces, chunk_document(doc, self.kb.config.chunker))
        for chunk in item.chunks:
            text = embedding_input(doc.title, chunk.section, chunk.text)
            item.inputs.append(text)
            item.search_texts.append(keyword_input(doc.title, chunk.section, chunk.text))
            item.keys.append(embed_key(text))
        return item

    def _flush(self) -> None:
        if not self.pending:
            return
        vectors = self._embed()
        for item in self.pending:
            self._commit(item, vectors)
        self.pending = []

    def _embed(self) -> dict[str, np.ndarray]:
        """Vectors for every pending chunk: from the store's cache, encoding only new texts."""
        model = self.kb.model_name
        keys = list(dict.fromkeys(k for item in self.pending for k in item.keys))
        vectors = self.store.embeddings(model, keys)
        todo = {}
        for item in self.pending:
            for key, text in zip(item.keys, item.inputs, strict=True):
                if key not in vectors:
                    todo[key] = text
        cache = self.kb.embedding_cache
        if todo and cache is not None:
            cached = cache.get(model, list(todo))
            vectors.update(cached)
            todo = {k: t for k, t in todo.items() if k not in cached}
        if todo:
            self.progress(Progress(0, len(todo), "", "embed"))
            encoded = self.kb.encode(list(todo.values()), show_progress=self.kb.show_progress)
            new = dict(zip(todo.keys(), encoded, strict=True))
            vectors.update(new)
            if cache is not None:
                cache.put(model, new)
            self.report.encoded += len(todo)
        return vectors

    def _commit(self, item: _Pending, vectors: dict[str, np.ndarray]) -> None:
        doc = item.doc
        self.kb._ensure_model_recorded()
        with self.store.transaction():
            removed: list[int] = []
            old = self.store.document(item.replaces) if item.replaces else None
            if old:  # a new version of a stored file keeps its tags and its date of first import
                removed = self.store.delete_document(old.id)
            doc_id, ids = self.store.insert_document(
                doc, item.chunks, item.search_texts, item.keys, [*(old.tags if old else ()), *self.tags],
                added_at=old.added_at if old else None,
            )
            if item.replaces:
                repoint_items(self.store, item.replaces, doc_id)
                carry_edits(self.store, item.replaces, doc_id)
            self.store.put_embeddings(self.kb.model_name, {k: vectors[k] for k in item.keys})
        self.kb._index_changed(
            removed=np.array(removed, dtype=np.int64),
            added=np.array(ids, dtype=np.int64),
            vectors=np.stack([vectors[k] for k in item.keys]) if ids else np.zeros((0, self.kb.dim), np.float32),
            search_texts=item.search_texts,
        )
        entry = Entry(doc.path, doc.title, doc_id, len(ids), note="；".join(doc.warnings))
        (self.report.updated if item.replaces else self.report.added).append(entry)
