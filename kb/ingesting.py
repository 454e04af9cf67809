"""Ingest workflow: files → documents → chunks → store and indexes, one commit per document.

It receives what it works with — the store, the indexes, the embeddings helper and the configuration —
and knows nothing of the facade: KnowledgeBase.ingest builds one Ingestor per run. A document is
committed with the vectors already known (stored for the same text, or cached) and is searchable by
keywords at once; the model encodes the rest afterwards (kb.backfill), so reading never waits for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.marks import classification_level
from ingest.pipeline import ReadOptions, discover
from ingest.twins import SCHEME, TwinIndex, TwinSignature
from ingest.types import Chunk, Document, Skipped
from kb.clock import now
from kb.config import KBConfig
from kb.embedding import Embeddings
from kb.errors import Conflict
from kb.indexes import Indexes
from kb.reading import Prepare, Prepared, prepare
from kb.records import Entry, IngestReport, NearDuplicate, Progress, ProgressFn, doc_id_for

if TYPE_CHECKING:
    from kb.store import Store

# A document is committed as soon as this many chunks are pending: with encoding left to the backfill
# nothing is gained by waiting, and each document becomes searchable the moment it is read.
BATCH_CHUNKS = 1


@dataclass
class _Pending:
    doc: Document
    replaces: str | None  # id of the old version at the same path
    chunks: list[Chunk] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    search_texts: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)  # search_texts as the keyword index splits them


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
    """Runs one ingest. The indexes must be up to date with the store when it starts (the facade
    refreshes them); each committed document is then added to them once, and they are saved at the end."""

    def __init__(self, store: Store, indexes: Indexes, embeddings: Embeddings, config: KBConfig, *,
                 kind: str | None = None, tags: Sequence[str] = (), options: ReadOptions = ReadOptions(),
                 progress: ProgressFn | None = None, allow_classified: bool = False, read: Prepare = prepare):
        self.store = store
        self.indexes = indexes
        self.embeddings = embeddings
        self.config = config
        self.kind = kind
        self.tags = [t.strip() for t in tags if t.strip()]
        self.options = options
        self.read = read  # reads and prepares one file: here, or in a child process (kb.reading)
        self.allow_classified = allow_classified  # an administrator's setting, for approved networks only
        self.progress = progress or (lambda p: None)
        self.report = IngestReport()
        self.pending: list[_Pending] = []
        self.seen_hashes: dict[str, str] = {}  # content hash -> path, for duplicates within this run
        self.committed = 0
        self._twin_index: TwinIndex | None = None  # the stored signatures, loaded at the first commit

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
        if self.committed:
            self.indexes.save()
        with self.store.transaction():
            self.store.ingest_runs.log(started, self.report.summary())
        return self.report

    def _visit(self, path: Path) -> None:
        try:
            content_hash = _file_hash(path) if path.stat().st_size <= self.options.max_bytes else None
        except OSError as e:
            self.report.skipped.append(Skipped(str(path), f"无法读取文件（{e.strerror}）", "请检查文件权限"))
            return
        if content_hash and self._known(path, content_hash):
            return
        old = self.store.documents.by_path(str(path))
        read = self.read(path, self.kind, self.options, self.config.chunker)
        if isinstance(read, Skipped):
            self.report.skipped.append(read)
            return
        doc = read.doc
        if self._known(path, doc.content_hash):  # the file changed while we read it
            return
        if self._refused(doc):
            return
        self.seen_hashes[doc.content_hash] = str(path)
        self.report.warnings.extend(f"{path.name}：{w}" for w in doc.warnings)
        self.pending.append(self._prepare(read, old.id if old else None))

    def _known(self, path: Path, content_hash: str) -> bool:
        """Handle a file whose content is already stored (or queued); returns True if nothing else to do."""
        if content_hash in self.seen_hashes:
            first = self.seen_hashes[content_hash]
            self.report.duplicates.append(Entry(str(path), Path(first).name, doc_id_for(content_hash),
                                                note=f"与本次导入的 {first} 内容完全相同，未重复保存"))
            return True
        record = self.store.documents.by_hash(content_hash)
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
            changed = self.store.documents.add_tags(record.id, self.tags)
            if record.path != str(path):  # moved or renamed: same content, new place
                self.store.documents.set_path(record.id, str(path))
                entry = Entry(str(path), record.title, record.id, record.chunk_count,
                              note=f"文件已从 {record.path} 移动")
                changed = True
            if self.kind and self.kind != record.kind:
                self.store.documents.set_kind(record.id, self.kind)
                changed = True
        (self.report.updated if changed else self.report.unchanged).append(entry)
        return True

    def _refused(self, doc: Document) -> bool:
        """A document marked 绝密/机密/秘密 on its first page is not taken in (unless an administrator allows
        it): it is skipped with its reason, and nothing stored before — an older version of the file too —
        is touched."""
        level = classification_level(doc.classification)
        if level is None or self.allow_classified:
            return False
        self.report.skipped.append(Skipped(
            doc.path, f"文件首页标有密级“{doc.classification}”，是{level}级涉密文件，未导入",
            "涉密文件只能在经批准的涉密网络和设备上处理；如本系统部署在经批准的网络上，请管理员在系统管理中允许导入涉密文件"))
        self.report.refused.append(doc.path)
        return True

    def _prepare(self, read: Prepared, replaces: str | None) -> _Pending:
        return _Pending(read.doc, replaces, read.chunks, read.inputs, read.search_texts, read.keys, read.tokens)

    def _flush(self) -> None:
        if not self.pending:
            return
        vectors = self._embed()
        for item in self.pending:
            self._commit(item, vectors)
        self.pending = []

    def _embed(self) -> dict[str, np.ndarray]:
        """The vectors already known for pending chunks (stored for the same text, or cached); the
        rest are encoded after the commits (kb.backfill). Written with their document (see _commit)."""
        return self.embeddings.lookup([key for item in self.pending for key in item.keys], lambda missing: [],
                                      persist=False, encode=False).vectors

    def _twins(self) -> TwinIndex:
        """The signatures of the stored documents, to find a new document's twin (loaded once per run;
        a signature made with other settings is left out, as if the document had none)."""
        if self._twin_index is None:
            self._twin_index = TwinIndex()
            for doc_id, blob in self.store.twins.signatures(SCHEME):
                try:
                    self._twin_index.add(doc_id, TwinSignature.from_bytes(blob))
                except ValueError:
                    continue
        return self._twin_index

    def _commit(self, item: _Pending, vectors: dict[str, np.ndarray]) -> None:
        with self.indexes.own_commit():
            self._commit_once_settled(item, vectors)

    def _commit_once_settled(self, item: _Pending, vectors: dict[str, np.ndarray]) -> None:
        try:
            self._store(item, vectors)
        except Conflict:
            # Another import (another process, or the same folder imported twice at once) stored this
            # file or this content between our look-up and our commit: settle the file as if that
            # import had finished first, and commit again only if ours is still new.
            self.seen_hashes.pop(item.doc.content_hash, None)
            if self._known(Path(item.doc.path), item.doc.content_hash):
                return
            current = self.store.documents.by_path(item.doc.path)
            item.replaces = current.id if current else None
            self._store(item, vectors)

    def _store(self, item: _Pending, vectors: dict[str, np.ndarray]) -> None:
        doc = item.doc
        model = self.embeddings.model_name
        known = {k: vectors[k] for k in item.keys if k in vectors}
        twins = self._twins()
        # Compared with what is stored, not with the old version of the same file: that one is replaced.
        twin = twins.nearest(doc.signature, exclude=item.replaces)
        twin_doc = self.store.documents.get(str(twin.key)) if twin else None
        with self.store.transaction():
            # The first document records what built the knowledge base (kept by later ones).
            self.store.meta.record_model(model, self.embeddings.dim, self.config.to_dict())
            committed = self.store.commit_document(
                doc, item.chunks, item.search_texts, item.keys, self.tags, (model, known), replaces=item.replaces,
            )
            self.store.twins.put_signature(committed.doc_id, SCHEME, doc.signature.to_bytes())
            if twin and twin_doc:
                self.store.twins.link(committed.doc_id, twin_doc.id, twin.similarity, now())
        if item.replaces:
            twins.remove(item.replaces)
        twins.add(committed.doc_id, doc.signature)
        ids = committed.added
        self.indexes.fit_dim(self.embeddings.dim)
        with_vector = [(i, known[k]) for i, k in zip(ids, item.keys, strict=True) if k in known]
        self.indexes.apply(
            removed=np.array(committed.removed, dtype=np.int64),
            added=np.array(ids, dtype=np.int64),
            search_texts=item.search_texts,
            tokens=item.tokens,
            generation=committed.generation,
            dense=(np.array([i for i, _ in with_vector], dtype=np.int64),
                   np.stack([v for _, v in with_vector]) if with_vector else np.zeros((0, self.embeddings.dim),
                                                                                      np.float32)),
        )
        self.committed += 1
        notes = list(doc.warnings)
        if twin and twin_doc:
            found = NearDuplicate(doc.path, committed.doc_id, doc.title, twin_doc.id, twin_doc.title, twin.similarity)
            self.report.near_duplicates.append(found)
            notes.insert(0, found.note)
        entry = Entry(doc.path, doc.title, committed.doc_id, len(ids), note="；".join(notes))
        (self.report.updated if item.replaces else self.report.added).append(entry)
