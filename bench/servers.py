"""`kb bench --servers`: app processes over one database under a bounded loopback load, beside one
process on SQLite, on the same machine and the same knowledge base.

1. A knowledge base of N synthetic chunks (bench.scale.build, real sentences, precomputed vectors) is
   built in a SQLite data folder, then copied into a new schema of a PostgreSQL database with
   `kb migrate` (timed); the copy keeps the chunk ids, so its indexes are the SQLite ones, copied.
2. Each layout starts its app processes (bench/app_server.py: the facade behind HTTP on 127.0.0.1)
   and runs the simulated users of bench/load.py against them: sqlite-1 (one process, a county
   install), postgresql-1 and postgresql-2 (the province layout, two processes on one database).
   Reported per layout: throughput, p50/p95 of searches and list edits, errors, each process's memory,
   and whether the shared reading lists hold exactly what the users added and removed.
3. Change propagation: a document committed through one process, and when the other process's
   indexes hold it, with change notices (LISTEN/NOTIFY) and with polling.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.app_server import AppSpec
from bench.load import LoadSpec, call, run_load
from index.embedder import DEFAULT_MODEL

LAYOUTS = ("sqlite-1", "postgresql-1", "postgresql-2")
LISTS = tuple(f"共用清单{i}" for i in range(1, 5))
FOLLOW_MODES = (("notices", None), ("poll", 0.5), ("poll", 1.0))


@dataclass(frozen=True)
class ServersOptions:
    sizes: tuple[int, ...] = (100_000,)
    model: str = DEFAULT_MODEL  # the model a new knowledge base uses
    postgres: str = "postgresql://127.0.0.1:5432/test"  # a database where the benchmark may create a schema
    users: int = 8
    seconds: float = 60.0
    think: float = 0.05  # mean pause of a user between requests
    edit_share: float = 0.2
    workers: int = 8  # request threads per app process
    changes: int = 20  # commits timed for change propagation, per mode
    queries: int = 200
    use_shared: bool = True
    quick: bool = False
    seed: int = 0
    layouts: tuple[str, ...] = LAYOUTS
    follow_modes: tuple[tuple[str, float | None], ...] = FOLLOW_MODES

    def effective(self) -> ServersOptions:
        """Small amounts everywhere with --quick: checks that everything runs, measures little."""
        if not self.quick:
            return self
        from dataclasses import replace

        return replace(self, users=min(self.users, 4), seconds=min(self.seconds, 8.0), changes=min(self.changes, 4),
                       queries=min(self.queries, 30))


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- the knowledge bases ------------------------------------------------------------------------
def text_pool(shared: Path | None, pool_chars: int, queries: int, seed: int, work: Path) -> tuple[Path, list[str]]:
    """Real sentences for the synthetic chunks and realistic queries (as `kb bench` makes them)."""
    from bench.corpus import bench_corpus, chunk_sizes, extra_texts
    from bench.synthetic import build_pool, make_queries
    from ingest.pipeline import read_document
    from kb.config import KBConfig
    from kb.presets import load_presets

    documents = []
    for path in bench_corpus(shared).paths[:60]:
        try:
            documents.append(read_document(path))
        except Exception:  # noqa: BLE001 - an unreadable sample file only narrows the vocabulary
            continue
    texts = [(d.title, d.text) for d in documents] + extra_texts(shared, pool_chars)
    pool = build_pool(texts, chunk_sizes(documents, KBConfig().chunker))
    path = work / "pool.json"
    pool.save(path)
    return path, make_queries(pool, queries, [q for p in load_presets() for q in p.queries], seed)


def _admin(url: str, statement: str) -> None:
    import psycopg  # the benchmark makes and drops its own schema, as the tests do

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def schema_url(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@dataclass(frozen=True)
class Stores:
    sqlite: Path  # the data folder
    postgres: str  # the URL of the schema
    local_dir: Path  # this machine's folder of the PostgreSQL knowledge base
    doc_ids: tuple[str, ...]


def prepare(size: int, options: ServersOptions, pool: Path, queries: list[str], work: Path,
            schema: str, facts: dict) -> Stores:
    """The same knowledge base in a SQLite folder and in a PostgreSQL schema, indexes saved for both."""
    from bench.encoding import make_encoder
    from bench.scale import SizeSpec, build
    from bench.synthetic import TextPool
    from kb.config import KBConfig
    from kb.library import KnowledgeBase, migrate

    encoder = make_encoder(options.model)
    spec = SizeSpec(size=size, pool=str(pool), queries=queries, model=options.model, workdir=str(work / "sqlite"),
                    approximate=False, profile=False, seed=options.seed)
    _log(f"  {size:,} 片段：建立 SQLite 知识库…")
    folder, built = build(spec, TextPool.load(pool), encoder, KBConfig())
    facts["build"] = built
    _admin(options.postgres, f"CREATE SCHEMA {schema}")
    url = schema_url(options.postgres, schema)
    local = work / "postgres-local"
    _log(f"  {size:,} 片段：kb migrate 复制到 PostgreSQL…")
    started = time.perf_counter()
    copied = migrate(folder, url, local_dir=local)
    facts["migrate"] = {"seconds": round(time.perf_counter() - started, 1), "rows": copied}
    shutil.copytree(folder / "index", local / "index")  # same ids, same generation: the same indexes
    with KnowledgeBase(folder, encoder=encoder) as sqlite_kb, \
            KnowledgeBase(url, encoder=encoder, local_dir=local) as pg_kb:
        for kb in (sqlite_kb, pg_kb):
            for name in LISTS:
                kb.lists.create(name)
        doc_ids = tuple(d.id for d in sqlite_kb.documents()[:200])
        facts["database_mb"] = {"sqlite": round(sqlite_kb.store.size_bytes() / 2**20),
                                "postgresql": round(pg_kb.store.size_bytes() / 2**20)}
    return Stores(folder, url, local, doc_ids)


# ---- app processes ------------------------------------------------------------------------------
class AppProcess:
    """bench/app_server.py in a child process; stopped by closing its stdin."""

    def __init__(self, spec: AppSpec, work: Path):
        path = work / f"app-{uuid.uuid4().hex[:8]}.json"
        path.write_text(json.dumps(asdict(spec), ensure_ascii=False), encoding="utf-8")
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
        self.process = subprocess.Popen([sys.executable, "-m", "bench.app_server", str(path)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=env)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("READY "):
            self.process.kill()
            raise RuntimeError(f"app process did not start (exit {self.process.wait()})")
        self.port = int(line.split()[1])

    def rss_mb(self) -> int:
        import psutil

        return round(psutil.Process(self.process.pid).memory_info().rss / 2**20)

    def state(self) -> dict:
        return call(self.port, "/state")[1]

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _list_items(location: str | Path, model: str, local_dir: Path | None) -> dict[str, list[int]]:
    from kb.library import KnowledgeBase

    with KnowledgeBase(location, model=model, local_dir=local_dir) as kb:
        return {name: [item.position for item in kb.lists.get(name).items] for name in LISTS}


def run_layout(layout: str, stores: Stores, options: ServersOptions, queries: list[str], work: Path) -> dict:
    """Start the layout's app processes, run the users, check the shared lists, stop the processes."""
    backend, count = layout.rsplit("-", 1)
    location = str(stores.sqlite) if backend == "sqlite" else stores.postgres
    local = None if backend == "sqlite" else stores.local_dir
    before = _list_items(location, options.model, local)
    spec = AppSpec(location=location, model=options.model, local_dir=str(local) if local else None,
                   follow="notices" if backend == "postgresql" else "none", workers=options.workers)
    apps = [AppProcess(spec, work) for _ in range(int(count))]
    try:
        load = LoadSpec(users=options.users, seconds=options.seconds, think=options.think,
                        edit_share=options.edit_share, lists=LISTS, doc_ids=stores.doc_ids, queries=tuple(queries),
                        seed=options.seed)
        result = run_load([app.port for app in apps], load)
        result["rss_mb"] = [app.rss_mb() for app in apps]
    finally:
        for app in apps:
            app.stop()
    after = _list_items(location, options.model, local)
    held = sum(len(v) for v in after.values()) - sum(len(v) for v in before.values())
    result["lists_consistent"] = (held == result["added"] - result["removed"]
                                  and all(p == list(range(1, len(p) + 1)) for p in after.values()))
    return {"layout": layout, "processes": int(count), **result}


