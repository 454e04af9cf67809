"""`kb bench --import-load`: searches from simulated users while an import runs through the import worker.

One app process (bench/app_server.py, as `kb serve` would hold the knowledge base) starts with the
bundled sample imported. Simulated users in this process (a second process, on loopback, bounded in
number and time: bench/load.py) search it for a fixed time with nothing else going on (idle); then the
app process is asked to import real documents (the provincial work reports in ../shared/eval/dev, or
the sample's own files without it) through its import worker, and the same users search for the same
time again (during the import). Latency is measured at the user. The import's timeline is sampled
meanwhile: when the first document became searchable, when every file was read (all keyword-searchable),
and, if within the time allowed, when every passage had its vector.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.app_server import AppSpec
from bench.corpus import bench_corpus, shared_eval_dir
from bench.load import LoadSpec, call, run_load
from bench.servers import AppProcess
from index.embedder import DEFAULT_MODEL


@dataclass(frozen=True)
class ImportLoadOptions:
    model: str = DEFAULT_MODEL  # the model a new knowledge base uses
    users: int = 4
    seconds: float = 30.0  # each phase: idle, then during the import
    think: float = 0.5  # mean pause between a user's searches
    documents: int = 10  # work reports imported (at most the 31 of ../shared)
    finish_seconds: float = 300.0  # after the measured phase, how long to wait for the vectors to be done
    use_shared: bool = True
    seed: int = 0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Timeline:
    """The import job sampled every quarter second from its own thread."""

    def __init__(self, port: int, job: int):
        self.port, self.job = port, job
        self.start = time.perf_counter()
        self.samples: list[tuple[float, dict]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="import-timeline", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            status, state = call(self.port, f"/import/{self.job}")
            if status == 200:
                self.samples.append((time.perf_counter() - self.start, state))
                if state["state"] in ("finished", "failed"):
                    return
            self._stop.wait(0.25)

    def wait(self, seconds: float) -> None:
        self._thread.join(seconds)
        self._stop.set()

    def last(self) -> dict:
        return self.samples[-1][1] if self.samples else {}

    def first(self, test: Callable[[dict], bool]) -> float | None:
        return next((round(t, 1) for t, s in self.samples if test(s)), None)


def run_import_load(options: ImportLoadOptions, progress: Callable[[str], None] = _log) -> dict:
    from kb.library import KnowledgeBase
    from kb.presets import load_presets
    from kb.sample_kb import build_sample

    shared = shared_eval_dir() if options.use_shared else None
    corpus = bench_corpus(shared)
    files = [p for p in corpus.paths if p.suffix.lower() == ".docx"][: options.documents] or \
        list(corpus.paths[: options.documents])
    queries = tuple(q for preset in load_presets() for q in preset.queries)
    work = Path(tempfile.mkdtemp(prefix="kb-bench-import-load-"))
    try:
        data = work / "data"
        with KnowledgeBase(data, model=options.model) as kb:
            build_sample(kb)
            before = {"documents": kb.count_documents(), "chunks": kb.count_chunks()}
        progress(f"示例知识库：{before['documents']} 篇文档，{before['chunks']} 个片段；启动应用进程…")
        app = AppProcess(AppSpec(str(data), options.model, follow="none", workers=options.users + 2), work)
        try:
            spec = LoadSpec(options.users, options.seconds, options.think, 0.0, (), (), queries, seed=options.seed)
            progress(f"空闲时检索：{options.users} 个模拟用户，{options.seconds:.0f} 秒…")
            idle = run_load([app.port], spec)
            idle.pop("search_timeline", None)
            progress(f"导入 {len(files)} 个文件，同时检索 {options.seconds:.0f} 秒…")
            job = call(app.port, "/import", {"paths": [str(f) for f in files]})[1]["job"]
            timeline = Timeline(app.port, job)
            during = run_load([app.port], LoadSpec(**{**asdict(spec), "seed": options.seed + 1}))
            at_end = timeline.last()
            progress("等待导入完成（语义向量）…")
            timeline.wait(options.finish_seconds)
        finally:
            app.stop()
        added = lambda s: s.get("documents", 0) > before["documents"]  # noqa: E731 - one-line predicates
        read_s = timeline.first(lambda s: s.get("stage") in ("done", "vectors") or s.get("state") == "finished")
        done_s = timeline.first(lambda s: s.get("state") == "finished")
        return {
            "model": options.model,
            "corpus": corpus.label,
            "files": len(files),
            "users": options.users,
            "think_s": options.think,
            "phase_seconds": options.seconds,
            "before": before,
            "idle": idle,
            "during_import": during,
            "p95_ratio": round(during["search"]["p95_ms"] / idle["search"]["p95_ms"], 2)
            if idle.get("search") and during.get("search") else None,
            "import_at_phase_end": at_end,
            # The searches of the import phase by what the import was doing when each began.
            "by_stage": _by_stage(during.pop("search_timeline", []), read_s, done_s),
            "import": {
                "first_document_searchable_s": timeline.first(added),
                "all_read_s": read_s,
                "vectors_done_s": done_s,
                "final": timeline.last(),
            },
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _by_stage(timeline: list[tuple[float, float]], read_s: float | None, done_s: float | None) -> dict:
    from bench.encoding import latency

    end_read, end_all = read_s or float("inf"), done_s or float("inf")
    stages = {"reading": [t for at, t in timeline if at < end_read],
              "vectors": [t for at, t in timeline if end_read <= at < end_all],
              "after": [t for at, t in timeline if at >= end_all]}
    return {stage: latency(values) for stage, values in stages.items() if values}


def import_load_text(result: dict) -> str:
    """The result as a few lines of Chinese."""
    idle, during, imp = result["idle"].get("search", {}), result["during_import"].get("search", {}), result["import"]
    lines = [
        f"导入时检索（模型 {result['model']}，{result['users']} 个模拟用户，各阶段 {result['phase_seconds']:.0f} 秒）",
        f"  语料：{result['corpus']}，导入 {result['files']} 个文件",
        f"  空闲时   p50 {idle.get('p50_ms', '—')} ms  p95 {idle.get('p95_ms', '—')} ms（{idle.get('n', 0)} 次）",
        f"  导入中   p50 {during.get('p50_ms', '—')} ms  p95 {during.get('p95_ms', '—')} ms（{during.get('n', 0)} 次）",
        f"  p95 之比 {result['p95_ratio']}；错误 {result['during_import']['errors']}",
        *(f"    {label}：p50 {result['by_stage'][stage]['p50_ms']} ms  p95 {result['by_stage'][stage]['p95_ms']} ms"
          f"（{result['by_stage'][stage]['n']} 次）"
          for stage, label in (("reading", "读取文件时"), ("vectors", "计算语义向量时"), ("after", "导入完成后"))
          if stage in result["by_stage"]),
        f"  第一篇可检索 {imp['first_document_searchable_s']} 秒，全部可按关键词检索 {imp['all_read_s']} 秒，"
        f"语义向量全部完成 {imp['vectors_done_s']} 秒（导入任务：{imp['final'].get('state')}）",
    ]
    return "\n".join(lines)
