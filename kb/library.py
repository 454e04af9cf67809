"""The knowledge base facade: the one object the CLI and the UI talk to, and the composition root.

    kb = open_kb(data_dir)            # store + indexes + embeddings + guard + services
    kb = open_kb("postgresql://…")    # the same on a database server; indexes in a folder on this machine
    kb.ingest / kb.search / kb.documents / kb.delete / kb.reindex / kb.stats …
    kb.lists / kb.plans / kb.archive  # the services it owns, under the same guard
    kb.roster / kb.outputs / kb.assessment  # the study record: members, sign-ins, 补学, outputs, 考核
    kb.accounts / kb.audit / kb.roots # accounts and logins, the audit log, the import roots
    kb.sync                           # folders kept in step (kb sync), their gone files
    kb.acting_as(actor)               # a view of the same knowledge base acting for someone else
    kb.can(action)                    # whether this view's actor may (the UI hides what it may not)

Every change goes through the guard (kb.access): the facade's and the services' mutating methods are
declared with @mutation, which checks the actor's role and writes the audit row. Reads take no lock:
the store gives each thread its own connection and the indexes guard themselves. Imports the UI and
the CLI ask for run in one import worker per knowledge base (kb.imports: `submit_ingest`,
`submit_upload`, `import_jobs`), outside the search path: each document is searchable by keywords
when it is committed, and its passages' vectors follow (kb.backfill).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ingest.chunker import chunk_document
from ingest.gongwen import recognise
from ingest.pipeline import SUPPORTED_SUFFIXES, ReadOptions
from ingest.twins import SCHEME, TwinIndex, TwinSignature
from ingest.twins import signature as twin_signature
from ingest.types import KINDS, THEORY
from kb import maintenance
from kb.access import ACTIONS, GUEST, LOCAL_ADMIN, OUTCOME_LABELS, ROLE_LABELS, ROLES, Actor, Guard, audited, mutation
from kb.accounts import Accounts
from kb.archive import Archive
from kb.assessment import Assessment
from kb.audit import Audit
from kb.backfill import backfill, pending
from kb.calibration import calibration
from kb.clock import now as clock_now
from kb.config import KBConfig, settings_mismatch
from kb.embedding import Embeddings, load_encoder
from kb.errors import InvalidInput, KBError, ModelMismatch, NotFound, SettingsMismatch
from kb.following import ChangeFollower
from kb.imports import STOPPED, ImportQueue
from kb.indexes import Indexes
from kb.ingesting import Ingestor
from kb.lists import ReadingLists
from kb.lookup import resolve_document
from kb.metatexts import METADATA_KEY, down_weight, enumerates, fields_named
from kb.models import model_name, model_note
from kb.outputs import Outputs
from kb.plans import Plans
from kb.priority import Foreground
from kb.reading import child_reader
from kb.records import (
    FUSION_METHODS,
    RETRIEVERS,
    AuditEntry,
    CheckReport,
    ChunkRecord,
    DocumentRecord,
    Facets,
    Filters,
    Hit,
    ImportJob,
    IngestReport,
    PageSpan,
    Progress,
    ProgressFn,
    Version,
    check_date,
)
from kb.representation import embed_key, embedding_input, keyword_input
from kb.roots import ImportRoots
from kb.roster import Roster
from kb.search import cap_per_document, make_hits, prepare, rank, rank_documents, weak_matches
from kb.store import Store, is_database_url, open_store
from kb.store.cache import EmbeddingCache, default_cache_path
from kb.store.copy import copy_store
from kb.sync import FolderSync, Schedule, describe_interval, parse_interval
from kb.uploads import UPLOADS, safe_name, save
from kb.versions import one_per_work, works

if TYPE_CHECKING:
    from index.embedder import Encoder

__all__ = [
    "ACTIONS", "ENV_DATA", "ENV_LOCAL", "FUSION_METHODS", "GUEST", "LOCAL_ADMIN", "OUTCOME_LABELS", "RETRIEVERS",
    "ROLES", "ROLE_LABELS", "SUPPORTED_SUFFIXES", "Actor", "KnowledgeBase", "ReadOptions", "default_cache_path",
    "default_data_dir", "describe_interval", "describe_location", "is_database_url", "load_encoder", "migrate",
    "open_kb", "parse_interval",
]

ENV_DATA = "KB_DATA"  # the data folder, or a database server's postgresql://… URL
ENV_LOCAL = "KB_LOCAL"  # for a knowledge base on a server: the folder on this machine for its indexes and uploads
Location = str | Path
ALLOW_CLASSIFIED = "allow_classified"  # meta key: "1" when an administrator allows classified documents

# Hostile or mistaken input is refused before it costs anything: a search topic is a phrase or a
# paragraph (tokenising and encoding 100,000 characters took seconds), an upload a folder's worth.
MAX_QUERY_CHARS = 1000
MAX_UPLOAD_FILES = 200


def _user_data() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def default_data_dir() -> Location:
    """KB_DATA if set (a folder, or a postgresql://… URL kept as it is), else ~/.local/share/kb."""
    value = os.environ.get(ENV_DATA)
    if value:
        return value if is_database_url(value) else Path(value).expanduser()
    return _user_data() / "kb"


def describe_location(location: Location) -> str:
    """A data folder or database URL as a person may see it: a URL loses its password."""
    text = str(location)
    if not is_database_url(text):
        return text
    text = re.sub(r"^([a-z]+://[^:/@]*):[^@/]*@", r"\1@", text)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", text)


def _location(data_dir: Location | None) -> Location:
    """A database URL stays a string (a Path would fold its "//"); anything else is a folder."""
    if data_dir is None:
        return default_data_dir()
    return str(data_dir) if is_database_url(data_dir) else Path(data_dir)


def server_local_dir(description: str, identity: str) -> Path:
    """Where a knowledge base on a database server keeps, on this machine, what each app server has
    of its own: the derived indexes (index/, rebuilt from the database when missing) and the files
    uploaded through this server (uploads/). Named after the database (without any password) and a
    digest of its identity (the knowledge base's instance id and the database's own ids), so a
    database restored from a dump, or created again under the same name, starts afresh instead of
    trusting indexes saved for another."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", description.split("://", 1)[-1]).strip("_")[:80]
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return _user_data() / "kb-servers" / f"{readable}-{digest}"


F = TypeVar("F", bound=Callable[..., Any])


def _in_foreground(method: F) -> F:
    """A read that people wait for: while it runs, this process's import gives way (kb.priority)."""

    @wraps(method)
    def run(self: KnowledgeBase, *args: Any, **kwargs: Any) -> Any:
        with self._shared.foreground.search():
            return method(self, *args, **kwargs)

    return run  # type: ignore[return-value]


@dataclass
class _Shared:
    """What every view of one knowledge base shares (see KnowledgeBase.acting_as)."""

    data_dir: Path
    config: KBConfig
    store: Store
    embeddings: Embeddings
    indexes: Indexes
    write_lock: threading.RLock
    cache: EmbeddingCache | None
    on_server: bool  # the store is a database server's (the data folder is only this machine's part)
    imports: ImportQueue
    vectors_lock: threading.Lock  # one backfill at a time in this process (the import worker's or a caller's)
    foreground: Foreground  # searches running here: imports give way to them between steps
    follower: ChangeFollower | None = None
    schedule: Schedule | None = None  # the synced folders' schedule, in an app server
    # Facts a search ranks by that reading every candidate document would cost ~30 ms at 100k chunks
    # (kb bench): whether a document only enumerates the preset topics (fixed at import, so kept per
    # document id) and the works of linked versions (kept until the store's generation moves).
    enumerating: dict[str, bool] = field(default_factory=dict)
    works_at: tuple[int, dict[str, frozenset[str]]] | None = None


class KnowledgeBase:
    """Documents, chunks and embeddings in the store; FAISS and BM25 indexes derived from them."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        config: KBConfig | None = None,
        model: str | None = None,
        encoder: Encoder | None = None,
        show_progress: bool = False,
        embedding_cache: str | Path | None = None,
        check_settings: bool = True,
        actor: Actor = LOCAL_ADMIN,
        local_dir: str | Path | None = None,
    ):
        """Open (creating if needed) the knowledge base in `data_dir`: a folder, or a postgresql://… URL.

        `embedding_cache` is the file of a vector cache shared with other knowledge bases (eval,
        bench). `check_settings=False` opens one built with other chunker/BM25 settings, for
        `kb reindex` to rebuild it with the current ones. `local_dir`, for a knowledge base on a
        database server, is this machine's folder for its indexes and uploads (default:
        server_local_dir).
        """
        location = _location(data_dir)
        store = open_store(location)
        config = config or KBConfig()
        try:
            # Where the derived indexes (and uploads) live: the data folder itself, or for a database
            # server a folder on this machine; each app server keeps and catches up its own.
            if is_database_url(location):
                data_dir = Path(local_dir) if local_dir else server_local_dir(
                    store.describe(), f"{store.meta.instance()} {store.backend.identity()}")
            else:
                data_dir = Path(location)
            stored_model, _ = store.meta.model()
            requested = encoder.name if encoder else model
            if requested and stored_model and requested != stored_model:
                raise ModelMismatch(
                    f"该知识库由模型 {stored_model} 构建，不能混用模型 {requested}：改用 {stored_model}，"
                    f"或运行 kb reindex --model {requested} 用新模型重建索引"
                )
            differences = settings_mismatch(store.meta.settings(), config)
            if differences and check_settings:
                raise SettingsMismatch(
                    f"该知识库按另一套切分或关键词索引设置构建（{'；'.join(differences)}），不能与当前设置混用："
                    "请运行 kb reindex 按当前设置重新切分并重建索引"
                )
            cache = EmbeddingCache(Path(embedding_cache)) if embedding_cache else None
        except BaseException:
            store.close()
            raise
        model_name = requested or stored_model or config.embedder.model
        embeddings = Embeddings(store, model_name, encoder=encoder, batch_size=config.embedder.batch_size,
                                cache=cache, show_progress=show_progress)
        indexes = Indexes(data_dir / "index", model_name, store.meta.model()[1], config.bm25)
        foreground = Foreground()
        indexes.pause = foreground.give_way_briefly  # an import's tokenizing gives way to searches
        self._bind(_Shared(data_dir, config, store, embeddings, indexes, threading.RLock(), cache,
                           is_database_url(location), ImportQueue(), threading.Lock(), foreground), actor)
        self._owner = True

    def _bind(self, shared: _Shared, actor: Actor) -> None:
        self._shared = shared
        self.guard = Guard(actor, shared.write_lock, audit=self._audit_row)
        self.lists = ReadingLists(shared.store, self.guard, self.search, self.draft_share)
        self.archive = Archive(shared.store, self.guard, self.search, self.embed)
        self.plans = Plans(shared.store, self.guard, self.lists, self.archive)
        self.roster = Roster(shared.store, self.guard, self.archive.sessions, self.archive.session)
        self.outputs = Outputs(shared.store, self.guard, self.roster.member, self.archive.session,
                               self.archive.sessions)
        self.assessment = Assessment(shared.store, self.guard, self.roster, self.outputs, self.archive.sessions,
                                     self.archive.session, self.archive.theme_similarity, self.archive.coverage)
        self.accounts = Accounts(shared.store, self.guard)
        self.audit = Audit(shared.store, self.guard)
        self.roots = ImportRoots(shared.store, self.guard)
        self.sync = FolderSync(shared.store, self.guard, ingest=lambda folder, progress: self.ingest(
            [folder], progress=progress), delete=self._delete_document, check=self._check_folder)

    def _check_folder(self, folder: Path) -> None:
        """Anyone but the local administrator may have the server read only folders inside the import roots."""
        if not self.actor.local:
            self.roots.confine([folder])

    def _audit_row(self, entry: AuditEntry) -> None:
        self._shared.store.audit.append(entry)

    def acting_as(self, actor: Actor) -> KnowledgeBase:
        """This knowledge base acting for `actor`: the same store, indexes, model and write lock;
        its own guard and services. Closing a view closes nothing."""
        view = object.__new__(KnowledgeBase)
        view._bind(self._shared, actor)
        view._owner = False
        return view

    # ---- lifecycle --------------------------------------------------------------------------------
    def close(self) -> None:
        if self._owner:
            if self._shared.schedule is not None:
                self._shared.schedule.stop()
                self._shared.schedule = None
            self._shared.imports.close()
            if self._shared.follower is not None:
                self._shared.follower.stop()
                self._shared.follower = None
            self._shared.store.close()
            if self._shared.cache is not None:
                self._shared.cache.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- parts --------------------------------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        return self.guard.actor

    def can(self, action: str) -> bool:
        """Whether this view's actor may perform `action` (kb.access.ACTIONS); the library checks again."""
        return self.guard.allows(action)

    @property
    def data_dir(self) -> Path:
        """The data folder; for a knowledge base on a database server, this machine's folder of it
        (its indexes and the files uploaded here)."""
        return self._shared.data_dir

    @property
    def on_server(self) -> bool:
        """Whether the knowledge base lives on a database server (shared by several app servers)."""
        return self._shared.on_server

    @property
    def location(self) -> str:
        """Where the knowledge base is, to show a person: the data folder, or the database (never a password)."""
        return self.store.describe() if self.on_server else str(self.data_dir)

    @property
    def config(self) -> KBConfig:
        return self._shared.config

    @config.setter
    def config(self, config: KBConfig) -> None:
        self._shared.config = config

    @property
    def store(self) -> Store:
        """The records (for the services, tests and benchmarks; the UI and CLI use the methods below)."""
        return self._shared.store

    @property
    def indexes(self) -> Indexes:
        """The search indexes as they are now; reading this never syncs them (see refresh_indexes)."""
        return self._shared.indexes

    @property
    def embeddings(self) -> Embeddings:
        return self._shared.embeddings

    # ---- the model ----------------------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        return self.embeddings.model_name

    @property
    def encoder(self) -> Encoder:
        """The model, loaded on first use."""
        return self.embeddings.encoder

    @property
    def dim(self) -> int:
        return self.embeddings.dim

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Embed texts with the model (nothing looked up or kept)."""
        return self.embeddings.encode(texts, show_progress=show_progress)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of short texts, looked up first and kept in the store like chunk vectors."""
        return self.embeddings.of_texts(texts)

    def encode_query(self, texts: Sequence[str], cached: bool = False) -> np.ndarray:
        """Vectors of search queries: e5 encodes them with its "query: " prompt. Nothing is looked up or
        kept unless `cached` (`kb eval`: the shared cache keeps a set's queries between runs)."""
        return self.embeddings.encode_query(texts, cached)

    # ---- indexes ------------------------------------------------------------------------------------
    def refresh_indexes(self) -> None:
        """Bring the indexes up to date with the store (loading them on first use): changes made by
        another process become searchable here. Cheap when nothing changed."""
        self.indexes.refresh(self.store, self.embeddings.stored_of_chunks)

    def follow_changes(self, notices: bool = True, interval: float | None = None) -> ChangeFollower:
        """Keep the indexes caught up in a background thread (an app server calls this once): they are
        loaded now, and another process's change is caught up as soon as its notice arrives (PostgreSQL),
        or within `interval` seconds by polling (`notices=False`, or SQLite). Stopped by close()."""
        shared = self._shared
        if shared.follower is None:
            feed = shared.store.listen if notices else (lambda: None)
            shared.follower = ChangeFollower(self.refresh_indexes, feed, interval).start()
        return shared.follower

    # ---- ingest -------------------------------------------------------------------------------------
    @mutation("document.import", target="paths")
    def ingest(
        self,
        paths: Sequence[str | Path],
        *,
        kind: str | None = None,
        tags: Sequence[str] = (),
        options: ReadOptions = ReadOptions(),
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Read files and folders into the knowledge base; unchanged files cost nothing.

        The local administrator (the CLI, the UI in 本机模式) may name any path; anyone else only paths
        inside the import roots (kb.roots), links pointing out of them left out."""
        outside = 0
        if not self.actor.local:
            paths, outside = self.roots.confine(paths)
        report = self._ingest(paths, kind=kind, tags=tags, options=options, progress=progress)
        if outside:
            report.warnings.append(f"跳过 {outside} 个指向导入目录以外的链接文件")
        return report

    @mutation("document.upload", target=lambda call: [name for name, _ in call["files"]])
    def upload(
        self,
        files: Sequence[tuple[str, bytes]],
        *,
        kind: str | None = None,
        tags: Sequence[str] = (),
        options: ReadOptions = ReadOptions(),
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Import files uploaded through the web UI, as (file name, content): they are kept in
        <data>/uploads (a file of the same name replaced, so a corrected upload updates its document)."""
        _check_upload(files)
        folder = self.data_dir / UPLOADS
        # The files an upload replaces, put back if the new one is refused as classified: refusing it
        # must not lose the stored document's file.
        replaced = {name: (folder / name).read_bytes() for name in {safe_name(n) for n, _ in files}
                    if (folder / name).is_file()}
        paths = save(folder, files)
        report = self._ingest(paths, kind=kind, tags=tags, options=options, progress=progress)
        for refused in map(Path, report.refused):  # a classified file is not kept on the server either
            if refused.name in replaced:
                refused.write_bytes(replaced[refused.name])
            else:
                refused.unlink(missing_ok=True)
        return report

    def _ingest(self, paths: Sequence[str | Path], *, kind: str | None, tags: Sequence[str],
                options: ReadOptions, progress: ProgressFn | None) -> IngestReport:
        """The import itself, for ingest and upload once each has checked what it may read."""
        if kind is not None and kind not in KINDS:
            raise InvalidInput(
                f"文档类型 {kind} 无效，可选：theory（理论文章）、minutes（会议纪要）或 output（学习成果）")
        self.refresh_indexes()
        ingestor = Ingestor(self.store, self.indexes, self.embeddings, self.config, kind=kind, tags=tags,
                            options=options, progress=self._giving_way(progress),
                            allow_classified=self.classified_allowed(), read=child_reader().prepare)
        report = ingestor.run(paths)
        report.encoded += self._complete_vectors(progress)
        counts = report.summary()
        self.guard.note("，".join(f"{label} {counts.get(key, 0)}" for key, label in (
            ("added", "新增"), ("updated", "更新"), ("unchanged", "未变化"), ("duplicates", "重复"),
            ("skipped", "跳过"))) + (f"（其中涉密文件 {len(report.refused)} 个未导入）" if report.refused else ""))
        return report

    # ---- classified documents -------------------------------------------------------------------
    def classified_allowed(self) -> bool:
        """Whether documents marked 绝密/机密/秘密 may be imported (off unless an administrator allowed it)."""
        return self.store.meta.get(ALLOW_CLASSIFIED) == "1"

    @mutation("settings.classified", target=lambda call: "允许" if call["allowed"] else "不允许")
    def allow_classified(self, allowed: bool) -> None:
        """Allow (or again refuse) documents with a classification mark: only for a deployment on a
        network approved for classified material."""
        with self.store.transaction():
            self.store.meta.set(ALLOW_CLASSIFIED, "1" if allowed else "0")

    # ---- vectors after the import -------------------------------------------------------------------
    @mutation("document.vectors")
    def complete_vectors(self, progress: ProgressFn | None = None) -> int:
        """Encode the passages still without a vector (committed by an import that ended before its
        vectors were done, here or in another process); returns how many. Imports do it themselves."""
        return self._complete_vectors(progress)

    def _complete_vectors(self, progress: ProgressFn | None = None) -> int:
        with self._shared.vectors_lock:
            return backfill(self.store, self.indexes, self.embeddings, progress=progress,
                            pause=self._shared.foreground.give_way, should_stop=lambda: self._shared.imports.stopping)

    def _giving_way(self, progress: ProgressFn | None) -> ProgressFn:
        """An import's progress callback that first lets running searches finish before each file."""
        def report(step: Progress) -> None:
            if step.stage == "read":
                if self._shared.imports.stopping:  # the knowledge base is closing (Ctrl-C, a server stopping)
                    raise KBError(STOPPED)
                self._shared.foreground.give_way()
            if progress:
                progress(step)
        return report

    def vectors_pending(self) -> int:
        """How many passages are searchable by keywords only, their vectors not yet computed."""
        return pending(self.store, self.embeddings)

    # ---- the import worker --------------------------------------------------------------------------
    def submit_ingest(self, paths: Sequence[str | Path], *, kind: str | None = None, tags: Sequence[str] = (),
                      options: ReadOptions = ReadOptions()) -> ImportJob:
        """Hand a folder import to the import worker and return at once (see ingest; import_jobs
        shows how it goes). A person who may not import is refused now, not when the job runs."""
        paths = list(paths)
        self._refuse_early("document.import", [str(p) for p in paths])
        if not self.actor.local:
            self.roots.confine(paths)  # a path outside the import roots is refused now, as ingest would
        label = f"导入 {Path(paths[0]).name or paths[0]}" + (f" 等 {len(paths)} 项" if len(paths) > 1 else "")
        return self._shared.imports.submit(self.actor.name, label, lambda progress: self.ingest(
            paths, kind=kind, tags=tags, options=options, progress=progress))

    def submit_upload(self, files: Sequence[tuple[str, bytes]], *, kind: str | None = None,
                      tags: Sequence[str] = (), options: ReadOptions = ReadOptions()) -> ImportJob:
        """Hand uploaded files to the import worker and return at once (see upload)."""
        files = list(files)
        self._refuse_early("document.upload", [name for name, _ in files])
        _check_upload(files)
        return self._shared.imports.submit(self.actor.name, f"上传 {len(files)} 个文件", lambda progress: self.upload(
            files, kind=kind, tags=tags, options=options, progress=progress))

    def submit_sync(self, folder: str | Path) -> ImportJob:
        """Hand one run of a synced folder to the import worker (see kb.sync.run), like an import."""
        self._refuse_early("sync.folder", str(folder))
        synced = next((f for f in self.sync.folders() if f.path == str(folder)), None)
        if synced is None:
            raise NotFound(f"{folder} 不是同步文件夹：请先添加")
        return self._shared.imports.submit(self.actor.name, f"同步 {Path(synced.path).name or synced.path}",
                                           lambda progress: self.sync.run(synced.path, progress).report)

    def follow_sync_schedule(self, interval: float = 60.0, start: bool = True) -> Schedule:
        """Run the synced folders on their schedules (an app server calls this once): every `interval`
        seconds, each folder whose time has come is handed to the import worker as this view's actor.
        Stopped by close(); `start=False` gives the schedule without its thread (tests call tick())."""
        shared = self._shared
        if shared.schedule is None:
            shared.schedule = Schedule(self.sync.due, self.submit_sync,
                                       lambda job: self.import_job(job.id).active, interval)
            if start:
                shared.schedule.start()
        return shared.schedule

    def submit_vectors(self) -> ImportJob | None:
        """Queue the vectors an earlier import left undone (the UI does on start); None if none are."""
        if not self.can("document.vectors") or self.vectors_pending() == 0:
            return None
        return self._shared.imports.submit(self.actor.name, "补算语义向量", self._vectors_job)

    def _vectors_job(self, progress: ProgressFn) -> IngestReport:
        report = IngestReport()
        report.encoded = self.complete_vectors(progress)
        return report

    def import_jobs(self, everyone: bool = False) -> list[ImportJob]:
        """The imports this person asked for, newest first (with `everyone`, an administrator sees all)."""
        owner = None if everyone and self.can("document.import") else self.actor.name
        return self._shared.imports.jobs(owner)

    def import_job(self, job_id: int, wait: float | None = 0) -> ImportJob:
        """One of this person's imports, once it has finished or after `wait` seconds (None: until done)."""
        job = self._shared.imports.wait(job_id, wait) if wait != 0 else self._shared.imports.job(job_id)
        if job.owner != self.actor.name and not self.can("document.import"):
            raise NotFound("找不到这项导入任务")
        return job

    def _refuse_early(self, action: str, target: object) -> None:
        """Refuse (and audit) an action this actor may not take, before anything is queued."""
        if not self.can(action):
            with self.guard.mutation(action, target):
                pass  # pragma: no cover - the guard raises PermissionDenied first

    # ---- search -------------------------------------------------------------------------------------
    @_in_foreground
    def search(
        self,
        query: str,
        *,
        k: int = 10,
        filters: Filters = Filters(),
        per_doc: bool = False,
        retriever: str = "hybrid",
        vector: np.ndarray | None = None,
        passages_per_doc: int | None = None,
    ) -> list[Hit]:
        """The k best passages (or documents, with per_doc) for a topic; [] for an empty query.

        `vector` is the query's embedding when the caller encoded many queries in one batch;
        `passages_per_doc` caps one document's passages (None: the configured cap, 0: no cap).
        Hits whose meaning is far from the query are flagged `weak` (see weak_line).
        """
        if k < 1:
            raise InvalidInput("结果数量 k 必须是正整数")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidInput(f"检索主题太长（{len(query)} 字）：请缩短到 {MAX_QUERY_CHARS} 字以内，只写要查找的主题")
        if not query.strip() or self.store.meta.model()[1] is None:  # nothing was ever imported
            return []
        self.refresh_indexes()
        indexes = self.indexes
        if len(indexes) == 0:
            return []
        allowed = None if filters.is_empty() else self.store.chunks.ids(filters)
        if allowed is not None and len(allowed) == 0:
            return []
        prepared = prepare(query, indexes.keyword.tokenize_query, lambda text: self.encode_query([text])[0],
                           retriever, vector)
        cap = 1 if per_doc else (self.config.search.passages_per_doc if passages_per_doc is None
                                 else max(0, passages_per_doc))
        ranked = rank(indexes, prepared, k * 5, allowed, retriever, self.config.search)
        work_of = self._works()
        doc_of = self.store.chunks.documents_of([cid for cid, _ in ranked])
        if retriever == "hybrid" and self.config.search.fusion == "zscore":  # the penalty is in z-score units
            ranked = down_weight(ranked, doc_of, self._enumerating(set(doc_of.values())), self.listing_penalty())
        if cap or work_of:
            if work_of:  # one hit per work: its other versions are named, not listed again
                ranked = one_per_work(ranked, doc_of, work_of)
            if per_doc:  # documents by their best passage and a damped share of the next (docs/relevance.md)
                ranked = rank_documents(ranked, doc_of, self.config.search.document_damping)
            elif cap:
                ranked = cap_per_document(ranked, doc_of, cap)
        ranked = ranked[:k]  # fusion returns every candidate; only the top k are read in full
        chunks = self.store.chunks.get([cid for cid, _ in ranked])
        docs = self.store.documents.many([chunks[c].doc_id for c, _ in ranked if c in chunks])
        terms = indexes.keyword.known_terms(prepared.terms)
        weak = weak_matches(indexes, prepared, [cid for cid, _ in ranked], self.weak_line())
        hits = make_hits(ranked, chunks, docs, terms, self.config.search.snippet_chars, weak)
        return [replace(h, versions=tuple(sorted(work_of[h.doc_id] - {h.doc_id}))) if h.doc_id in work_of else h
                for h in hits]

    def _enumerating(self, doc_ids: set[str]) -> set[str]:
        """Which of these documents are theory texts that only enumerate the preset topics (minutes that
        name them all record a session that discussed them all); read from the store only for documents
        no search has seen yet (a document's text, and so this, is fixed at import)."""
        known = self._shared.enumerating
        unseen = sorted(doc_ids - known.keys())
        if unseen:
            found = self.store.documents.many(unseen)
            known.update({doc_id: doc_id in found and found[doc_id].kind == THEORY
                          and enumerates(found[doc_id].metadata) for doc_id in unseen})
        return {doc_id for doc_id in doc_ids if known[doc_id]}

    def _works(self) -> dict[str, frozenset[str]]:
        """The works of linked versions, read again only when the store's generation has moved."""
        generation = self.store.generation()
        cached = self._shared.works_at
        if cached is None or cached[0] != generation:
            cached = (generation, works(self.store.twins.links()))
            self._shared.works_at = cached
        return cached[1]

    def weak_line(self) -> float | None:
        """The cosine under which a passage matches a query only weakly (configured, else measured
        for the model that encodes the vectors; None: not measured, no passage is judged weak)."""
        configured = self.config.search.weak_cosine
        return configured if configured is not None else calibration(self.encoder.name).weak_cosine

    def listing_penalty(self) -> float | None:
        """What a theory text that lists the preset problem fields loses in hybrid search (configured,
        else measured for the model; None: kb.metatexts' default)."""
        configured = self.config.search.listing_penalty
        return configured if configured is not None else calibration(self.encoder.name).listing_penalty

    def draft_share(self) -> float:
        """Drafting keeps documents scoring at least this share of the best one (measured per model)."""
        return calibration(self.encoder.name).draft_share

    # ---- documents ----------------------------------------------------------------------------------
    def documents(self, filters: Filters = Filters(), order: str = "date") -> list[DocumentRecord]:
        return self.store.documents.matching(filters, order)

    def document(self, ref: str) -> DocumentRecord:
        """A document by id (or id prefix), title or file name; NotFound or ambiguity is an error."""
        return resolve_document(self.store, ref)

    def chunks(self, doc_id: str) -> list[ChunkRecord]:
        return self.store.chunks.of(doc_id)

    def text(self, doc_id: str) -> str:
        return self.store.documents.text(doc_id)

    def pages(self, doc_id: str) -> list[PageSpan]:
        """Where each page of a document lies in its text ([] for unpaged formats)."""
        return self.store.documents.pages(doc_id)

    def facets(self, filters: Filters = Filters()) -> Facets:
        """Issuers, 文种 and years of the documents the filters keep, with how many each (for the facets)."""
        return self.store.documents.facets(filters)

    def versions(self, doc_id: str) -> list[Version]:
        """The other stored versions of a document's work (near-duplicates linked at import), by date."""
        links = self.store.twins.links()
        others = self._works().get(doc_id, frozenset()) - {doc_id}
        direct = {b if a == doc_id else a: s for a, b, s in links if doc_id in (a, b)}
        docs = self.store.documents.many(sorted(others))
        return [Version(d, direct.get(d.id)) for d in sorted(docs.values(), key=lambda d: (d.date or "", d.id))]

    def tags(self) -> list[tuple[str, int]]:
        """Every tag with how many documents carry it, by name."""
        return self.store.documents.all_tags()

    def count_documents(self, kind: str | None = None) -> int:
        return self.store.documents.count(kind)

    def count_chunks(self) -> int:
        return self.store.chunks.count()

    def generation(self) -> int:
        """A number that changes whenever the set of passages changes (a key for caches of results)."""
        return self.store.generation()

    def last_ingest(self) -> dict | None:
        """When the last import ran and what it did."""
        return self.store.ingest_runs.last()

    @mutation("document.edit", target="ref")
    def set_date(self, ref: str, date: str | None) -> DocumentRecord:
        """Correct a document's date ("2024-03-15", "2024-03" or "2024"; "" or None: unknown), when the
        import took it from the wrong place; time filters and citations use it from then on."""
        doc = self.document(ref)
        value = check_date(date or "") or None
        with self.store.transaction():
            if not self.store.documents.set_date(doc.id, value):
                raise NotFound(f"文档 {doc.title} 刚被他人删除")
            self.store.meta.bump_generation()  # results remembered under the old generation show the old date
        return self.document(doc.id)

    @mutation("document.delete", target="ref")
    def delete(self, ref: str, purge: bool = False) -> DocumentRecord:
        """Remove a document: from the database (its passages, the vectors nothing else uses), both
        indexes, and its uploaded file (<data>/uploads). Reading-list items that named it stay, shown as
        deleted; `purge` also blanks the passages they copied and rewrites the database so no copy of
        the text is left in its free pages (VACUUM)."""
        doc = self.document(ref)
        self._delete_document(doc.id, purge=purge)
        return doc

    def _delete_document(self, doc_id: str, purge: bool = False) -> None:
        """The removal itself, for delete and for an organiser's confirmed removal of a synced file."""
        doc = self.document(doc_id)
        self.refresh_indexes()
        removed, generation = self.store.delete_document(doc.id, purge=purge)
        self.indexes.apply(np.array(removed, dtype=np.int64), np.zeros(0, np.int64), [], generation)
        self.indexes.save()
        upload = Path(doc.path)
        if upload.parent.resolve() == (self.data_dir / UPLOADS).resolve():  # a copy kb keeps, not a user's file
            upload.unlink(missing_ok=True)
        if purge:
            self.store.reclaim_space()

    # ---- maintenance --------------------------------------------------------------------------------
    @mutation("settings")
    def reindex(self, model: str | None = None, encoder: Encoder | None = None) -> dict:
        """Re-chunk every document with the current settings and rebuild both indexes.

        With a new model (name or encoder), every chunk is embedded again and the knowledge base
        switches to it; vectors already computed for a model are reused.
        """
        new_name = encoder.name if encoder else model
        if new_name and new_name != self.model_name:
            new_encoder = encoder or load_encoder(new_name)
            self.embeddings.switch(new_name, new_encoder)
            with self.store.transaction():
                self.store.meta.switch_model(new_name, new_encoder.dim)
        else:
            with self.store.transaction():
                self.store.meta.record_model(self.model_name, self.embeddings.encoder.dim, self.config.to_dict())
        rechunked = self._rechunk_all()
        filled = self._fill_in_metadata()
        with self.store.transaction():
            self.store.meta.set_settings(self.config.to_dict())
        self.indexes.rebuild(self.store, self.embeddings.stored_of_chunks, self.model_name, self.dim)
        self._complete_vectors()
        with self.store.transaction():
            dropped = self.store.embeddings.drop_unused(self.model_name)
        return {"model": self.model_name, "documents": self.count_documents(),
                "chunks": self.count_chunks(), "rechunked": rechunked, "dropped_vectors": dropped, **filled}

    @mutation("database.copy")
    def copy_from(self, source: Location, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
        """Copy a whole knowledge base (every table of every record family, ids kept) into this one,
        which must be empty; returns the rows copied per table. Reopen this one to use what came
        with it (its model and settings); its indexes are built from the copied vectors."""
        source_store = open_store(_location(source))
        try:
            return copy_store(source_store, self.store, progress)
        finally:
            source_store.close()

    def check(self) -> CheckReport:
        """`kb check`: the database's own integrity check, counts and ids that must agree, and the saved
        indexes read afresh (unreadable ones rebuilt from the database) and compared with it."""
        fresh = Indexes(self.data_dir / "index", self.model_name, self.store.meta.model()[1], self.config.bm25)
        return maintenance.check(self.store, fresh, self.embeddings.stored_of_chunks, self.model_name)

    @audited("database.backup", target="folder")
    def backup(self, folder: str | Path) -> maintenance.Backup:
        """`kb backup DIR`: a consistent copy of the whole knowledge base and its uploaded files in a new
        folder, itself a data folder (open it with --data to check it)."""
        return maintenance.backup(self.store, self.data_dir, Path(folder))

    @mutation("database.restore", target="folder")
    def restore(self, folder: str | Path) -> Path:
        """`kb restore DIR`: replace the knowledge base with the backup in DIR; the database as it was is
        kept in the data folder first (returned). The indexes are rebuilt from the restored database."""
        return maintenance.restore(self.store, self.data_dir, Path(folder), self.indexes)

    def _fill_in_metadata(self) -> dict[str, int]:
        """What documents imported before kb knew it lack: the 公文 parts, found again in the stored text, and
        a near-duplicate signature, linked to the nearest signed twin as an import would."""
        official = 0
        for record in self.store.documents.matching():
            if METADATA_KEY not in record.metadata:  # imported before texts about the topic list were noted
                named = fields_named(self.store.documents.text(record.id))
                with self.store.transaction():
                    self.store.documents.set_metadata(record.id, {**record.metadata, METADATA_KEY: str(named)})
                self._shared.enumerating.pop(record.id, None)  # a search read it before it was noted
            if record.gongwen is None and record.kind == "theory":
                found = recognise(self.store.documents.text(record.id), title=record.title)
                if found is not None:
                    with self.store.transaction():
                        self.store.documents.set_gongwen(record.id, found)
                    official += 1
        unsigned = self.store.twins.unsigned(SCHEME)
        linked = 0
        if unsigned:
            index = TwinIndex()
            for doc_id, blob in self.store.twins.signatures(SCHEME):
                try:
                    index.add(doc_id, TwinSignature.from_bytes(blob))
                except ValueError:  # damaged: that document is compared as if it had none
                    continue
            for doc_id in unsigned:
                signed = twin_signature(self.store.documents.text(doc_id))
                twin = index.nearest(signed, exclude=doc_id)
                with self.store.transaction():
                    self.store.twins.put_signature(doc_id, SCHEME, signed.to_bytes())
                    if twin:
                        self.store.twins.link(doc_id, str(twin.key), twin.similarity, clock_now())
                        linked += 1
                index.add(doc_id, signed)
        return {"gongwen_found": official, "signed": len(unsigned), "versions_linked": linked}

    def _rechunk_all(self) -> int:
        """Chunk stored texts again with the current chunker settings; returns documents changed."""
        changed = 0
        for record in self.store.documents.matching():
            doc = self.store.documents.source(record.id)
            if doc is None:  # deleted by another process meanwhile
                continue
            chunks = chunk_document(doc, self.config.chunker)
            old = self.store.chunks.of(record.id)
            if [(c.start, c.end) for c in chunks] == [(c.start, c.end) for c in old]:
                continue
            inputs = [embedding_input(doc.title, c.section, c.text) for c in chunks]
            self.store.replace_chunks(record.id, chunks,
                                      [keyword_input(doc.title, c.section, c.text) for c in chunks],
                                      [embed_key(t) for t in inputs])
            changed += 1
        return changed

    def stats(self) -> dict:
        """Counts, model and index facts for the status page and `kb stats`."""
        docs = self.documents()
        index_dir = self.data_dir / "index"
        index_bytes = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) if index_dir.exists() else 0
        return {
            "data_dir": str(self.data_dir),
            "location": self.location,
            "on_server": self.on_server,
            "format_version": self.store.format_version,
            "documents": len(docs),
            "theory": sum(d.kind == "theory" for d in docs),
            "minutes": sum(d.kind == "minutes" for d in docs),
            "outputs": sum(d.kind == "output" for d in docs),
            "chunks": self.count_chunks(),
            "characters": sum(d.char_count for d in docs),
            "model": self.model_name,
            "model_label": model_name(self.model_name),  # in words an office user understands
            "model_note": model_note(self.model_name),
            "dim": self.store.meta.model()[1],
            "index_bytes": index_bytes,
            "database_bytes": self.store.size_bytes(),
            "tags": dict(self.tags()),
            "last_ingest": self.last_ingest(),
            "vectors_pending": self.vectors_pending(),  # passages searchable by keywords only, for now
            "official": sum(d.gongwen is not None for d in docs),  # 公文
            "marked": sum(bool(d.marks) for d in docs),  # with 内部资料 and the like (or an allowed 密级)
            "works_with_versions": len(set(self._works().values())),
            "synced_folders": len(self.store.sync.folders()),
            "gone_waiting": sum(not g.kept for g in self.store.sync.gone()),
        }


def _check_upload(files: Sequence[tuple[str, bytes]]) -> None:
    if len(files) > MAX_UPLOAD_FILES:
        raise InvalidInput(f"一次上传了 {len(files)} 个文件，超过上限 {MAX_UPLOAD_FILES} 个：请分批上传，"
                           "或请管理员把文件夹放进导入目录后按文件夹导入")


def migrate(source: Location, target: Location, progress: Callable[[str, int], None] | None = None,
            local_dir: str | Path | None = None) -> dict[str, int]:
    """`kb migrate SRC DST`: copy the knowledge base at `source` into a new, empty one at `target`
    (a folder or a postgresql://… URL, either way round); returns the rows copied per table."""
    with open_kb(target, check_settings=False, local_dir=local_dir) as kb:
        return kb.copy_from(source, progress)


def open_kb(data_dir: str | Path | None = None, **kwargs: Any) -> KnowledgeBase:
    """Open (creating if needed) the knowledge base in `data_dir`."""
    try:
        return KnowledgeBase(data_dir, **kwargs)
    except KBError:
        raise
    except OSError as e:
        raise KBError(f"无法打开数据目录 {data_dir}：{e.strerror}。请检查路径和权限") from e