# ---- change propagation -------------------------------------------------------------------------
def propagation(stores: Stores, options: ServersOptions, work: Path) -> list[dict]:
    """For each way of following changes, commit `changes` documents through this process (one every
    0.2-0.6 s) and time how long the app process takes to hold each in its indexes."""
    from bench.encoding import make_encoder
    from bench.scale import _synthetic_document
    from bench.synthetic import SyntheticDocument
    from kb.library import KnowledgeBase
    from kb.representation import embed_key, embedding_input, keyword_input

    rng = random.Random(options.seed)
    out = []
    encoder = make_encoder(options.model)
    with KnowledgeBase(stores.postgres, encoder=encoder, local_dir=work / "writer-local") as writer:
        number = 10_000_000
        for mode, interval in options.follow_modes:
            app = AppProcess(AppSpec(location=stores.postgres, model=options.model, local_dir=str(stores.local_dir),
                                     follow=mode, poll_interval=interval, workers=2), work)
            committed: dict[int, float] = {}
            try:
                for _ in range(options.changes):
                    time.sleep(rng.uniform(0.2, 0.6))
                    texts = [f"第{number}号文档的第{i}段，用于测量变更传播。" for i in range(3)]
                    document, chunks = _synthetic_document(SyntheticDocument(f"传播测试{number}", texts, []),
                                                           number, options.seed)
                    keys = [embed_key(embedding_input(document.title, (), t)) for t in texts]
                    vectors = dict(zip(keys, np.asarray(encoder.encode(texts), dtype=np.float32), strict=True))
                    done = writer.store.commit_document(document, chunks,
                                                        [keyword_input(document.title, (), t) for t in texts], keys,
                                                        (), (writer.model_name, vectors))
                    committed[done.generation] = time.time()  # the commit has returned: others may see it
                    number += 1
                time.sleep(max(2.0, (interval or 0) * 3))
                seen = {int(g): t for g, t in app.state()["seen"].items()}
            finally:
                app.stop()
            delays = [seen[g] - t for g, t in committed.items() if g in seen]
            # A refresh that catches up several commits at once holds the earlier ones too.
            for g, t in committed.items():
                if g not in seen:
                    later = [seen[s] for s in seen if s > g]
                    if later:
                        delays.append(min(later) - t)
            label = "notices" if mode == "notices" else f"poll {interval:g}s"
            ms = np.asarray(delays) * 1000 if delays else np.zeros(0)
            out.append({"mode": label, "commits": len(committed), "caught_up": len(delays),
                        "p50_ms": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
                        "p95_ms": round(float(np.percentile(ms, 95)), 1) if len(ms) else None,
                        "max_ms": round(float(ms.max()), 1) if len(ms) else None,
                        "idle_queries_per_s": round(1 / (interval or 5.0), 2)})
    return out


