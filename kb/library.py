"""The knowledge base facade: the one object the CLI and the UI talk to."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.chunker import chunk_document
from ingest.pipeline import ReadOptions
from ingest.types import KINDS, Document, Heading, Page
from kb.config import KBConfig
from kb.embedding_cache import EmbeddingCache
from kb.errors import FormatError, InvalidInput, KBError, ModelMismatch, NotFound
from kb.indexes import Indexes
from kb.ingesting import Ingestor, IngestReport, ProgressFn
from kb.reading_list import ReadingLists
from kb.representation import embed_key, embedding_input, keyword_input
from kb.search import Hit, best_per_document, make_hits, normalise_query, rank_chunks
from kb.store import DB_NAME, ChunkRecord, DocumentRecord, Filters, Store

if TYPE_CHECKING:
    from index.embedder import Encoder

ENV_DATA = "KB_DATA"


def load_encoder(name: str) -> Encoder:
    """Load a model by name or path; imported late so commands that need no model start fast."""
    from index.embedder import EncoderUnavailable
    from index.embedder import load_encoder as load

    try:
        return load(name)
    except EncoderUnavailable as e:
        raise KBError(str(e)) from e


def default_data_dir() -> Path:
    """KB_DATA if set, else the per-user data folder (~/.local/share/kb)."""
    if os.environ.get(ENV_DATA):
        return Path(os.environ[ENV_DATA]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "kb"


def _locked(method):
    """Serialise calls: Streamlit shares one KnowledgeBase between session threads."""

    @wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class KnowledgeBase:
    """Documents, chunks and embeddings in SQLite; FAISS and BM25 indexes derived from them."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        config: KBConfig | None = None,
        model: str | None = None,
        encoder: Encoder | None = None,
        show_progress: bool = False,
        embedding_cache: EmbeddingCache | None = None,
    ):
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.config = config or KBConfig()
        self.show_progress = show_progress
        self.embedding_cache = embedding_cache  # vectors shared with other knowledge bases (eval, bench)
        self._lock = threading.RLock()
        self._encoder = encoder
        self._encoder_lock = threading.Lock()  # the UI loads the model in a background thread
        self._indexes: Indexes | None = None
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise InvalidInput(f"数据目录 {self.data_dir} 是一个文件：请用 --data 指定一个文件夹")
        try:
            self.store = Store(self.data_dir / DB_NAME)
        except sqlite3.DatabaseError as e:
            raise FormatError(
                f"{self.data_dir / DB_NAME} 不是有效的知识库数据库（{e}）："
                "请换一个数据目录（--data），或删除该文件后重新导入"
            ) from e
        stored = self.store.meta("model")
        requested = encoder.name if encoder else model
        if requested and stored and requested != stored:
            self.store.close()
            raise ModelMismatch(
                f"该知识库由模型 {stored} 构建，不能混用模型 {requested}：改用 {stored}，"
                f"或运行 kb reindex --model {requested} 用新模型重建索引"
            )
        self.model_name: str = requested or stored or self.config.embedder.model
        self.lists = ReadingLists(self.store)

    # ---- lifecycle --------------------------------------------------------------------------------
    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- encoder ----------------------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            with self._encoder_lock:  # two threads asking at once load the model once
                if self._encoder is None:
                    self._encoder = load_encoder(self.model_name)
        return self._encoder

    @property
    def dim(self) -> int:
        stored = self.store.meta("dim")
        return int(stored) if stored else self.encoder.dim

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self.encoder.encode(list(texts), batch_size=self.config.embedder.batch_size,
                                   show_progress=show_progress)

    def _ensure_model_recorded(self) -> None:
        if self.store.meta("model") is None:
            with self.store.transaction():
                self.store.set_meta("model", self.model_name)
                self.store.set_meta("dim", str(self.encoder.dim))
                self.store.set_meta("config", json.dumps(self.config.to_dict(), ensure_ascii=False))

    def stored_vectors(self, keys: Sequence[str], inputs: Callable[[list[str]], list[str]], *,
                       show_progress: bool = False) -> np.ndarray:
        """The vectors of these embedding keys from the store; the keys it lacks for this model are
        encoded from `inputs(missing keys)`, stored, and returned with the rest (one row per key)."""
        found = self.store.embeddings(self.model_name, keys)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            encoded = self.encode(inputs(missing), show_progress=show_progress)
            new = dict(zip(missing, encoded, strict=True))
            with self.store.transaction():
                self.store.put_embeddings(self.model_name, new)
            found.update(new)
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def _vectors_for(self, records: list[ChunkRecord]) -> np.ndarray:
        """Stored vectors for these chunks; encodes (and stores) any the store lacks for this model."""
        by_key = {r.embed_key: r for r in records}
        return self.stored_vectors([r.embed_key for r in records],
                                   lambda missing: self._embedding_inputs([by_key[k] for k in missing]),
                                   show_progress=self.show_progress)

    def _embedding_inputs(self, records: list[ChunkRecord]) -> list[str]:
        titles = self.store.titles({r.doc_id for r in records})
        return [embedding_input(titles.get(r.doc_id, ""), r.section, r.text) for r in records]

    # ---- indexes ----------------------------------------------------------------------------------
    @property
    def indexes(self) -> Indexes:
        """The search indexes, loaded on first use and brought up to date with the store."""
        if self._indexes is None:
            self._indexes = Indexes(self.data_dir / "index", self.model_name, self.dim, self.config.bm25)
            self._indexes.load_or_sync(self.store, self._vectors_for)
        elif self._indexes.generation != self.store.generation:
            # Another process (CLI or a second UI) changed the store: apply its changes.
            self._indexes.sync(self.store, self._vectors_for)
            self._indexes.generation = self.store.generation
        return self._indexes

    def _index_changed(self, removed: np.ndarray, added: np.ndarray, vectors: np.ndarray,
                       search_texts: list[str]) -> None:
        indexes = self.indexes
        indexes.remove(removed)
        indexes.add(added, vectors, search_texts)

    def _save_indexes(self) -> None:
        if self._indexes is not None or self.store.count_chunks():
            self.indexes.save(self.store.generation)

    # ---- ingest -----------------------------------------------------------------------------------
    @_locked
    def ingest(
        self,
        paths: Sequence[str | Path],
        *,
        kind: str | None = None,
        tags: Sequence[str] = (),
        options: ReadOptions = ReadOptions(),
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Read files and folders into the knowledge base; unchanged files cost nothing."""
        if kind is not None and kind not in KINDS:
            raise InvalidInput(f"文档类型 {kind} 无效，可选：theory（理论文章）或 minutes（会议纪要）")
        return Ingestor(self, kind, tags, options, progress).run(paths)

    # ---- search -----------------------------------------------------------------------------------
    @_locked
    def search(
        self,
        query: str,
        *,
        k: int = 10,
        filters: Filters = Filters(),
        per_doc: bool = False,
        retriever: str = "hybrid",
        vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The k best passages (or documents, with per_doc) for a topic; [] for an empty query.

        `vector` is the query's embedding when the caller encoded many queries in one batch.
        """
        if k < 1:
            raise InvalidInput("结果数量 k 必须是正整数")
        if not query.strip() or self.store.meta("dim") is None:  # nothing was ever imported
            return []
        indexes = self.indexes  # brought up to date with the store, so its size is the store's
        if len(indexes) == 0:
            return []
        allowed = None if filters.is_empty() else self.store.chunk_ids(filters)
        if allowed is not None and len(allowed) == 0:
            return []
        ranked = rank_chunks(self, query, k * 5 if per_doc else k, allowed, retriever, vector)
        if per_doc:
            ranked = best_per_document(ranked, self.store.chunk_documents([cid for cid, _ in ranked]))
        ranked = ranked[:k]  # fusion returns every candidate; only the top k are read in full
        chunks = self.store.chunks([cid for cid, _ in ranked])
        docs = {d: rec for d in {chunks[c].doc_id for c, _ in ranked if c in chunks}
                if (rec := self.store.document(d))}
        terms = indexes.keyword.query_terms(normalise_query(query))
        return make_hits(ranked, chunks, docs, terms, self.config.search.snippet_chars)

    # ---- documents --------------------------------------------------------------------------------
    def documents(self, filters: Filters = Filters(), order: str = "date") -> list[DocumentRecord]:
        with self._lock:
            return self.store.documents(filters, order)

    @_locked
    def document(self, ref: str) -> DocumentRecord:
        """A document by id (or id prefix), title or file name; NotFound or ambiguity is an error."""
        found = self.store.find_documents(ref.strip())
        if not found:
            raise NotFound(f"找不到文档 {ref}：用 kb list 查看文档编号")
        if len(found) > 1:
            names = "；".join(f"{d.id} {d.title}" for d in found[:5])
            raise InvalidInput(f"{ref} 对应多篇文档（{names}），请给出更长的文档编号")
        return found[0]

    @_locked
    def chunks(self, doc_id: str) -> list[ChunkRecord]:
        return self.store.chunks_of(doc_id)

    @_locked
    def text(self, doc_id: str) -> str:
        return self.store.document_text(doc_id)

    @_locked
    def delete(self, ref: str) -> DocumentRecord:
        """Remove a document from the database, the keyword index and FAISS."""
        doc = self.document(ref)
        with self.store.transaction():
            removed = self.store.delete_document(doc.id)
        self._index_changed(np.array(removed, dtype=np.int64), np.zeros(0, np.int64),
                            np.zeros((0, self.dim), np.float32), [])
        self._save_indexes()
        return doc

    # ---- maintenance ------------------------------------------------------------------------------
    @_locked
    def reindex(self, model: str | None = None, encoder: Encoder | None = None) -> dict:
        """Re-chunk every document with the current settings and rebuild both indexes.

        With a new model (name or encoder), every chunk is embedded again and the knowledge base
        switches to it; vectors already computed for a model are reused.
        """
        new_name = encoder.name if encoder else model
        if new_name and new_name != self.model_name:
            new_encoder = encoder or load_encoder(new_name)
            self._encoder, self.model_name = new_encoder, new_name
            with self.store.transaction():
                self.store.set_meta("model", new_name)
                self.store.set_meta("dim", str(new_encoder.dim))
        else:
            self._ensure_model_recorded()
        rechunked = self._rechunk_all()
        with self.store.transaction():
            self.store.set_meta("config", json.dumps(self.config.to_dict(), ensure_ascii=False))
        self._indexes = Indexes(self.data_dir / "index", self.model_name, self.dim, self.config.bm25)
        self._indexes.rebuild(self.store, self._vectors_for)
        with self.store.transaction():
            dropped = self.store.drop_unused_embeddings(self.model_name)
        return {"model": self.model_name, "documents": self.store.count_documents(),
                "chunks": self.store.count_chunks(), "rechunked": rechunked, "dropped_vectors": dropped}

    def _rechunk_all(self) -> int:
        """Chunk stored texts again with the current chunker settings; returns documents changed."""
        changed = 0
        for record in self.store.documents():
            doc = self._stored_document(record)
            chunks = chunk_document(doc, self.config.chunker)
            old = self.store.chunks_of(record.id)
            if [(c.start, c.end) for c in chunks] == [(c.start, c.end) for c in old]:
                continue
            inputs = [embedding_input(doc.title, c.section, c.text) for c in chunks]
            with self.store.transaction():
                self.store.replace_chunks(
                    record.id, chunks, [keyword_input(doc.title, c.section, c.text) for c in chunks],
                    [embed_key(t) for t in inputs],
                )
            changed += 1
        return changed

    def _stored_document(self, record: DocumentRecord) -> Document:
        """Rebuild the ingest Document of a stored record (for re-chunking)."""
        row = self.store.db.execute("SELECT text, pages, headings FROM documents WHERE id = ?",
                                    (record.id,)).fetchone()
        return Document(
            path=record.path, title=record.title, text=row["text"], kind=record.kind, date=record.date,
            content_hash=record.content_hash, format=record.format,
            pages=tuple(Page(*p) for p in json.loads(row["pages"])),
            headings=tuple(Heading(*h) for h in json.loads(row["headings"])),
            minutes=record.minutes, metadata=record.metadata, warnings=record.warnings,
        )

    @_locked
    def stats(self) -> dict:
        """Counts, model and index facts for the status page and `kb stats`."""
        docs = self.store.documents()
        index_dir = self.data_dir / "index"
        index_bytes = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) if index_dir.exists() else 0
        db_bytes = sum(f.stat().st_size for f in self.data_dir.glob(DB_NAME + "*"))
        return {
            "data_dir": str(self.data_dir),
            "format_version": self.store.format_version,
            "documents": len(docs),
            "theory": sum(d.kind == "theory" for d in docs),
            "minutes": sum(d.kind == "minutes" for d in docs),
            "chunks": self.store.count_chunks(),
            "characters": sum(d.char_count for d in docs),
            "model": self.model_name,
            "dim": int(self.store.meta("dim") or 0) or None,
            "index_bytes": index_bytes,
            "database_bytes": db_bytes,
            "tags": dict(self.store.all_tags()),
            "last_ingest": self.store.last_ingest(),
        }


def open_kb(data_dir: str | Path | None = None, **kwargs) -> KnowledgeBase:
    """Open (creating if needed) the knowledge base in `data_dir`."""
    try:
        return KnowledgeBase(data_dir, **kwargs)
    except KBError:
        raise
    except OSError as e:
        raise KBError(f"无法打开数据目录 {data_dir}：{e.strerror}。请检查路径和权限") from e