# ---- the whole section --------------------------------------------------------------------------
def run_servers(options: ServersOptions, progress: Callable[[str], None] = _log) -> dict:
    from bench.corpus import REPO_ROOT, shared_eval_dir
    from bench.machine import code_version, load_mark, machine_info, others_load
    from kb.store.postgres import safe_description

    asked, options = options, options.effective()
    mark = load_mark()
    started = time.time()
    result: dict = {"options": asdict(options), "machine": machine_info(), "code": code_version(REPO_ROOT),
                    "postgres": safe_description(options.postgres), "sizes": []}
    shared = shared_eval_dir() if options.use_shared else None
    with tempfile.TemporaryDirectory(prefix="kb-bench-servers-") as tmp:
        work = Path(tmp)
        progress("合成片段：从真实句子取词…")
        pool, queries = text_pool(shared, 300_000 if options.quick else 10_000_000, options.queries,
                                  options.seed, work)
        for size in options.sizes:
            schema = f"kb_bench_{uuid.uuid4().hex[:10]}"
            entry: dict = {"size": size}
            try:
                stores = prepare(size, options, pool, queries, work / f"size-{size}", schema, entry)
                entry["layouts"] = []
                for layout in options.layouts:
                    progress(f"  {size:,} 片段：{layout}，{options.users} 个模拟用户，{options.seconds:g} 秒…")
                    entry["layouts"].append(run_layout(layout, stores, options, queries, work))
                progress(f"  {size:,} 片段：变更传播（通知 / 轮询）…")
                entry["propagation"] = propagation(stores, options, work)
            finally:
                _admin(options.postgres, f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            result["sizes"].append(entry)
    result["load"] = others_load(mark)
    result["seconds"] = round(time.time() - started, 1)
    result["command"] = command_line(asked)
    return result


def command_line(options: ServersOptions) -> str:
    parts = ["kb bench --servers", "--sizes", ",".join(str(s) for s in options.sizes)]
    defaults = ServersOptions()
    for flag, value, default in (("--model", options.model, defaults.model),
                                 ("--users", options.users, defaults.users),
                                 ("--seconds", options.seconds, defaults.seconds),
                                 ("--postgres", options.postgres, defaults.postgres)):
        if value != default:
            parts += [flag, str(value)]
    if options.quick:
        parts.append("--quick")
    if not options.use_shared:
        parts.append("--no-shared")
    return " ".join(parts)
